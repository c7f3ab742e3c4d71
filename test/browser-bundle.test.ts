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
    });
    const code = result.outputFiles[0].text;
    t.ok(code.length > 10_000, `bundled ${entry}: ${code.length} bytes`);
    t.notMatch(code, /from\s*["']node:/, 'no static import of a node: module');
  });
}
