// The layer contract (zuko/nflows style) for every layer type inside a stack, for every base
// density: inverse round trip, log p against a finite-difference Jacobian determinant, every
// parameter's hand-written gradient against central finite differences of the loss (float64),
// autodiff = ordinary, and for every dense layer of a deep stack the relative gradient equals the
// ordinary one times ŴᵀŴ (Ŵ = [[W, b], [0, 1]]) without its last row.
import t from 'tap';
import { numericLogProb } from './helpers/flow-numeric.js';
import { Flow, BASES, deepStack, type LayerSpec } from '../flow/index.js';
import { randn, fromHost, tidy } from '../index.js';

const dim = 3;

/** Parameters moved away from their (often identity) initial values so every term matters. */
function perturb(flow: Flow, scale = 0.3): void {
  const layers = flow.layerParams.map((list, k) =>
    list.map((p, j) => {
      const h = Float64Array.from(p.dataSync());
      for (let i = 0; i < h.length; i++) h[i] += scale * Math.sin(1.3 + 2.1 * i + 3.7 * k + 5.3 * j);
      return fromHost(h, p.shape);
    }),
  );
  flow.setParams({ layers });
}

const loss = (flow: Flow, x: ReturnType<typeof randn>): number => tidy(() => flow.loss(x).item());

const STACKS: Record<string, LayerSpec[]> = {
  affine: [{ type: 'dense' }, { type: 'affine' }, { type: 'dense' }],
  spline: [{ type: 'dense' }, { type: 'spline', bins: 5, bound: 2.5 }, { type: 'dense' }],
  'smooth-leaky-relu': [{ type: 'dense' }, { type: 'activation', name: 'smooth-leaky-relu', alpha: 0.4 }, { type: 'dense' }],
  'leaky-tanh': [{ type: 'dense' }, { type: 'activation', name: 'leaky-tanh' }, { type: 'dense', bias: false }],
};

for (const [name, stack] of Object.entries(STACKS)) {
  for (const base of BASES) {
    t.test(`${name} × ${base}`, async (t) => {
      const flow = Flow.fromLayers(stack, { dim, base, seed: 2, dtype: 'float64' });
      perturb(flow);
      const x = tidy(() => randn([6, dim], { seed: 5 }).mul(1.2));
      const a = x.dataSync();

      const { x: back, maxResidual } = flow.inverse(flow.forward(x));
      let err = 0;
      back.dataSync().forEach((v, i) => (err = Math.max(err, Math.abs(v - a[i]))));
      t.ok(err < 1e-9, `f⁻¹(f(x)) = x (max error ${err.toExponential(2)})`);
      t.ok(maxResidual < 1e-10, `inverse residual ${maxResidual.toExponential(2)}`);

      const lp = flow.logProb(x).dataSync();
      for (let n = 0; n < 6; n++) {
        const want = numericLogProb(flow, a.subarray(n * dim, (n + 1) * dim));
        t.ok(Math.abs(lp[n] - want) < 1e-6, `sample ${n}: log p = log p_s(f(x)) + log|det J| by differences`);
      }

      // hand-written (ordinary) gradients against central differences of the loss, every entry
      const ordinary = flow.gradient(x, 'ordinary').layers;
      const autodiff = flow.gradient(x, 'autodiff').layers;
      const P = flow.layerParams.map((list) => list.map((p) => Float64Array.from(p.dataSync())));
      const shapes = flow.layerParams.map((list) => list.map((p) => p.shape));
      let worstFd = 0;
      let worstAd = 0;
      P.forEach((list, k) =>
        list.forEach((values, j) => {
          const g = ordinary[k][j].dataSync();
          const ad = autodiff[k][j].dataSync();
          for (let i = 0; i < values.length; i++) {
            const at = (v: number): number => {
              const q = P.map((l) => l.map((p) => Float64Array.from(p)));
              q[k][j][i] = v;
              flow.setParams({ layers: q.map((l, kk) => l.map((p, jj) => fromHost(p, shapes[kk][jj]))) });
              return loss(flow, x);
            };
            const fd = (at(values[i] + 1e-6) - at(values[i] - 1e-6)) / 2e-6;
            worstFd = Math.max(worstFd, Math.abs(fd - g[i]) / Math.max(1, Math.abs(fd)));
            worstAd = Math.max(worstAd, Math.abs(ad[i] - g[i]) / Math.max(1, Math.abs(g[i])));
          }
        }),
      );
      flow.setParams({ layers: P.map((l, k) => l.map((p, j) => fromHost(p, shapes[k][j]))) });
      t.ok(worstFd < 1e-6, `ordinary = finite differences for every parameter (worst ${worstFd.toExponential(2)})`);
      t.ok(worstAd < 1e-10, `autodiff = ordinary for every parameter (worst ${worstAd.toExponential(2)})`);
    });
  }
}

t.test('a deep stack: relative = ordinary·ŴᵀŴ for every dense layer; the mixed update elsewhere', async (t) => {
  const flow = Flow.fromLayers(deepStack({ depth: 3, bins: 4, bound: 3 }), { dim, seed: 1, dtype: 'float64' });
  perturb(flow, 0.2);
  const x = randn([7, dim], { seed: 3 });
  const rel = flow.gradient(x, 'relative');
  const ord = flow.gradient(x, 'ordinary');
  const P = flow.layerParams;
  let dense = 0;
  flow.stack.forEach((layer, k) => {
    if (layer.type !== 'dense') {
      // every other layer: the same Euclidean gradient under both methods
      rel.layers[k].forEach((g, j) => t.same(Array.from(g.dataSync()), Array.from(ord.layers[k][j].dataSync()), `${layer.type} layer ${k}: ${layer.paramNames[j]} is the Euclidean gradient`));
      return;
    }
    dense++;
    const W = P[k][0].dataSync();
    const b = P[k][1].dataSync();
    const G = ord.layers[k][0].dataSync();
    const g = ord.layers[k][1].dataSync();
    // naive loops: [G g]·ŴᵀŴ = [G WᵀW + g bᵀW,  G Wᵀb + g (bᵀb + 1)]
    const WtW = (i: number, j: number): number => {
      let s = 0;
      for (let r = 0; r < dim; r++) s += W[r * dim + i] * W[r * dim + j];
      return s;
    };
    const Wtb = (i: number): number => {
      let s = 0;
      for (let r = 0; r < dim; r++) s += W[r * dim + i] * b[r];
      return s;
    };
    let btb = 0;
    for (const v of b) btb += v * v;
    const dW = rel.layers[k][0].dataSync();
    const db = rel.layers[k][1].dataSync();
    let worst = 0;
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        let want = g[i] * Wtb(j);
        for (let m = 0; m < dim; m++) want += G[i * dim + m] * WtW(m, j);
        worst = Math.max(worst, Math.abs(want - dW[i * dim + j]));
      }
      let wantB = g[i] * (btb + 1);
      for (let m = 0; m < dim; m++) wantB += G[i * dim + m] * Wtb(m);
      worst = Math.max(worst, Math.abs(wantB - db[i]));
    }
    t.ok(worst < 1e-10, `dense layer ${k}: relative = ordinary·ŴᵀŴ (worst ${worst.toExponential(2)})`);
  });
  t.equal(dense, 3, 'three dense layers checked');
});
