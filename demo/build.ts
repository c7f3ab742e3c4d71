// npm run demo:build [-- --out DIR]: writes the live page as static files (index.html, page.js,
// train-worker.js; default dist/demo-site/) that any static file server hosts, e.g.
// `python3 -m http.server -d dist/demo-site 8000`. A folder that holds other files is refused
// (nothing of the user's is overwritten); a folder this command wrote before is updated.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleDemo, repoRoot } from './bundle.js';

/** Written beside the page: marks the folder as this command's, so a rebuild may overwrite it. */
const MARKER = 'relgrad-demo.txt';

/** Writes the page's files into `out` (created if missing) and returns their paths. */
export async function buildDemo(out: string): Promise<string[]> {
  const files = await bundleDemo();
  if (existsSync(out)) {
    const present = readdirSync(out);
    const foreign = present.filter((f) => f !== MARKER && !(f in files));
    if (present.length > 0 && (!present.includes(MARKER) || foreign.length > 0)) {
      throw new Error(`demo:build: ${out} already holds other files (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}); give an empty or new folder with --out DIR`);
    }
  }
  mkdirSync(out, { recursive: true });
  const written = Object.entries(files).map(([name, text]) => {
    writeFileSync(join(out, name), text);
    return join(out, name);
  });
  writeFileSync(join(out, MARKER), 'relgrad live page, written by npm run demo:build; serve this folder with any static file server\n');
  return written;
}

const USAGE = 'usage: npm run demo:build [-- --out DIR]   (default DIR: dist/demo-site)';

/** The command line of `npm run demo:build`, exported for its test. */
export async function main(argv: string[]): Promise<void> {
  let out = join(repoRoot(), 'dist', 'demo-site');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out = resolve(argv[++i]);
    else if (argv[i].startsWith('--out=')) out = resolve(argv[i].slice('--out='.length));
    else if (argv[i] === '--help') return void console.log(USAGE);
    else throw new Error(`demo:build: unknown or incomplete argument '${argv[i]}' (${USAGE})`);
  }
  const written = await buildDemo(out);
  console.log(`demo:build: wrote\n${written.map((f) => `  ${f}`).join('\n')}\nserve the folder with any static file server, e.g.: python3 -m http.server -d ${out} 8000`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]).replace(/\.ts$/, '.js').endsWith(join('demo', 'build.js'))) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
