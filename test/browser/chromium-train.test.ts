// Training in headless Chromium: train() on the page leaves a 10 ms timer ticking (no gap over
// 200 ms), an abort from a timer stops it with the best epoch's parameters, and trainInWorker on a
// module Web Worker gives the page's parameters bit for bit, streaming batches and snapshots.
import t from 'tap';
import { build } from 'esbuild';
import { runInChromium } from '../../tools/launch.js';
import type { TrainReport } from './train-entry.js';

t.test('train() cooperates in a page, and trainInWorker runs it on a Web Worker', async (t) => {
  const worker = await build({
    entryPoints: ['flow/train-worker.ts'], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    minify: true, write: false, logLevel: 'silent', external: ['gl', 'webgpu', 'node:*'],
  });
  const r = (await runInChromium('test/browser/train-entry.ts', { args: { workerCode: worker.outputFiles[0].text }, timeoutMs: 240_000 })) as TrainReport;
  t.equal(r.page.status, 'completed');
  t.ok(r.page.ms > 300, `a run long enough to show a freeze (${r.page.ms.toFixed(0)} ms on ${r.backend})`);
  const seen = r.runs.map((p) => `${p.gap.toFixed(1)} ms from ${p.gapAt.toFixed(0)} ms (${p.ticks} ticks)`).join('; ');
  t.ok(r.page.gap < 200, `largest gap between the page's timer ticks, up to three runs: ${seen}`);
  t.equal(r.abort.status, 'aborted');
  t.ok(r.abort.epochs >= 2 && r.abort.epochs <= 3, `the timer's abort (set after epoch 2) landed after ${r.abort.epochs} epochs, ${r.abort.ms.toFixed(0)} ms`);
  t.ok(r.abort.sameAsBest, "the aborted run holds the best epoch's parameters");
  t.equal(r.worker.status, 'completed');
  t.ok(r.worker.sameAsPage, `the worker's parameters equal the page's (largest difference ${r.worker.maxDiff})`);
  t.equal(r.worker.batches, 20 * 3, '20 batches × 3 epochs streamed from the worker');
  t.same(r.worker.snapshots, [1, 2, 3]);
  t.equal(r.worker.abortStatus, 'aborted', 'the signal crosses to the Web Worker');
});
