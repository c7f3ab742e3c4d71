// The browser entry points bundle for a browser with no Node module left in them: the package
// root (engine + backends) and relgrad/flow/browser (model, gradients, training, toy data).
import t from 'tap';
import { build } from 'esbuild';

for (const entry of ['index.ts', 'flow/browser.ts']) {
  t.test(`${entry} bundles for the browser`, async (t) => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      // the optional native GPU.js paths are not browser code; GPU.js loads them only in Node
      external: ['gl', 'webgpu'],
      metafile: true,
    });
    const code = result.outputFiles[0].text;
    t.ok(code.length > 10_000, `bundled ${entry}: ${code.length} bytes`);
    t.notMatch(code, /from\s*["']node:/, 'no static import of a node: module');
    const mlMatrix = Object.keys(result.metafile.inputs).filter((f) => f.includes('node_modules/ml-matrix/'));
    t.same(mlMatrix, [], 'ml-matrix is not in the bundle (the CPU backend defaults to the blocked LU)');
  });
}

t.test('ml-matrix LU on request: its own entry point, same results as the default blocked LU', async (t) => {
  const { createCpuBackend } = await import('../backends/cpu/index.js');
  const { mlMatrixLu } = await import('../backends/cpu/lu-ml-matrix.js');
  const { fromHost, inv } = await import('../index.js');
  const plain = createCpuBackend({ tier: 'js' });
  const ml = createCpuBackend({ tier: 'js', lu: mlMatrixLu });
  t.equal(plain.describe().details?.lu, 'blocked LU on the GEMM', 'the js tier now defaults to the blocked LU');
  t.equal(ml.describe().details?.lu, 'ml-matrix');
  const a = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
  const x = inv(fromHost(a, [3, 3], { backend: plain })).dataSync();
  const y = inv(fromHost(a, [3, 3], { backend: ml })).dataSync();
  x.forEach((v, i) => t.ok(Math.abs(v - y[i]) < 1e-14, `inv[${i}]`));
  t.throws(() => createCpuBackend({ lu: 'ml-matrix' as never }), /lu must be 'blocked' or \{ name, solve, inv, slogdet \}/);
});
