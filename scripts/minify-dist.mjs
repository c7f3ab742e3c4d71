// prepack's last step: every .js under the given folder rewritten with its whitespace and comments
// removed by esbuild (a per-file transform, not a bundle: module structure, names and
// Function.prototype.toString of the worker's embedded functions stay as they are), so that the
// published package stays under 1 MB unpacked (test/install-footprint.test.ts). Declarations
// (.d.ts) keep their doc comments.
// Usage: node scripts/minify-dist.mjs DIR
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';

const root = process.argv[2];
if (!root) throw new Error('usage: node scripts/minify-dist.mjs DIR');
let before = 0;
let after = 0;
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.js')) {
      const code = readFileSync(path, 'utf8');
      // keep the shebang of the CLI entry
      const shebang = code.startsWith('#!') ? code.slice(0, code.indexOf('\n') + 1) : '';
      const out = transformSync(code.slice(shebang.length), { minifyWhitespace: true, legalComments: 'none', target: 'es2022', format: 'esm', sourcemap: false }).code;
      writeFileSync(path, shebang + out);
      before += code.length;
      after += shebang.length + out.length;
    }
  }
};
walk(root);
console.log(`minify-dist: ${root}: ${before} → ${after} bytes of JavaScript`);
