// Entry for test/browser/chromium-train.test.ts, run in a Chromium page: train() on the page with a
// 10 ms timer (largest gap between ticks), an abort from a timer, and trainInWorker on a module Web
// Worker (its bundle handed over as text, started from a blob URL) against train() on the page.
import { getBackend } from '../../index.js';
import { Flow, deepStack, toySplits, train, trainInWorker, type TrainOptions } from '../../flow/browser.js';

export interface TrainReport {
  page: { ms: number; ticks: number; gap: number; gapAt: number; status: string };
  /** every run, the last one is `page` */
  runs: TrainReport['page'][];
  abort: { status: string; epochs: number; ms: number; sameAsBest: boolean };
  worker: { status: string; sameAsPage: boolean; maxDiff: number; batches: number; snapshots: number[]; abortStatus: string };
  backend: string;
}

const data = toySplits('moons', { train: 1000, validation: 200, test: 10, seed: 1 });
const make = (): Flow => Flow.fromLayers(deepStack({ depth: 2, bins: 6 }), { dim: 2, seed: 3, dtype: 'float64' });
const flat = (f: Flow): number[] => f.paramsToHost().layers.flatMap((list) => list.flatMap((a) => Array.from(a)));

export async function main(args: { workerCode: string }): Promise<TrainReport> {
  // up to three runs (a loaded machine can stall any process for a moment; a train() that never
  // yields has one gap as long as the run every time)
  const runs: TrainReport['page'][] = [];
  do {
    const flow = make();
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 10);
    const start = performance.now();
    const r = await train(flow, data, { epochs: 12, lr: 0.01, batchSize: 50 });
    const end = performance.now();
    clearInterval(timer);
    const marks = [start, ...ticks, end];
    let gap = 0;
    let gapAt = 0;
    for (let i = 1; i < marks.length; i++) if (marks[i] - marks[i - 1] > gap) [gap, gapAt] = [marks[i] - marks[i - 1], marks[i - 1] - start];
    runs.push({ ms: end - start, ticks: ticks.length, gap, gapAt, status: r.status });
  } while (runs.length < 3 && runs[runs.length - 1].gap >= 200);

  const options: TrainOptions = { lr: 0.01, batchSize: 50, seed: 2, patience: 1000 };
  const controller = new AbortController();
  const aborted = make();
  const t0 = performance.now();
  // the abort comes from a timer (as a Stop button's click would): it can only run while train() yields
  const onProgress = (e: { kind: string; epoch: number }): void => { if (e.kind === 'epoch' && e.epoch === 2) setTimeout(() => controller.abort(), 0); };
  const a = await train(aborted, data, { ...options, epochs: 500, signal: controller.signal, onProgress });
  const abortMs = performance.now() - t0;
  const best = make();
  await train(best, data, { ...options, epochs: a.bestEpoch ?? 0 });

  const workerUrl = URL.createObjectURL(new Blob([args.workerCode], { type: 'text/javascript' }));
  const here = make();
  await train(here, data, { ...options, epochs: 3 });
  const there = make();
  let batches = 0;
  const snapshots: number[] = [];
  const w = await trainInWorker(there, data, { ...options, epochs: 3, workerUrl, onProgress: (e) => { if (e.kind === 'batch') batches++; }, onSnapshot: (s) => snapshots.push(s.epoch) });
  const x = flat(here);
  const y = flat(there);
  const stop = new AbortController();
  const wa = await trainInWorker(make(), data, { ...options, epochs: 500, workerUrl, signal: stop.signal, onProgress: (e) => { if (e.kind === 'epoch') stop.abort(); } });
  return {
    page: runs[runs.length - 1],
    runs,
    abort: { status: a.status, epochs: a.epochs, ms: abortMs, sameAsBest: JSON.stringify(flat(aborted)) === JSON.stringify(flat(best)) },
    worker: {
      status: w.status, sameAsPage: x.length > 0 && x.every((v, i) => v === y[i]), maxDiff: Math.max(...x.map((v, i) => Math.abs(v - y[i]))),
      batches, snapshots, abortStatus: wa.status,
    },
    backend: getBackend().describe().implementation,
  };
}
