// The relgrad version for `--version`: read at run time from the package.json of the package this
// module belongs to, found by walking up from the module's own folder (so it works from the
// TypeScript source, from dist/ and from an installed package alike).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'relgrad' && typeof pkg.version === 'string') return (cached = pkg.version);
    }
    if (dirname(dir) === dir) throw new Error(`relgrad: cannot find relgrad's package.json above ${fileURLToPath(import.meta.url)}`);
  }
}
