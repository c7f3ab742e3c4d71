// npm run bench:browser's deep-model step: the same training step timed in headless Chromium (CPU
// WebAssembly, GPU.js WebGL2) and in a Node child (CPU), written as browser-deep-step.{json,md};
// WebGL2 on a software rasteriser is labelled so (read from the renderer string, not assumed).
// Runs dist/ (built by `npm test` before tap) on a one-cell grid.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

t.test('the deep step in Chromium (CPU, GPU.js) beside Node', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'relgrad-bench-deep-step-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [resolve('dist/bench/browser-run.js'), '--quick', '--suites', 'deep-step', '--deep-dims', '4', '--depth', '2', '--out', out], { encoding: 'utf8', timeout: 300_000 });
  t.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-2000));
  const report = JSON.parse(readFileSync(join(out, 'browser-deep-step.json'), 'utf8')) as {
    config: { chromium: string; webglRenderer: string; node: string };
    results: { where: string; backend: string; label: string; dtype: string; dim: number; depth: number; status: string; median?: number; samples?: number[]; reason?: string }[];
  };
  t.match(report.config.chromium, /Chrome/);
  t.same(report.results.map((c) => `${c.where} ${c.backend} ${c.dtype} D=${c.dim} depth ${c.depth}`), [
    'chromium cpu float32 D=4 depth 2', 'chromium cpu float64 D=4 depth 2', 'chromium gpu float32 D=4 depth 2', 'node cpu float32 D=4 depth 2', 'node cpu float64 D=4 depth 2',
  ]);
  for (const c of report.results) {
    t.equal(c.status, 'ok', `${c.where} ${c.label} ${c.dtype}: ${c.reason ?? 'timed'}`);
    t.ok((c.samples?.length ?? 0) >= 3 && c.samples?.every((s) => s > 0), `${c.where} ${c.label} ${c.dtype}: ${c.samples?.length} timed steps`);
  }
  const gpu = report.results.find((c) => c.backend === 'gpu');
  const software = /swiftshader|llvmpipe/i.test(report.config.webglRenderer);
  t.match(gpu?.label, software ? /^GPU\.js WebGL2 \(software rendering: / : /^GPU\.js WebGL2 \((?!software)/, `renderer '${report.config.webglRenderer}' → '${gpu?.label}'`);
  t.match(readFileSync(join(out, 'browser-deep-step.md'), 'utf8'), /\| chromium \| GPU\.js WebGL2 .*\| float32 \| 4 \| [\d.]+ (ms|s|µs) \| [\d.]+× \|/, 'the table sets the browser beside Node');
});
