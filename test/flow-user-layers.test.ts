// User-defined layers (defineLayer) and the built-in 'leaky' type written the same way: log|det|
// against a finite-difference Jacobian, every parameter's gradient against central differences of
// the loss (float64), the three gradient methods against each other (relative = ordinary·ŴᵀŴ for
// dense layers), inverse round trips, save/load/export round trips, refusals that name the problem,
// and memory() unchanged by parameter uploads and the data-dependent start.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { add, sub, mul, exp, log, sqrt, square, abs, sign, neg, sum, logcosh, memory, Rng, fromHost, type Tensor } from '../index.js';
import { Flow, defineLayer, leakyLayer, initializeFromData, encodeFlow, decodeFlow, toySplits, type LayerDefinition } from '../flow/index.js';
import { numericLogProb, worstParameterGradientError } from './helpers/flow-numeric.js';

const asinh = (x: Tensor): Tensor => mul(sign(x), log(add(abs(x), sqrt(add(square(x), 1)))));
const sinh = (x: Tensor): Tensor => mul(sub(exp(x), exp(neg(x))), 0.5);
const sinhArcsinh = defineLayer({
  type: 'sinh-arcsinh',
  parameters: (_spec, dim) => ({ logTail: [dim], skew: [dim] }),
  init: (_spec, dim) => ({ logTail: new Float64Array(dim), skew: new Float64Array(dim) }),
  forward(x, { logTail, skew }) {
    const u = sub(mul(asinh(x), exp(logTail)), skew);
    return { y: sinh(u), logDet: sum(sub(add(logcosh(u), logTail), mul(log(add(square(x), 1)), 0.5)), 1) };
  },
  inverse: (y, { logTail, skew }) => sinh(mul(add(asinh(y), skew), exp(neg(logTail)))),
});

const D = 3;
const rng = new Rng(7);
const gauss = (n: number, scale = 1): Float64Array => Float64Array.from({ length: n }, () => scale * rng.normal());
const batch = (n: number): Tensor => fromHost(gauss(n * D), [n, D]);

/** A flow affine → L → dense → L with every parameter moved off its start (seeded). */
function flowWith(layer: LayerDefinition): Flow {
  const flow = Flow.fromLayers([{ type: 'affine' }, { type: layer }, { type: 'dense' }, { type: layer }], { dim: D, seed: 3, dtype: 'float64' });
  flow.setParams({ layers: flow.layerParams.map((list, k) => list.map((p) => {
    const v = Float64Array.from(p.dataSync());
    const isW = flow.stack[k].type === 'dense' && p.rank === 2;
    for (let i = 0; i < v.length; i++) v[i] += isW ? 0.3 * rng.normal() : 0.4 * rng.normal();
    return v;
  })) });
  return flow;
}

for (const [label, layer] of [['user-defined sinh-arcsinh', sinhArcsinh], ['built-in leaky', leakyLayer]] as const) {
  t.test(`${label}: log p against the change of variables with a finite-difference Jacobian`, async (t) => {
    const flow = flowWith(layer);
    const x = batch(6);
    const logp = flow.logProb(x).dataSync();
    const rows = x.dataSync();
    for (let n = 0; n < 6; n++) {
      const ref = numericLogProb(flow, rows.subarray(n * D, (n + 1) * D));
      t.ok(Math.abs(logp[n] - ref) < 1e-6 * (1 + Math.abs(ref)), `row ${n}: ${logp[n]} vs ${ref}`);
    }
  });

  t.test(`${label}: every parameter's gradient against central differences of the loss (float64)`, async (t) => {
    const flow = flowWith(layer);
    const x = batch(20);
    const { layers: ordinary } = flow.gradient(x, 'ordinary');
    const base = flow.layerParams.map((list) => list.map((p) => Float64Array.from(p.dataSync())));
    const { worst } = worstParameterGradientError(flow, ordinary, () => flow.loss(x).item());
    t.ok(worst < 1e-6, `worst relative error ${worst.toExponential(2)} over every parameter of every layer`);
    // the user layer's gradients are the same under every method; autodiff = ordinary everywhere
    const auto = flow.gradient(x, 'autodiff').layers;
    const relative = flow.gradient(x, 'relative').layers;
    let autoErr = 0;
    let relErr = 0;
    ordinary.forEach((list, k) => list.forEach((g, j) => {
      const a = g.dataSync();
      const b = auto[k][j].dataSync();
      for (let i = 0; i < a.length; i++) autoErr = Math.max(autoErr, Math.abs(a[i] - b[i]));
      if (flow.stack[k].type !== 'dense') {
        const r = relative[k][j].dataSync();
        for (let i = 0; i < a.length; i++) relErr = Math.max(relErr, Math.abs(a[i] - r[i]));
      }
    }));
    t.ok(autoErr < 1e-9, `autodiff = ordinary (max difference ${autoErr.toExponential(2)})`);
    t.ok(relErr === 0, `relative = ordinary for the non-dense layers (max difference ${relErr})`);
    // dense: [dW_rel, db_rel] = [dW, db]·ŴᵀŴ with Ŵ = [[W, b], [0, 1]], by naive loops
    const [W, b] = base[2];
    const [dW, db] = ordinary[2].map((g) => g.dataSync());
    const hat = (r: number, c: number): number => (r < D ? (c < D ? W[r * D + c] : b[r]) : c < D ? 0 : 1);
    const grad = (r: number, c: number): number => (c < D ? dW[r * D + c] : db[r]);
    const [rW, rb] = relative[2].map((g) => g.dataSync());
    let denseErr = 0;
    for (let r = 0; r < D; r++) {
      for (let c = 0; c <= D; c++) {
        let v = 0;
        for (let m = 0; m <= D; m++) for (let q = 0; q <= D; q++) v += grad(r, m) * hat(q, m) * hat(q, c);
        denseErr = Math.max(denseErr, Math.abs(v - (c < D ? rW[r * D + c] : rb[r])));
      }
    }
    t.ok(denseErr < 1e-10, `relative dense direction = ordinary·ŴᵀŴ (max difference ${denseErr.toExponential(2)})`);
  });

  t.test(`${label}: inverse, sampling, save/load and export round trips`, async (t) => {
    const flow = flowWith(layer);
    const x = batch(50);
    const { x: back, maxResidual } = flow.inverse(flow.forward(x));
    const a = x.dataSync();
    const b = back.dataSync();
    t.ok(a.every((v, i) => Math.abs(v - b[i]) < 1e-9 * (1 + Math.abs(v))), 'f⁻¹(f(x)) = x');
    t.equal(maxResidual, 0, 'closed-form inverses report no residual');
    t.same(flow.sample(10, { seed: 4 }).x.shape, [10, D]);
    t.match(String(flow), layer === leakyLayer ? /affine → leaky\(slope 0\.5\) → dense → leaky\(slope 0\.5\)/ : /affine → sinh-arcsinh → dense → sinh-arcsinh/);
    const dir = mkdtempSync(join(tmpdir(), 'relgrad-user-layer-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'flow.json');
    await flow.save(path);
    const expected = Array.from(flow.logProb(x).dataSync());
    if (layer === sinhArcsinh) {
      await t.rejects(Flow.load(path), /unknown layer type "sinh-arcsinh".*pass its definition/);
      const other = defineLayer({ ...{ type: 'sinh-arcsinh' }, parameters: () => ({}), init: () => ({}), forward: (x) => ({ y: x, logDet: sum(mul(x, 0)) }), inverse: (y) => y });
      await t.rejects(Flow.load(path, { layers: [other] }), /unknown parameter 'logTail'|takes 0 parameters|needs/, 'a different definition under the same name is caught by its parameters');
    }
    const loaded = await Flow.load(path, { layers: layer === sinhArcsinh ? [sinhArcsinh] : [] });
    t.same(Array.from(loaded.logProb(x).dataSync()), expected, 'the loaded flow gives the same log-likelihoods, bit for bit');
    const ck = { config: flow.config, params: flow.paramsToHost() };
    const bytes = encodeFlow(ck, 'npz', flow.userLayerTypes);
    const arrays = decodeFlow(bytes, 'flow.npz', flow.userLayerTypes);
    t.same(arrays.layers[1].map((v) => Array.from(v)), ck.params.layers[1].map((v) => Array.from(v)), 'export round trip of the layer’s parameters');
  });
}

t.test('a user layer trains in a stack and beats the Gaussian start (moons)', async (t) => {
  const { train, evaluate, fitGaussianFlow } = await import('../flow/index.js');
  const moons = toySplits('moons', { seed: 0, train: 1000, validation: 200, test: 300 });
  const flow = Flow.fromLayers([{ type: 'affine' }, { type: sinhArcsinh }, { type: 'dense' }, { type: 'spline' }, { type: 'dense' }, { type: sinhArcsinh }], { dim: 2, seed: 0 });
  const r = await train(flow, moons, { epochs: 15, lr: 1e-2 });
  t.equal(r.status, 'completed');
  const gain = evaluate(flow, moons.test).mean - evaluate(fitGaussianFlow(moons.train), moons.test).mean;
  t.ok(gain > 0.2, `test log-likelihood ${gain.toFixed(3)} nats above the Gaussian`);
});

t.test('defineLayer and stacks refuse bad definitions and options, naming them', async (t) => {
  const ok = { parameters: () => ({ a: [2] }), init: () => ({ a: [0, 0] }), forward: (x: Tensor) => ({ y: x, logDet: sum(mul(x, 0), 1) }), inverse: (y: Tensor) => y };
  t.throws(() => defineLayer({ type: 'dense', ...ok }), /'dense' is a built-in layer type/);
  t.throws(() => defineLayer({ type: 'x', ...ok, forward: undefined as never }), /defineLayer 'x': forward must be a function/);
  t.throws(() => defineLayer({ type: '1bad', ...ok }), /type must be a name/);
  const withOptions = defineLayer({ type: 'opt', options: { width: 3 }, check: (s) => { if (s.width < 1) throw new Error(`width must be ≥ 1, got ${s.width}`); }, ...ok, parameters: (_s, dim) => ({ a: [dim] }) });
  t.throws(() => Flow.fromLayers([{ type: withOptions, widht: 3 }], { dim: 2 }), /stack\[0\]: a opt layer has no setting 'widht' \(it takes width\)/);
  t.throws(() => Flow.fromLayers([{ type: withOptions, width: 'wide' }], { dim: 2 }), /option 'width' of a opt layer must be a number like its default 3, got "wide"/);
  t.throws(() => Flow.fromLayers([{ type: withOptions, width: 0 }], { dim: 2 }), /stack\[0\]: opt layer: width must be ≥ 1, got 0/);
  const badInit = defineLayer({ type: 'bad-init', ...ok, init: () => ({ a: [1, 2, 3] }) });
  t.throws(() => Flow.fromLayers([{ type: badInit }], { dim: 2 }), /bad-init layer: init\(\) gave 3 values for 'a', its shape \[2\] holds 2/);
  const badShape = defineLayer({ type: 'bad-shape', ...ok, forward: (x: Tensor) => ({ y: sum(x, 1), logDet: sum(x, 1) }) });
  const f = Flow.fromLayers([{ type: badShape }], { dim: 2 });
  t.throws(() => f.logProb([[0.1, 0.2]]), /bad-shape layer: forward\(\) returned y of shape \[1\] for x of shape \[1, ?2\]/);
  const twin = defineLayer({ type: 'opt', ...ok });
  t.throws(() => Flow.fromLayers([{ type: withOptions }, { type: twin }], { dim: 2 }), /two different layer types are named 'opt'/);
});

t.test('typos in Flow options are refused with the closest key; plain rows are a batch', async (t) => {
  t.throws(() => Flow.create({ dim: 2, layres: 5 } as never), /flow config: unknown option 'layres' \(did you mean 'layers'\?\)/);
  t.throws(() => Flow.create({ dim: 2 }, { backnd: 'cpu' } as never), /Flow\.create options: unknown option 'backnd' \(did you mean 'backend'\?\)/);
  const flow = Flow.create({ dim: 2, seed: 1 });
  const fromRows = Array.from(flow.logProb([[0.1, 0.2], [-1, 3]]).dataSync());
  const fromMatrix = Array.from(flow.logProb({ data: Float64Array.from([0.1, 0.2, -1, 3]), rows: 2, cols: 2 }).dataSync());
  t.same(fromRows, fromMatrix, 'nested arrays give the same log-likelihoods as a host matrix');
  t.throws(() => flow.logProb(null as never), /logProb: expected a batch .* got null/);
  t.throws(() => flow.logProb([[0.1, 0.2], [0.3]]), /logProb: row 1 has 1 values, row 0 has 2/);
  t.throws(() => flow.logProb([[0.1, 'a']] as never), /logProb: the value at row 0, column 1 is "a", not a number/);
});

t.test('uploading parameters and the data-dependent start leave no tensor behind', async (t) => {
  const moons = toySplits('moons', { seed: 0, train: 500, validation: 100, test: 100 });
  const flow = Flow.fromLayers([{ type: 'affine' }, { type: 'spline' }, { type: 'dense' }, { type: 'spline' }, { type: 'dense' }, { type: 'leaky' }], { dim: 2, seed: 0 });
  const host = flow.paramsToHost();
  const before = memory().tensors;
  flow.paramsFromHost(host);
  t.equal(memory().tensors - before, 0, 'paramsFromHost');
  initializeFromData(flow, moons.train);
  t.equal(memory().tensors - before, 0, 'initializeFromData');
  flow.setParams({ layers: flow.paramsToHost().layers });
  t.equal(memory().tensors - before, 0, 'setParams');
  const { train } = await import('../flow/index.js');
  await train(flow, moons, { epochs: 2 });
  t.equal(memory().tensors - before, 0, 'train() (data-dependent start, two epochs, best parameters restored)');
  const dir = mkdtempSync(join(tmpdir(), 'relgrad-memory-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await flow.save(join(dir, 'flow.json'));
  const loaded = await Flow.load(join(dir, 'flow.json'));
  loaded.dispose();
  t.equal(memory().tensors - before, 0, 'Flow.load, then dispose (parameters and the layers\' constants)');
});
