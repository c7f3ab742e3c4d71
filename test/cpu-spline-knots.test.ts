// The CPU's one-pass spline knot kernel (backends/cpu/spline-knots.ts) against independent
// references: the knots by naive float64 loops written here from the definition (docs/layers.md),
// the pull-back against central finite differences of ⟨knots(u), g⟩ in float64, and the spline
// layer's composite engine ops (knotsOf, and the layer's backward on a backend without the kernel).
import t from 'tap';
import { createCpuBackend } from '../backends/cpu/index.js';
import type { Backend } from '../engine/backend.js';
import { fromHost } from '../engine/create.js';
import { splineKnots, splineKnotsBackward } from '../engine/fused.js';
import { Rng } from '../engine/random.js';
import { SplineLayer } from '../flow/layers/spline.js';
import { MIN_BIN, MIN_DERIVATIVE } from '../flow/layers/spline-math.js';
import { knotPullBackByDifferences, naiveKnots } from './helpers/spline-reference.js';

const D = 5;
const K = 6;
const bound = 3;
const rng = new Rng(7);
const randomArray = (n: number, s: number): Float64Array => Float64Array.from({ length: n }, () => s * rng.normal());
const uw = randomArray(D * K, 1.5);
const uh = randomArray(D * K, 1.5);
const ud = randomArray(D * (K - 1), 2);
const options = { bound, minBin: MIN_BIN, minDerivative: MIN_DERIVATIVE };

/** The knots by the definition (test/helpers/spline-reference.ts) for this file's D, K and bound. */
const naive = (w: Float64Array, h: Float64Array, d: Float64Array): Float64Array[] =>
  naiveKnots({ dim: D, K, bound, minBin: MIN_BIN, minDerivative: MIN_DERIVATIVE }, w, h, d);

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
};

const cpu = createCpuBackend();
const up = (a: Float64Array, shape: number[], backend: Backend = cpu, dtype: 'float64' | 'float32' = 'float64') => fromHost(a, shape, { dtype, backend });

t.test('knots: equal to the definition (float64 to 1e-13, float32 to 2e-6)', async (t) => {
  const want = naive(uw, uh, ud);
  for (const dtype of ['float64', 'float32'] as const) {
    const knots = splineKnots(up(uw, [D, K], cpu, dtype), up(uh, [D, K], cpu, dtype), up(ud, [D, K - 1], cpu, dtype), options);
    if (knots === undefined) throw new Error('the CPU backend has the knot kernel');
    const tol = dtype === 'float64' ? 1e-13 : 2e-6 * bound;
    for (const [name, got, ref] of [['xs', knots.xs, want[0]], ['ys', knots.ys, want[1]], ['ds', knots.ds, want[2]]] as const) {
      t.same(got.shape, [D, K + 1], `${dtype} ${name}: [D, K+1]`);
      const err = maxDiff(got.dataSync(), ref);
      t.ok(err < tol, `${dtype} ${name}: max error ${err.toExponential(2)} < ${tol}`);
    }
  }
});

t.test('knots-backward: the pull-back of g equals central finite differences of ⟨knots(u), g⟩', async (t) => {
  const g = randomArray(3 * D * (K + 1), 1);
  const scale = 1 / 7;
  const got = splineKnotsBackward(up(uw, [D, K]), up(uh, [D, K]), up(ud, [D, K - 1]), up(g, [3, D, K + 1]), { ...options, scale });
  if (got === undefined) throw new Error('the CPU backend has the knot kernel');
  const byDifferences = knotPullBackByDifferences({ dim: D, K, bound, minBin: MIN_BIN, minDerivative: MIN_DERIVATIVE }, uw, uh, ud, g, scale);
  byDifferences.forEach((fd, q) => {
    const err = maxDiff(got[q].dataSync(), fd);
    t.ok(err < 1e-7, `${['uw', 'uh', 'ud'][q]}: max |kernel − FD| = ${err.toExponential(2)}`);
  });
});

t.test('the spline layer gives the same step with and without the kernel (the composite as reference)', async (t) => {
  const without: Backend = { ...cpu, kernels: { ...cpu.kernels, splineKnots: undefined } };
  const B = 9;
  const x = randomArray(B * D, 2);
  const gOut = randomArray(B * D, 1);
  const run = (backend: Backend): Float64Array[] => {
    const layer = new SplineLayer({ type: 'spline', bins: K, bound }, { dim: D, dtype: 'float64', backend });
    const params = [up(uw, [D, K], backend), up(uh, [D, K], backend), up(ud, [D, K - 1], backend)];
    const xt = up(x, [B, D], backend);
    const y = layer.map(xt, params);
    const r = layer.backward(xt, y, params, up(gOut, [B, D], backend), true);
    return [y, r.gIn, ...r.grads].map((v) => Float64Array.from(v?.dataSync() ?? []));
  };
  const a = run(cpu);
  const b = run(without);
  ['y', 'gIn', 'uw', 'uh', 'ud'].forEach((name, i) => {
    t.equal(a[i].length, b[i].length, `${name}: same size`);
    const err = maxDiff(a[i], b[i]);
    t.ok(err < 1e-12, `${name}: kernel vs composite ${err.toExponential(2)}`);
  });
  t.ok(a[2].some((v) => Math.abs(v) > 1e-3), 'the width gradient is not trivially zero');
});

t.test('shapes are checked, naming the argument', async (t) => {
  t.throws(() => splineKnots(up(uw, [D, K]), up(uh, [D, K]), up(uw, [D, K]), options), /ud must be \[5, 5\]/);
  t.throws(() => splineKnotsBackward(up(uw, [D, K]), up(uh, [D, K]), up(ud, [D, K - 1]), up(new Float64Array(3), [3]), { ...options, scale: 1 }), /g must hold 3·5·7 values/);
});
