// Conditional flows end to end (docs/conditional.md), float64: the data-dependent start equals the
// Gaussian fitted to x alone (ignoring c); training on { x, context } pairs learns p(x | c) of a
// linear-Gaussian task (a gain over that Gaussian, which mismatched pairs could not give); the
// closed-form linear-Gaussian baseline against a hand computation and the truth; checkpoint and
// export round trips keep the conditioners and the context width; refusals name the shapes.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../index.js';
import {
  Flow, train, evaluate, initializeFromData, fitGaussianFlow, fitLinearGaussian, linearGaussianLogProbs, evaluateLinearGaussian,
  encodeFlow, decodeFlow, type HostMatrix, type LayerSpec,
} from '../flow/index.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-cond-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** x | c ~ N(A c + μ, diag(0.3², 0.5²)), c ~ N(0, I₂), seeded: the task and its truth. */
const A = [[1.5, -0.5], [0.8, 1.2]];
const MU = [0.5, -1];
const SD = [0.3, 0.5];
function pairs(n: number, seed: number): { x: HostMatrix; context: HostMatrix } {
  const rng = new Rng(seed);
  const x = new Float64Array(n * 2);
  const c = new Float64Array(n * 2);
  for (let r = 0; r < n; r++) {
    c[2 * r] = rng.normal();
    c[2 * r + 1] = rng.normal();
    for (let j = 0; j < 2; j++) x[2 * r + j] = MU[j] + A[j][0] * c[2 * r] + A[j][1] * c[2 * r + 1] + SD[j] * rng.normal();
  }
  return { x: { data: x, rows: n, cols: 2 }, context: { data: c, rows: n, cols: 2 } };
}
const data = { train: pairs(1000, 1), validation: pairs(300, 2), test: pairs(1000, 3) };
const stack = (): LayerSpec[] => [
  { type: 'affine', context: { hidden: [8] } },
  { type: 'spline', bins: 6, context: { hidden: [8] } },
  { type: 'dense', context: { hidden: [] } },
  { type: 'spline', bins: 6 },
];

t.test('a conditional stack started from data is the Gaussian fitted to x (c ignored)', async (t) => {
  const flow = Flow.fromLayers(stack(), { dim: 2, context: 2, seed: 3, dtype: 'float64' });
  initializeFromData(flow, data.train.x, data.train.context);
  const gaussian = fitGaussianFlow(data.train.x, { dtype: 'float64' });
  for (const split of ['train', 'validation', 'test'] as const) {
    const a = evaluate(flow, data[split]).mean;
    const b = evaluate(gaussian, data[split].x).mean;
    t.ok(Math.abs(a - b) < 1e-9, `${split}: conditional flow ${a} = Gaussian ${b}`);
  }
  t.throws(() => initializeFromData(flow, data.train.x), /conditional \(context width 2\)/);
});

t.test('the linear-Gaussian baseline: a hand computation, and the truth on a large sample', async (t) => {
  // D = C = 1, four points: slope = cov(x, c)/var(c), intercept, residual variance by hand
  const c = { data: Float64Array.from([0, 1, 2, 3]), rows: 4, cols: 1 };
  const x = { data: Float64Array.from([1, 2, 2, 5]), rows: 4, cols: 1 };
  const m = fitLinearGaussian(x, c);
  // mean c 1.5, mean x 2.5; Σ(c−c̄)(x−x̄) = (−1.5)(−1.5)+(−0.5)(−0.5)+(0.5)(−0.5)+(1.5)(2.5) = 6, Σ(c−c̄)² = 5
  t.ok(Math.abs(m.A[0] - 1.2) < 1e-12, `slope ${m.A[0]} = 6/5`);
  t.ok(Math.abs(m.mu[0] - (2.5 - 1.2 * 1.5)) < 1e-12, `intercept ${m.mu[0]} = 0.7`);
  // residuals 0.3, 0.1, −1.1, 0.7: variance (0.09 + 0.01 + 1.21 + 0.49)/4 = 0.45
  t.ok(Math.abs(m.cov[0] - 0.45) < 1e-12, `residual variance ${m.cov[0]} = 0.45`);
  const lp = linearGaussianLogProbs(m, x, c);
  t.ok(Math.abs(lp[2] - (-0.5 * Math.log(2 * Math.PI * 0.45) - (1.1 * 1.1) / (2 * 0.45))) < 1e-12, `log p(x_2 | c_2) = log N(−1.1; 0, 0.45) (${lp[2]})`);
  // a large sample recovers A, μ, Σ of the task
  const big = pairs(20000, 9);
  const f = fitLinearGaussian(big.x, big.context);
  const flat = [A[0][0], A[0][1], A[1][0], A[1][1]];
  t.ok(flat.every((v, i) => Math.abs(f.A[i] - v) < 0.02), `A ≈ the truth (${Array.from(f.A, (v) => v.toFixed(3)).join(', ')})`);
  t.ok(Math.abs(f.cov[0] - 0.09) < 0.005 && Math.abs(f.cov[3] - 0.25) < 0.01 && Math.abs(f.cov[1]) < 0.01, 'Σ ≈ diag(0.09, 0.25)');
});

t.test('training on { x, context } pairs learns p(x | c); checkpoint and export round trips', async (t) => {
  const flow = Flow.fromLayers(stack(), { dim: 2, context: 2, seed: 3, dtype: 'float64' });
  const r = await train(flow, { train: data.train, validation: data.validation }, { epochs: 12, lr: 0.02, batchSize: 100, patience: 100 });
  const flowTest = evaluate(flow, data.test).mean;
  const gaussTest = evaluate(fitGaussianFlow(data.train.x, { dtype: 'float64' }), data.test.x).mean;
  const lin = evaluateLinearGaussian(fitLinearGaussian(data.train.x, data.train.context), data.test).mean;
  t.ok(lin - gaussTest > 1, `the context carries more than 1 nat (linear-Gaussian ${lin.toFixed(3)} vs Gaussian ${gaussTest.toFixed(3)})`);
  t.ok(flowTest - gaussTest > 0.8 * (lin - gaussTest), `the conditional flow gains at least 80% of it (${flowTest.toFixed(3)}; ${r.message})`);
  // checkpoint: the context width and the conditioners come back
  const path = join(dir, 'cond.json');
  await flow.save(path);
  const back = await Flow.load(path, { dtype: 'float64' });
  t.equal(back.contextDim, 2, 'context width restored');
  t.equal(back.parameterCount, flow.parameterCount, 'every parameter, conditioners included');
  const a = flow.logProb(data.test.x, { context: data.test.context }).dataSync();
  const b = back.logProb(data.test.x, { context: data.test.context }).dataSync();
  t.same(Array.from(b), Array.from(a), 'log p(x | c) identical after save/load');
  t.match(String(back), /context 2, .*affine \| c→mlp\(8, tanh\)/);
  for (const format of ['npz', 'safetensors'] as const) {
    const arrays = decodeFlow(encodeFlow({ config: flow.config, params: flow.paramsToHost() }, format), `x.${format}`);
    const again = Flow.fromCheckpoint({ config: arrays.config, params: arrays }, { dtype: 'float64' });
    const c = again.logProb(data.test.x, { context: data.test.context }).dataSync();
    t.same(Array.from(c), Array.from(a), `${format} export round trip`);
  }
});

t.test('train refuses data that does not fit the flow, naming the shapes', async (t) => {
  const flow = Flow.fromLayers(stack(), { dim: 2, context: 2, seed: 3, dtype: 'float64' });
  await t.rejects(train(flow, { train: data.train.x }, { epochs: 1 }), /train: training data: this flow is conditional \(context width 2\)/);
  const short = { data: data.train.context.data.subarray(0, 20), rows: 10, cols: 2 };
  await t.rejects(train(flow, { train: { x: data.train.x, context: short } }, { epochs: 1 }), /context has shape \[10, 2\] but the data has 1000 rows/);
  const plain = Flow.fromLayers([{ type: 'affine' }, { type: 'dense' }], { dim: 2, dtype: 'float64' });
  await t.rejects(train(plain, { train: data.train }, { epochs: 1 }), /unconditional \(context width 0\) but a context was given/);
});
