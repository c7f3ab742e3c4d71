// trainInWorker runs train() on a worker_threads thread: the same seed gives the same parameters
// and history as train() on this thread; progress and per-epoch snapshots stream back (the last
// snapshot is the worker's final state); an AbortSignal stops the worker's run; errors and
// unknown options come back with train()'s messages.
import t from 'tap';
// The built library (dist/, built by `npm test` before tap), as users load it: a worker started
// from the TypeScript sources would compile the whole library again in every worker.
import { Flow, deepStack, toySplits, train, trainInWorker, type ProgressEvent, type TrainOptions } from '../dist/flow/index.js';
import type { HostParams } from '../dist/flow/checkpoint.js';

const data = toySplits('moons', { train: 600, validation: 200, test: 10, seed: 4 });
const make = (): Flow => Flow.fromLayers(deepStack({ depth: 2, bins: 5 }), { dim: 2, seed: 7, dtype: 'float64' });
const options: TrainOptions = { epochs: 4, lr: 0.01, batchSize: 100, seed: 3, patience: 100, schedule: { kind: 'cosine' } };

t.test('same parameters and history as train() on this thread, with progress and snapshots', async (t) => {
  const here = make();
  const hereRun = await train(here, data, options);
  const there = make();
  const events: ProgressEvent[] = [];
  const snapshots: { epoch: number; params: HostParams }[] = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const thereRun = await trainInWorker(there, data, { ...options, onProgress: (e) => events.push(e), onSnapshot: (s) => snapshots.push(s) });
  clearInterval(timer);
  t.equal(thereRun.status, 'completed');
  t.same(thereRun.history.map((h) => [h.trainLoss, h.validationLoss, h.lr]), hereRun.history.map((h) => [h.trainLoss, h.validationLoss, h.lr]), 'identical losses and rates');
  t.same(there.paramsToHost(), here.paramsToHost(), 'identical parameters, bit for bit');
  t.equal(events.filter((e) => e.kind === 'batch').length, 6 * 4, '6 batches × 4 epochs reported');
  t.same(events.filter((e) => e.kind === 'epoch').map((e) => e.epoch), [1, 2, 3, 4]);
  t.same(snapshots.map((s) => s.epoch), [1, 2, 3, 4], 'a snapshot per epoch');
  // with a cosine schedule the loss keeps falling here, so the last epoch is the best: its snapshot is the result
  t.equal(thereRun.bestEpoch, 4);
  t.same(snapshots[3].params, here.paramsToHost(), 'the last snapshot is the final state');
  t.ok(ticks > 0, `this thread ran its timer meanwhile (${ticks} ticks)`);
});

t.test('abort, errors and unknown options', async (t) => {
  const constant: TrainOptions = { ...options, schedule: { kind: 'constant' } };
  const controller = new AbortController();
  const flow = make();
  const r = await trainInWorker(flow, data, {
    ...constant, epochs: 50, signal: controller.signal,
    onProgress: (e) => { if (e.kind === 'epoch' && e.epoch === 2) controller.abort(); },
  });
  t.equal(r.status, 'aborted', r.message);
  t.ok(r.epochs >= 2 && r.epochs < 50, `stopped after ${r.epochs} epochs (the abort crosses while the worker trains on)`);
  t.ok(r.bestEpoch !== null && r.bestEpoch <= r.epochs);
  // reference: the same run on this thread stopped after the best epoch
  const best = make();
  await train(best, data, { ...constant, epochs: r.bestEpoch ?? 0 });
  t.same(flow.paramsToHost(), best.paramsToHost(), `the best epoch's (${r.bestEpoch}) parameters came back`);
  await t.rejects(trainInWorker(make(), data, { epochs: 1, batchSize: 0 }), /train: batchSize must be a positive integer, got 0/);
  await t.rejects(trainInWorker(make(), data, { epoch: 1 } as TrainOptions), /trainInWorker: unknown option 'epoch' \(did you mean 'epochs'\?\)/);
  await t.rejects(trainInWorker(make(), data, { epochs: 1, workerUrl: new URL('./no-such-worker.js', import.meta.url) }), /no-such-worker/);
});
