// docs/method.md identities on small random flows, float64: relative == (G WᵀW + g bᵀW, G Wᵀb + g(1+bᵀb)),
// ordinary == autodiff, and both equal central finite differences of the loss.
import t from 'tap';
import { denseViews } from '../flow/layers/specs.js';
import { Flow, type GradientMethod } from '../flow/index.js';
import { fromHost, tensor, matmul, add, mul, sum, randn, type Tensor } from '../index.js';
import type { ActivationName } from '../flow/activations.js';
import type { BaseName } from '../flow/bases.js';
import { Rng } from '../engine/random.js';

function randomFlow(dim: number, layers: number, activation: ActivationName, base: BaseName, seed: number): Flow {
  const flow = Flow.create({ dim, layers, activation, base, seed });
  const rng = new Rng(seed + 99);
  const W = Array.from({ length: layers }, () => {
    const w = new Float64Array(dim * dim);
    for (let i = 0; i < w.length; i++) w[i] = rng.normal() * 0.4 + (i % (dim + 1) === 0 ? 1 : 0);
    return fromHost(w, [dim, dim]);
  });
  const b = Array.from({ length: layers }, () => {
    const v = new Float64Array(dim);
    for (let i = 0; i < dim; i++) v[i] = rng.normal() * 0.5;
    return fromHost(v, [dim]);
  });
  flow.setParams({ W, b });
  return flow;
}

function maxRel(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let scale = 0;
  let err = 0;
  for (let i = 0; i < x.length; i++) {
    scale = Math.max(scale, Math.abs(y[i]));
    err = Math.max(err, Math.abs(x[i] - y[i]));
  }
  return err / Math.max(scale, 1e-300);
}

const cases: [ActivationName, BaseName, number][] = [
  ['smooth-leaky-relu', 'normal', 2],
  ['leaky-tanh', 'hypsecant', 2],
  ['smooth-leaky-relu', 'logistic', 3],
  ['leaky-tanh', 'laplace', 1],
];

for (const [activation, base, layers] of cases) {
  t.test(`${activation} / ${base} / L=${layers}`, async (t) => {
    const dim = 4;
    const flow = randomFlow(dim, layers, activation, base, 7);
    const x = randn([6, dim], { seed: 3 });
    const ord = flow.gradient(x, 'ordinary');
    const rel = flow.gradient(x, 'relative');
    const auto = flow.gradient(x, 'autodiff');
    const { W, b } = flow.params;
    for (let l = 0; l < layers; l++) {
      const G = ord.dW[l];
      const g = ord.db[l];
      // dW = G WᵀW + g bᵀW ; db = G Wᵀb + g (1 + bᵀb)
      const WtW = matmul(W[l], W[l], { transA: true });
      const bT = b[l].reshape([1, dim]);
      const gcol = g.reshape([dim, 1]);
      const slowW = add(matmul(G, WtW), matmul(gcol, matmul(bT, W[l])));
      const Wtb = matmul(W[l], b[l].reshape([dim, 1]), { transA: true });
      const btb = sum(mul(b[l], b[l])).item();
      const slowB = add(matmul(G, Wtb).reshape([dim]), mul(g, 1 + btb));
      t.ok(maxRel(rel.dW[l], slowW) < 1e-9, `layer ${l}: relative dW == G WᵀW + g bᵀW (${maxRel(rel.dW[l], slowW)})`);
      t.ok(maxRel(rel.db[l], slowB) < 1e-9, `layer ${l}: relative db == G Wᵀb + g(1+bᵀb) (${maxRel(rel.db[l], slowB)})`);
      t.ok(maxRel(auto.dW[l], G) < 1e-8, `layer ${l}: autodiff dW == ordinary (${maxRel(auto.dW[l], G)})`);
      t.ok(maxRel(auto.db[l], g) < 1e-8, `layer ${l}: autodiff db == ordinary (${maxRel(auto.db[l], g)})`);
    }
    // central finite differences of the loss w.r.t. every parameter entry
    const base0 = denseViews(flow.stack, flow.paramsToHost().layers);
    const lossAt = (p: { W: Float64Array[]; b: Float64Array[] }): number => {
      flow.paramsFromHost(p);
      return flow.loss(x).item();
    };
    const h = 1e-6;
    let worst = 0;
    for (const [kind, list, grads] of [['W', base0.W, ord.dW], ['b', base0.b, ord.db]] as const) {
      list.forEach((arr, l) => {
        const analytic = grads[l].dataSync();
        for (let i = 0; i < arr.length; i++) {
          const plus = { W: base0.W.map((a) => a.slice()), b: base0.b.map((a) => a.slice()) };
          const minus = { W: base0.W.map((a) => a.slice()), b: base0.b.map((a) => a.slice()) };
          (kind === 'W' ? plus.W : plus.b)[l][i] += h;
          (kind === 'W' ? minus.W : minus.b)[l][i] -= h;
          const fd = (lossAt(plus) - lossAt(minus)) / (2 * h);
          worst = Math.max(worst, Math.abs(fd - analytic[i]) / Math.max(1, Math.abs(fd)));
        }
      });
    }
    flow.paramsFromHost(base0);
    t.ok(worst < 1e-6, `ordinary == central finite differences of ℓ (worst ${worst.toExponential(2)})`);
  });
}

t.test('unknown method and bad batch shapes are refused', async (t) => {
  const flow = Flow.create({ dim: 3 });
  t.throws(() => flow.gradient(randn([4, 3]), 'natural' as GradientMethod), /unknown method 'natural'/);
  t.throws(() => flow.gradient(randn([4, 2])), /expected a batch of shape \[B, 3\], got \[4,2\]/);
  t.throws(() => flow.logProb({ data: new Float64Array([1, NaN, 3]), rows: 1, cols: 3 }), /row 0, column 1 is not finite/);
  t.throws(() => flow.setParams({ W: [tensor([[1, 2, 3], [2, 4, 6], [0, 0, 1]]), tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]])], b: [[0, 0, 0], [0, 0, 0]] }), /W\[0\] is singular/);
});
