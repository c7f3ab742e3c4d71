// Each thing a run does, done once (issue 24 item 1): the parameters copied to the host once per
// epoch and a checkpoint that stores an improving epoch's parameters once; evaluate() reads each
// batch back once (the rows are checked on the host where they enter, not again per batch); the
// run record a saved experiment model carries is the one its checkpoints carry; the learning rate
// checked where it enters (train) and by the engine's optimizer, not by the flow's adapter too.

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHost } from '../index.js';
import { Rng } from '../engine/random.js';
import { Tensor } from '../engine/tensor.js';
import { Flow, deepStack, makeOptimizer, train } from '../flow/index.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../flow/checkpoint.js';
import { evaluate } from '../flow/evaluate.js';
import { runExperiment } from '../flow/experiment.js';
import { toySplits } from '../flow/data/toy.js';
import type { HostMatrix } from '../flow/matrix.js';
import { numericLogProb } from './helpers/flow-numeric.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-run-once-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const data = toySplits('moons', { seed: 3, train: 400, validation: 100, test: 100 });

const payloadOf = (path: string): Record<string, unknown> => {
  const text = readFileSync(path, 'utf8');
  return JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>;
};

t.test('the parameters go to the host once per epoch (and once at the start)', async (t) => {
  const flow = Flow.fromLayers(deepStack({ depth: 1, bins: 4 }), { dim: 2, seed: 0, dtype: 'float64' });
  let copies = 0;
  const toHost = flow.paramsToHost.bind(flow);
  flow.paramsToHost = () => {
    copies++;
    return toHost();
  };
  const r = await train(flow, { train: data.train, validation: data.validation }, { epochs: 3, batchSize: 100, lr: 1e-2, seed: 0 });
  t.equal(r.epochs, 3, 'three epochs ran');
  t.ok(r.history.some((h) => h.improved), 'at least one epoch improved (it shares its copy with the last good state)');
  t.equal(copies, 1 + 3, 'one copy at the start (best candidate and last good state) and one per epoch');
});

t.test('a checkpoint whose best epoch is its last stores the parameters once; both read back', async (t) => {
  const flow = Flow.create({ dim: 2, layers: 2, seed: 4 });
  const path = join(dir, 'once.json');
  const r = await train(flow, { train: data.train, validation: data.validation }, { epochs: 1, batchSize: 100, lr: 1e-2, seed: 0, checkpointPath: path });
  t.equal(r.bestEpoch, 1, 'precondition: the one epoch improved on the start');
  const raw = payloadOf(path) as { training: { epoch: number; best: { epoch: number; params: unknown } } };
  t.equal(raw.training.best.epoch, raw.training.epoch, 'best epoch = last epoch');
  t.equal(raw.training.best.params, 'params', 'best.params refers to params instead of a second copy');
  const ck = await loadCheckpoint(path);
  t.same(ck.training?.best?.params, ck.params, 'read back: the best parameters are the checkpoint\'s parameters');
  t.same(ck.params, flow.paramsToHost(), 'and those are the trained flow\'s (independent: the flow itself)');

  // the same checkpoint with a distinct (equal) best copy is written twice and reads back the same
  const twice: Checkpoint = { ...ck, training: { ...ck.training!, best: { ...ck.training!.best!, params: structuredClone(ck.params) } } };
  const path2 = join(dir, 'twice.json');
  await saveCheckpoint(path2, twice);
  t.not((payloadOf(path2) as { training: { best: { params: unknown } } }).training.best.params, 'params', 'a distinct best copy is written out');
  t.ok(readFileSync(path2).length > readFileSync(path).length + 100, 'and the file is larger by about one parameter set');
  const back = await loadCheckpoint(path2);
  t.same(back.training?.best?.params, ck.training?.best?.params, 'both files read back the same best parameters');

  // float32 parameters cannot stand in for the float64 best copy
  const path3 = join(dir, 'f32.json');
  await saveCheckpoint(path3, ck, { precision: 'float32' });
  t.not((payloadOf(path3) as { training: { best: { params: unknown } } }).training.best.params, 'params', 'a float32 file keeps its float64 best copy');
  const f32 = await loadCheckpoint(path3);
  t.same(f32.training?.best?.params, ck.params, 'read back in float64');
});

t.test('evaluate reads each batch back once', async (t) => {
  // affine and spline layers only: a dense layer reads its log-determinant's sign back (dense.ts)
  const flow = Flow.fromLayers([{ type: 'affine' }, { type: 'spline', bins: 4 }], { dim: 2, seed: 1, dtype: 'float64' });
  const rows: HostMatrix = { data: data.train.data.subarray(0, 250 * 2), rows: 250, cols: 2 };
  // every host read of a tensor goes through dataSync (the CPU backend's counting hook misses
  // tensors that still hold their host copy), so count those calls
  const dataSync = Tensor.prototype.dataSync;
  let reads = 0;
  Tensor.prototype.dataSync = function (this: Tensor) {
    reads++;
    return dataSync.call(this);
  };
  let r: ReturnType<typeof evaluate>;
  try {
    r = evaluate(flow, rows, 100);
  } finally {
    Tensor.prototype.dataSync = dataSync;
  }
  t.equal(reads, 3, '3 batches (100, 100, 50 rows), one read each: the rows were checked on the host, not read back again');
  // the mean against the flow's own per-row log p, one row at a time (regression: the same code path family)
  let sum = 0;
  for (let i = 0; i < 250; i++) sum += flow.logProb([[rows.data[2 * i], rows.data[2 * i + 1]]]).item();
  t.ok(Math.abs(r.mean - sum / 250) < 1e-12, `mean ${r.mean} equals the row-by-row mean ${sum / 250}`);
  flow.dispose();
});

t.test('non-finite rows are still refused, naming row and column, once checked on the host', async (t) => {
  const flow = Flow.fromLayers(deepStack({ depth: 1, bins: 4 }), { dim: 2, seed: 1, dtype: 'float64' });
  const bad = Float64Array.from(data.test.data.subarray(0, 20));
  bad[7] = Number.NaN; // row 3, column 1
  t.throws(() => evaluate(flow, { data: bad, rows: 10, cols: 2 }), /evaluate: value NaN at row 3, column 1 is not finite/);
  t.throws(() => evaluate(flow, fromHost(bad, [10, 2])), /evaluate: value NaN at row 3, column 1 is not finite/, 'a tensor too');
  t.throws(() => flow.logProb(fromHost(bad, [10, 2])), /logProb: .*not finite/, 'logProb of a tensor checks it (one read-back)');
  t.throws(() => flow.logProb({ data: bad, rows: 10, cols: 2 }), /logProb: value NaN at row 3, column 1 is not finite/, 'logProb of host rows checks them on the host');

  // a conditional flow's context given as a tensor is checked where it enters evaluate()
  const net = { hidden: [4], activation: 'tanh' as const };
  const cond = Flow.fromLayers([{ type: 'affine', context: net }, { type: 'dense' }], { dim: 2, context: 1, seed: 2, dtype: 'float64' });
  const rng = new Rng(5);
  const context = Float64Array.from({ length: 10 }, () => rng.normal());
  const x = { data: Float64Array.from(data.test.data.subarray(0, 20)), rows: 10, cols: 2 };
  // scored: the mean log p(x | c) equals the change of variables with a finite-difference Jacobian, row by row
  const scored = evaluate(cond, { x, context: fromHost(context, [10, 1]) }).mean;
  let reference = 0;
  for (let n = 0; n < 10; n++) reference += numericLogProb(cond, x.data.subarray(2 * n, 2 * n + 2), 1e-6, context.subarray(n, n + 1)) / 10;
  t.ok(Math.abs(scored - reference) < 1e-6 * (1 + Math.abs(reference)), `a finite context scores: mean ${scored} vs finite-difference reference ${reference}`);
  context[4] = Number.POSITIVE_INFINITY;
  t.throws(() => evaluate(cond, { x, context: fromHost(context, [10, 1]) }), /evaluate: context: value Infinity at row 4, column 0 is not finite/);
  for (const f of [flow, cond]) f.dispose();
});

t.test('an experiment\'s saved model carries the run record its checkpoint carries', async (t) => {
  const outDir = join(dir, 'experiment');
  const r = await runExperiment({
    dataset: 'moons',
    data,
    flow: { dim: 2, stack: deepStack({ depth: 1, bins: 4 }), seed: 0 },
    train: { epochs: 2, batchSize: 100, lr: 1e-2, optimizer: 'adam', method: 'relative', patience: 5, seed: 0 },
    outDir,
    gaussianBaseline: true,
    onNotice: () => {},
  });
  const model = await loadCheckpoint(r.model);
  const ck = await loadCheckpoint(join(outDir, 'moons-checkpoint.json'));
  const run = ck.meta?.run as { dataset: { rows: unknown; name: unknown }; optimizer: { lr: unknown } };
  t.same(run.dataset.rows, { train: 400, validation: 100, test: 100 }, 'the checkpoint records the three splits\' sizes');
  t.equal(run.optimizer.lr, 1e-2, 'and the learning rate');
  t.strictSame(model.meta?.run, ck.meta?.run, 'the model\'s record is the checkpoint\'s, field for field');
  t.ok(r.gaussianBaseline !== null && r.gaussianBaseline.n === 100, 'the Gaussian baseline scored the 100 test rows');
});

t.test('the learning rate: train refuses it where it enters; the engine\'s optimizer guards a direct makeOptimizer', async (t) => {
  const flow = Flow.create({ dim: 2, seed: 0 });
  await t.rejects(train(flow, { train: data.train }, { lr: 0 }), /train: the learning rate must be a positive number, got 0/);
  t.throws(() => makeOptimizer({ name: 'adam', lr: -1 }), /adam: lr must be a non-negative number, got -1/);
  t.throws(() => makeOptimizer({ name: 'sgd', lr: Number.NaN }), /sgd: lr must be a non-negative number, got NaN/);
  const opt = makeOptimizer({ name: 'adam', lr: 1e-3 });
  t.throws(() => opt.setLr(Number.POSITIVE_INFINITY), /adam: lr must be a non-negative number, got Infinity/);
  opt.dispose();
});
