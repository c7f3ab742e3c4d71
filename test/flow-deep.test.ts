// Deep stacks end to end: a fresh stack initialised from data *is* the Gaussian fitted to the same
// rows (equal log-likelihood before the first step, against flow/baselines/gaussian.ts); training
// improves on it; checkpoint format v2 round-trips a stack and refuses unknown layer types; a run
// with a learning-rate schedule, clipping and weight decay resumes bit for bit.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flow, deepStack, evaluate, fitGaussianFlow, initializeFromData, toySplits, train, loadCheckpoint, type TrainOptions } from '../flow/index.js';

/**
 * The layer labels a summary's stack part lists, groups expanded: items split on ' → ' outside
 * parentheses; '(…) × n' repeats its inner list n times; 'spline(5 bins, ±4)' is one label.
 */
function expandSummary(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (depth === 0 && text.startsWith(' → ', i)) {
      items.push(text.slice(start, i));
      start = i + 3;
    }
  }
  items.push(text.slice(start));
  return items.flatMap((item) => {
    const group = /^\((.*)\) × (\d+)$/.exec(item);
    if (!group) return [item];
    const inner = expandSummary(group[1]);
    return Array.from({ length: Number(group[2]) }, () => inner).flat();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'relgrad-deep-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const data = toySplits('moons', { train: 1000, validation: 300, test: 300, seed: 2 });

t.test('a fresh stack initialised from data is the Gaussian fitted to the same rows', async (t) => {
  const flow = Flow.fromLayers(deepStack({ depth: 3, bins: 6 }), { dim: 2, seed: 3, dtype: 'float64' });
  initializeFromData(flow, data.train);
  const gaussian = fitGaussianFlow(data.train, { dtype: 'float64' });
  for (const split of ['train', 'validation', 'test'] as const) {
    const a = evaluate(flow, data[split]).mean;
    const b = evaluate(gaussian, data[split]).mean;
    t.ok(Math.abs(a - b) < 1e-9, `${split}: flow ${a} = Gaussian ${b}`);
  }
  // and train() does it by default for a stack, so epoch 0 of the curve is the Gaussian's level
  const trained = Flow.fromLayers(deepStack({ depth: 3, bins: 6 }), { dim: 2, seed: 3, dtype: 'float64' });
  const r = await train(trained, data, { epochs: 15, lr: 0.01, schedule: { kind: 'cosine' } });
  const flowTest = evaluate(trained, data.test).mean;
  const gaussTest = evaluate(gaussian, data.test).mean;
  t.ok(flowTest > gaussTest + 0.3, `15 epochs beat the Gaussian by more than 0.3 nats (${flowTest.toFixed(3)} vs ${gaussTest.toFixed(3)}; ${r.message})`);
});

t.test('the paper model keeps its own initialisation unless asked', async (t) => {
  const a = Flow.create({ dim: 2, seed: 5, dtype: 'float64' });
  const before = a.paramsToHost();
  await train(a, data, { epochs: 1, lr: 1e-9 });
  const after = a.paramsToHost();
  t.ok(Math.abs(after.layers[0][0][0] - before.layers[0][0][0]) < 1e-6, 'not re-initialised (orthogonal W kept)');
  const b = Flow.create({ dim: 2, seed: 5, dtype: 'float64' });
  await train(b, data, { epochs: 1, lr: 1e-9, init: 'gaussian' });
  t.ok(Math.abs(b.paramsToHost().layers[0][0][0] - before.layers[0][0][0]) > 1e-3, "init: 'gaussian' whitens the first layer");
});

t.test('checkpoint v2: a stack round-trips; bad stacks and unknown types are refused by name', async (t) => {
  const flow = Flow.fromLayers(deepStack({ depth: 2, bins: 5 }), { dim: 2, seed: 1, dtype: 'float64' });
  await train(flow, data, { epochs: 2, lr: 0.01 });
  const path = join(dir, 'stack.json');
  await flow.save(path);
  const back = await Flow.load(path);
  t.same(back.config.stack, flow.config.stack, 'the layer list');
  t.same(back.paramsToHost(), flow.paramsToHost(), 'every parameter, bit for bit');
  t.same(Array.from(back.logProb(data.test).dataSync()), Array.from(flow.logProb(data.test).dataSync()), 'the same log-likelihoods');
  // the summary names every layer in order: expanding its '(a → b) × n' groups gives the stack
  const listed = /layers: (.*), base /.exec(String(back))?.[1] ?? '';
  const labels = back.config.stack!.map((l) => {
    const { type, bins, bound } = l as { type: string; bins?: number; bound?: number };
    return type === 'spline' ? `spline(${String(bins)} bins, ±${String(bound)})` : type;
  });
  t.same(expandSummary(listed), labels, `'${listed}' lists the stack ${labels.join(', ')}`);
  t.throws(() => Flow.fromLayers([{ type: 'conv' } as never], { dim: 2 }), /stack\[0\]: unknown layer type "conv"; the built-in types are dense, activation, affine, spline, leaky; for a user-defined type pass its definition/);
  t.throws(() => Flow.fromLayers([{ type: 'spline', bins: 1 }], { dim: 2 }), /stack\[0\]: spline layer: bins must be an integer in \[2, 256\], got 1/);
  t.throws(() => Flow.fromLayers([{ type: 'dense', width: 3 } as never], { dim: 2 }), /a dense layer has no setting 'width'/);
  t.throws(() => Flow.create({ dim: 2, layers: 3, stack: [{ type: 'dense' }] }), /layers is 3 but the stack has 1 dense layers/);
  t.throws(() => flow.setParams({ W: flow.params.W, b: flow.params.b }), /affine layers with parameters: give every layer's parameters as \{ layers/);
});

t.test('schedule, clipping and weight decay resume bit for bit', async (t) => {
  const options: TrainOptions = { epochs: 6, lr: 0.02, seed: 4, schedule: { kind: 'step', every: 2, gamma: 0.5 }, clipNorm: 0.5, weightDecay: 1e-4 };
  const make = (): Flow => Flow.fromLayers(deepStack({ depth: 2, bins: 4 }), { dim: 2, seed: 6, dtype: 'float64' });
  const full = make();
  const fullRun = await train(full, data, options);
  const first = make();
  const path = join(dir, 'resume.json');
  await train(first, data, { ...options, epochs: 3, checkpointPath: path });
  const ck = await loadCheckpoint(path);
  t.ok(ck.training?.schedule !== undefined, 'the schedule state is in the checkpoint');
  const resumed = Flow.fromCheckpoint(ck);
  const run = await train(resumed, data, { ...options, resume: ck });
  t.same(resumed.paramsToHost(), full.paramsToHost(), 'identical parameters');
  t.same(run.history.map((h) => [h.lr, h.validationLoss]), fullRun.history.map((h) => [h.lr, h.validationLoss]), 'identical learning rates and losses');
  t.ok(new Set(fullRun.history.map((h) => h.lr)).size > 1, 'the step schedule did lower the rate');
  await t.rejects(train(Flow.fromCheckpoint(ck), data, { ...options, clipNorm: 1, resume: ck }), /gradient clipping: the checkpoint has 0.5, this run has 1/);
  await t.rejects(train(Flow.fromCheckpoint(ck), data, { ...options, schedule: { kind: 'cosine' }, resume: ck }), /learning-rate schedule: the checkpoint has/);
});

t.test('the Gaussian fit: mean and covariance (one GEMM) against naive loops', async (t) => {
  const { meanCovariance } = await import('../flow/covariance.js');
  const n = 257;
  const d = 37;
  const data = Float64Array.from({ length: n * d }, (_, i) => Math.sin(0.7 * i) * (1 + (i % d) / 10) + 3);
  const { mean, cov } = meanCovariance({ data, rows: n, cols: d });
  const mu = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mu[j] += data[r * d + j] / n;
  let worst = 0;
  for (let i = 0; i < d; i++) {
    worst = Math.max(worst, Math.abs(mean[i] - mu[i]));
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += (data[r * d + i] - mu[i]) * (data[r * d + j] - mu[j]);
      worst = Math.max(worst, Math.abs(cov[i * d + j] - s / n));
    }
  }
  t.ok(worst < 1e-12, `worst difference ${worst.toExponential(2)}`);
  let symmetric = true;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) symmetric &&= cov[i * d + j] === cov[j * d + i];
  t.ok(symmetric, 'exactly symmetric');
});
