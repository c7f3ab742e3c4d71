// Conditional layers (docs/conditional.md), one block per conditional type (affine, spline, dense
// bias), float64: inverse round trip for a given c, log p(x | c) against the change of variables
// with a finite-difference Jacobian, every parameter's gradient (conditioners included) against
// central differences of the loss, autodiff = ordinary, relative = ordinary except the dense W
// (conditional dense: ordinary·WᵀW; unconditional dense: ordinary·ŴᵀŴ), a fresh conditional flow
// equal to its unconditional start, and the refusals of wrong contexts, naming the shapes.
import t from 'tap';
import { Rng, fromHost, slogdet, type Tensor } from '../index.js';
import { Flow, type LayerSpec } from '../flow/index.js';
import { numericLogProb, worstParameterGradientError } from './helpers/flow-numeric.js';

const D = 2;
const C = 3;
const rng = new Rng(11);
const gauss = (n: number, scale = 1): Float64Array => Float64Array.from({ length: n }, () => scale * rng.normal());
const matrix = (rows: number, cols: number, scale = 1): Tensor => fromHost(gauss(rows * cols, scale), [rows, cols]);
const net = { hidden: [4], activation: 'tanh' as const };

const TYPES: Record<string, LayerSpec> = {
  affine: { type: 'affine', context: net },
  spline: { type: 'spline', bins: 4, bound: 3, context: net },
  dense: { type: 'dense', context: net },
};

/** cond T → dense → cond T, every parameter moved off its start (conditioners included), seeded. */
function flowWith(spec: LayerSpec): Flow {
  const flow = Flow.fromLayers([spec, { type: 'dense' }, spec], { dim: D, context: C, seed: 5, dtype: 'float64' });
  flow.setParams({ layers: flow.layerParams.map((list) => list.map((p) => {
    const v = Float64Array.from(p.dataSync());
    for (let i = 0; i < v.length; i++) v[i] += 0.3 * rng.normal();
    return v;
  })) });
  return flow;
}

for (const [name, spec] of Object.entries(TYPES)) {
  t.test(`conditional ${name}: inverse round trip for a given c, and log p(x | c) against a finite-difference Jacobian`, async (t) => {
    const flow = flowWith(spec);
    const x = matrix(8, D);
    const c = matrix(8, C);
    const { x: back, maxResidual } = flow.inverse(flow.forward(x, { context: c }), { context: c });
    const a = x.dataSync();
    const b = back.dataSync();
    t.ok(a.every((v, i) => Math.abs(v - b[i]) < 1e-9 * (1 + Math.abs(v))), 'f⁻¹(f(x; c); c) = x');
    t.ok(maxResidual < 1e-9, `residual ${maxResidual}`);
    const logp = flow.logProb(x, { context: c }).dataSync();
    const rows = Float64Array.from(x.dataSync());
    const cs = Float64Array.from(c.dataSync());
    for (let n = 0; n < 8; n++) {
      const ref = numericLogProb(flow, rows.slice(n * D, (n + 1) * D), 1e-6, cs.slice(n * C, (n + 1) * C));
      t.ok(Math.abs(logp[n] - ref) < 1e-6 * (1 + Math.abs(ref)), `row ${n}: ${logp[n]} vs ${ref}`);
    }
    // the context matters: another c gives another density (the conditioners were moved off zero)
    const other = flow.logProb(x, { context: matrix(8, C) }).dataSync();
    t.ok(other.some((v, i) => Math.abs(v - logp[i]) > 1e-3), 'log p(x | c) depends on c');
  });

  t.test(`conditional ${name}: every parameter's gradient against central differences; autodiff, relative`, async (t) => {
    const flow = flowWith(spec);
    const x = matrix(12, D);
    const context = matrix(12, C);
    const { layers: ordinary } = flow.gradient(x, 'ordinary', { context });
    const base = flow.layerParams.map((list) => list.map((p) => Float64Array.from(p.dataSync())));
    const { worst, count } = worstParameterGradientError(flow, ordinary, () => flow.loss(x, { context }).item());
    t.ok(worst < 1e-6, `worst relative error ${worst.toExponential(2)} over ${count} parameters (conditioners included)`);
    const auto = flow.gradient(x, 'autodiff', { context }).layers;
    const relative = flow.gradient(x, 'relative', { context }).layers;
    let autoErr = 0;
    let relErr = 0;
    ordinary.forEach((list, k) => list.forEach((g, j) => {
      const a = g.dataSync();
      const b = auto[k][j].dataSync();
      for (let i = 0; i < a.length; i++) autoErr = Math.max(autoErr, Math.abs(a[i] - b[i]));
      const isW = flow.stack[k].type === 'dense' && (j === 0 || flow.stack[k].conditional !== true);
      if (!isW) {
        const r = relative[k][j].dataSync();
        for (let i = 0; i < a.length; i++) relErr = Math.max(relErr, Math.abs(a[i] - r[i]));
      }
    }));
    t.ok(autoErr < 1e-9, `autodiff = ordinary, through the conditioners (max difference ${autoErr.toExponential(2)})`);
    t.ok(relErr < 1e-12, `relative = ordinary for every parameter but the dense W (and the unconditional dense b) (max difference ${relErr})`);
    // every dense W: relative = ordinary·WᵀW (conditional dense) or [dW, db]·ŴᵀŴ (unconditional), naive loops
    let denseErr = 0;
    flow.stack.forEach((layer, k) => {
      if (layer.type !== 'dense') return;
      const [W, b] = base[k];
      const [dW, db] = ordinary[k].map((g) => g.dataSync());
      const [rW, rb] = relative[k].map((g) => g.dataSync());
      const hatSize = layer.conditional === true ? D : D + 1; // Ŵ only where b is in the relative block
      const hat = (r: number, q: number): number => (r < D ? (q < D ? W[r * D + q] : b[r]) : q < D ? 0 : 1);
      const g = (r: number, q: number): number => (q < D ? dW[r * D + q] : db[r]);
      for (let r = 0; r < D; r++) {
        for (let q = 0; q < hatSize; q++) {
          let v = 0;
          for (let m = 0; m < hatSize; m++) for (let p = 0; p < hatSize; p++) v += g(r, m) * hat(p, m) * hat(p, q);
          denseErr = Math.max(denseErr, Math.abs(v - (q < D ? rW[r * D + q] : rb[r])));
        }
      }
    });
    t.ok(denseErr < 1e-10, `relative dense W = ordinary·WᵀW (conditional) / ·ŴᵀŴ (unconditional) (max difference ${denseErr.toExponential(2)})`);
  });
}

t.test('a fresh conditional flow equals its unconditional start, for any context', async (t) => {
  const specs = (context: boolean): LayerSpec[] => [
    { type: 'affine', ...(context ? { context: net } : {}) },
    { type: 'spline', bins: 4, ...(context ? { context: net } : {}) },
    { type: 'dense', ...(context ? { context: net } : {}) },
    { type: 'spline', bins: 4, ...(context ? { context: net } : {}) },
  ];
  const cond = Flow.fromLayers(specs(true), { dim: D, context: C, seed: 2, dtype: 'float64' });
  const plain = Flow.fromLayers(specs(false), { dim: D, seed: 2, dtype: 'float64' });
  // move the unconditional parts off their start in both flows alike
  const moved = plain.layerParams.map((list) => list.map((p) => Float64Array.from(p.dataSync(), (v) => v + 0.2 * rng.normal())));
  plain.setParams({ layers: moved });
  cond.setParams({ layers: cond.layerParams.map((list, k) => list.map((p, j) => (j < moved[k].length ? moved[k][j] : Float64Array.from(p.dataSync())))) });
  const x = matrix(10, D);
  const want = plain.logProb(x).dataSync();
  for (const c of [matrix(10, C), matrix(10, C, 5)]) {
    const got = cond.logProb(x, { context: c }).dataSync();
    // the conditional spline runs the composite ops, the unconditional one the kernel: rounding apart
    const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])));
    t.ok(worst < 1e-12, `log p(x | c) = log p(x) of the unconditional flow (max difference ${worst.toExponential(2)})`);
  }
  const hidden = cond.layerParams[0][2].dataSync();
  t.ok(hidden.some((v) => v !== 0), 'the hidden layers are random (only the output layer starts at zero)');
});

t.test('contexts are refused naming the shapes', async (t) => {
  const flow = Flow.fromLayers([TYPES.affine, { type: 'dense' }], { dim: D, context: C, dtype: 'float64' });
  const plain = Flow.fromLayers([{ type: 'affine' }, { type: 'dense' }], { dim: D, dtype: 'float64' });
  const x = matrix(4, D);
  t.throws(() => plain.logProb(x, { context: matrix(4, C) }), /unconditional \(context width 0\) but a context was given/);
  t.throws(() => flow.logProb(x), /conditional \(context width 3\): pass \{ context \} with 4 rows of 3 values/);
  t.throws(() => flow.logProb(x, { context: matrix(4, 2) }), /context has shape \[4, 2\], the flow's context width is 3 \(expected \[4, 3\]\)/);
  t.throws(() => flow.logProb(x, { context: matrix(5, C) }), /context has shape \[5, 3\] but the data has 4 rows \(expected \[4, 3\]\)/);
  t.throws(() => flow.gradient(x, 'relative', { context: [[1, 2]] }), /context has shape \[1, 2\]/);
  t.throws(() => Flow.fromLayers([TYPES.spline], { dim: D }), /stack\[0\] \(spline\) has a context conditioner but the flow has no context width/);
  t.throws(() => Flow.fromLayers([{ type: 'spline' }], { dim: D, context: 2 }), /context is 2 but no layer of the stack reads it/);
  t.throws(() => Flow.fromLayers([{ type: 'dense', bias: false, context: net }], { dim: D, context: 2 }), /needs its bias/);
  t.throws(() => Flow.fromLayers([{ type: 'affine', context: { hidden: [4], width: 3 } as never }], { dim: D, context: 2 }), /context has no setting 'width'/);
  // sampling: one context row for every sample, or one per sample
  const one = flow.sample(5, { seed: 1, context: [0.1, 0.2, 0.3] }).x.dataSync();
  const each = flow.sample(5, { seed: 1, context: Array.from({ length: 5 }, () => [0.1, 0.2, 0.3]) }).x.dataSync();
  t.same(Array.from(one), Array.from(each), 'one row = the same row repeated');
  t.throws(() => flow.sample(5, { context: [[1, 2, 3], [4, 5, 6]] }), /context has shape \[2, 3\] but the data has 5 rows \(expected \[5, 3\] or one row \[1, 3\] for every sample\)/);
});
