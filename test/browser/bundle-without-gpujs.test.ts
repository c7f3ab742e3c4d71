// The published package bundled for a browser by a user who never installed gpu.js: every public
// entry bundles with a plain `esbuild --bundle --minify` (no external flag), relgrad/flow resolves
// to its browser build (the "browser" export condition), and in Chromium the bundle trains a deep
// flow while setBackend('gpu') gives relgrad's install message instead of the browser's raw
// "Failed to resolve module specifier". The project is a temporary folder holding a copy of dist/
// as node_modules/relgrad and every other installed package except gpu.js and its native helpers.
import t from 'tap';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { Flow, decodeFlow, evaluate, toySplits } from '../../flow/index.js';
import { DEFAULT_CHROMIUM_FLAGS } from '../../tools/launch.js';

const ABSENT = new Set(['gpu.js', 'gl', 'webgpu', 'relgrad', '.bin', '.cache', '.package-lock.json']);
const dir = mkdtempSync(join(tmpdir(), 'relgrad-no-gpujs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const modules = join(dir, 'node_modules');
mkdirSync(join(modules, 'relgrad'), { recursive: true });
cpSync(resolve('dist'), join(modules, 'relgrad', 'dist'), { recursive: true });
cpSync(resolve('package.json'), join(modules, 'relgrad', 'package.json'));
for (const name of readdirSync(resolve('node_modules'))) {
  if (!ABSENT.has(name)) symlinkSync(resolve('node_modules', name), join(modules, name));
}

const bundle = async (contents: string): Promise<{ code: string }> => {
  const r = await build({
    stdin: { contents, resolveDir: dir, loader: 'js' }, absWorkingDir: dir, bundle: true, minify: true,
    format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
  });
  return { code: r.outputFiles[0].text };
};

const ENTRIES = ['relgrad', 'relgrad/engine', 'relgrad/flow', 'relgrad/flow/browser', 'relgrad/flow/train-worker', 'relgrad/backends/cpu', 'relgrad/backends/cpu/ml-matrix', 'relgrad/backends/gpu'];

t.test('every public entry bundles for the browser without gpu.js and with no flag', async (t) => {
  for (const entry of ENTRIES) {
    const { code } = await bundle(`export * from '${entry}';`);
    t.notMatch(code, /from\s*["']node:|import\(["']node:/, `${entry}: no node: module (${(gzipSync(code).length / 1024).toFixed(1)} KiB gz)`);
  }
  await t.rejects(bundle("import { loadMnist } from 'relgrad/flow'; console.log(loadMnist);"), /No matching export in "node_modules\/relgrad\/dist\/flow\/browser\.js" for import "loadMnist"/,
    'relgrad/flow is the browser build (no MNIST loader) under the browser condition');
});

t.test('in Chromium: the bundle trains, and setBackend(gpu) names the package to install', async (t) => {
  const { code } = await bundle(`
    import { setBackend } from 'relgrad';
    import { Flow, deepStack, toySplits, train, evaluate, fitGaussianFlow, encodeCheckpointText, encodeFlow } from 'relgrad/flow';
    window.relgradResult = (async () => {
      let gpu = 'no error';
      try { await setBackend('gpu'); } catch (err) { gpu = err.name + ': ' + err.message; }
      await setBackend('cpu');
      const data = toySplits('moons', { seed: 0, train: 1000, validation: 200, test: 500 });
      const flow = Flow.fromLayers(deepStack({ depth: 2, bins: 6 }), { dim: 2, seed: 0 });
      const r = await train(flow, data, { epochs: 8, lr: 0.01 });
      const checkpoint = await encodeCheckpointText(flow.config, flow.paramsToHost());
      const npz = Array.from(encodeFlow({ config: flow.config, params: flow.paramsToHost() }, 'npz'));
      return { gpu, status: r.status, flow: evaluate(flow, data.test).mean, gaussian: evaluate(fitGaussianFlow(data.train), data.test).mean, checkpoint, npz };
    })().catch((err) => ({ error: String(err && err.stack || err) }));
  `);
  const server = createServer((req, res) => {
    if (req.url === '/bundle.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(code);
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><script type="module" src="/bundle.js"></script>');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: '/usr/bin/chromium', headless: true, args: [...DEFAULT_CHROMIUM_FLAGS] });
  t.teardown(async () => {
    await context.close();
    server.close();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => 'relgradResult' in window, undefined, { timeout: 30_000 });
  const r = (await page.evaluate(() => (window as unknown as { relgradResult: Promise<unknown> }).relgradResult)) as
    { gpu: string; status: string; flow: number; gaussian: number; checkpoint: string; npz: number[]; error?: string };
  t.equal(r.error, undefined, 'no error on the page');
  t.match(r.gpu, /^MissingPackageError: the GPU backend \(setBackend\('gpu'\)\) needs the npm package 'gpu\.js', which is not installed; install it with: npm install gpu\.js@\^2\.24\.1$/);
  t.equal(r.status, 'completed');
  t.ok(r.flow > r.gaussian + 0.2, `the trained flow beats the Gaussian on test rows (${r.flow.toFixed(3)} vs ${r.gaussian.toFixed(3)})`);
  // the page's checkpoint text is a checkpoint file Node loads, giving the page's number again
  const file = join(dir, 'page-model.json');
  writeFileSync(file, r.checkpoint);
  const loaded = await Flow.load(file);
  const nodeValue = evaluate(loaded, toySplits('moons', { seed: 0, train: 1000, validation: 200, test: 500 }).test).mean;
  t.ok(Math.abs(nodeValue - r.flow) < 1e-9, `Node evaluates the page's model to ${nodeValue} (page ${r.flow})`);
  // the page's .npz export (made in the browser) holds the same parameters, bit for bit
  const arrays = decodeFlow(Uint8Array.from(r.npz), 'page.npz');
  t.same(arrays.layers?.map((l) => l.map((a) => Array.from(a))), loaded.paramsToHost().layers?.map((l) => l.map((a) => Array.from(a))), 'the page\'s .npz export decodes to the checkpoint\'s parameters');
});

t.test("each browser's wording of an unresolved bare specifier is recognised as the package missing", async (t) => {
  const { isNotFound, asMissing, MissingPackageError } = await import('../../engine/optional.js');
  const browsers = [
    'Failed to resolve module specifier "gpu.js". Relative references must start with either "/", "./", or "../".',
    'The specifier “gpu.js” was a bare specifier, but was not remapped to anything. Relative module specifiers must start with “./”, “../” or “/”.',
    "Module name, 'gpu.js' does not resolve to a valid URL.",
  ];
  for (const message of browsers) {
    t.ok(isNotFound(new TypeError(message), 'gpu.js'), message.slice(0, 40));
    t.ok(asMissing('gpu.js', new TypeError(message)) instanceof MissingPackageError);
    t.notOk(isNotFound(new TypeError(message), 'webgpu'), 'another package is not the one missing');
  }
  t.notOk(isNotFound(new TypeError('Failed to resolve module specifier "gpu.js-extra"'), 'gpu.js'), 'a longer name is another package');
  t.notOk(isNotFound(new Error('gpu.js: WebGL2 is not available'), 'gpu.js'), 'another failure of the package passes through');
  t.ok(isNotFound(Object.assign(new Error("Cannot find package 'gpu.js' imported from x"), { code: 'ERR_MODULE_NOT_FOUND' }), 'gpu.js'), "Node's error still");
});
