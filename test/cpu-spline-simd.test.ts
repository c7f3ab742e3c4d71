// The spline passes on the threads' WebAssembly SIMD kernels (backends/cpu/wasm/spline-kernels.ts,
// run by threads/index.ts: knots transposed, vectors of units split between the threads, units the vectors
// leave in JavaScript). Checked against (1) the float64 reference of test/helpers (the spline
// from its definition, gradients by central differences) on a small case, and (2) the scalar
// JavaScript loops of backends/cpu/spline.ts (themselves held to that reference by the
// conformance suite) on cases large enough to be split between the threads, with dims that leave
// a tail after the vectors, bins 2, 8 and 17, values inside and outside the interval.

import t, { type Test } from 'tap';
import { createThreadedRuntime, MIN_ELEMENTWISE } from '../backends/cpu/threads/index.js';
import { FMA_TILES, PLAIN_TILES } from '../backends/cpu/wasm/kernel.js';
import { relaxedSimdSupported } from '../backends/cpu/wasm/emit.js';
import { spline } from '../backends/cpu/spline.js';
import type { SplinePass } from '../engine/backend.js';
import type { TypedArray } from '../engine/dtype.js';
import { Rng } from '../engine/random.js';
import { randomSplineCase, splinePassesRef } from './helpers/spline-reference.js';

const threaded = createThreadedRuntime({ threads: 2 });
t.ok(threaded !== undefined, 'the threaded tier runs here (≥ 2 cores, WebAssembly SIMD)');

const PASSES = ['value', 'log-derivative', 'knot-gradient', 'backward'] as const;

if (threaded) {
  t.teardown(() => threaded.close());
  const inArena = (T: Float32ArrayConstructor | Float64ArrayConstructor, values: ArrayLike<number>): TypedArray => {
    const a = threaded.alloc(T === Float64Array ? 'float64' : 'float32', values.length);
    if (a === undefined) throw new Error('arena full');
    a.set(values as ArrayLike<number>);
    return a;
  };
  /** The pass through the SIMD runner (fails the test when the runner declines). */
  const simd = (t: Test, pass: SplinePass, x: TypedArray, knots: { xs: TypedArray; ys: TypedArray; ds: TypedArray }, back: TypedArray, p: { rows: number; dim: number; bins: number; bound: number }): TypedArray => {
    const n = p.rows * p.dim;
    const S = p.dim * (p.bins + 1);
    const T = x instanceof Float64Array ? Float64Array : Float32Array;
    const out = inArena(T, new Float64Array(pass === 'knot-gradient' ? 3 * S : pass === 'backward' ? n + 3 * S : n).fill(NaN));
    t.ok(threaded.spline(pass, x, knots, back, out, p), `${pass}: the SIMD runner takes the pass`);
    return out;
  };
  const split = (knots: Float64Array, S: number): Float64Array[] => [0, 1, 2].map((w) => knots.subarray(w * S, (w + 1) * S));

  for (const T of [Float64Array, Float32Array]) {
    t.test(`${T.name}: small case against the float64 reference`, async (t) => {
      const rng = new Rng(3);
      const c = randomSplineCase(9, 10, 5, 2.5, () => rng.uniform());
      const S = c.dim * (c.bins + 1);
      const [xs, ys, ds] = split(c.knots, S).map((k) => inArena(T, k));
      const stored = Float64Array.from([...xs, ...ys, ...ds]);
      const x = inArena(T, Array.from({ length: c.rows * c.dim }, () => (rng.uniform() * 2 - 1) * 1.25 * c.bound));
      const back = inArena(T, Array.from({ length: c.rows * c.dim }, () => rng.normal()));
      const want = splinePassesRef(c, stored, x, back);
      const p = { rows: c.rows, dim: c.dim, bins: c.bins, bound: c.bound };
      const exact = T === Float64Array ? 1e-10 : 1e-4;
      const loose = T === Float64Array ? 1e-6 : 5e-3;
      const worst = (got: ArrayLike<number>, ref: ArrayLike<number>, from = 0): number => {
        let w = 0;
        for (let i = 0; i < ref.length; i++) w = Math.max(w, Math.abs(got[from + i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
        return w;
      };
      const kn = { xs, ys, ds };
      t.ok(worst(simd(t, 'value', x, kn, back, p), want.value) <= exact, 'value');
      t.ok(worst(simd(t, 'log-derivative', x, kn, back, p), want['log-derivative']) <= exact, 'log-derivative');
      t.ok(worst(simd(t, 'knot-gradient', x, kn, back, p), want['knot-gradient']) <= loose, 'knot gradient');
      const both = simd(t, 'backward', x, kn, back, p);
      t.ok(worst(both, want['input-gradient']) <= loose, 'backward: input gradient');
      t.ok(worst(both, want['knot-gradient'], c.rows * c.dim) <= loose, 'backward: knot gradient');
      // a wrong bin would be far off: the reference at a shifted bin differs by O(1) here
      t.ok(worst(simd(t, 'value', x, kn, back, p), want.value) < worst(x, want.value), 'the spline is not the identity on these knots');
    });

    for (const [rows, dim, bins] of [[100, 787, 8], [64, 517, 17], [3000, 13, 2]] as const) {
      t.test(`${T.name}: ${rows}×${dim}, ${bins} bins (split between threads: ${rows * dim >= MIN_ELEMENTWISE}) against the JavaScript loops`, async (t) => {
        const rng = new Rng(rows + dim);
        const bound = 3;
        const c = randomSplineCase(rows, dim, bins, bound, () => rng.uniform());
        const S = dim * (bins + 1);
        const [xs, ys, ds] = split(c.knots, S).map((k) => inArena(T, k));
        const x = inArena(T, Array.from({ length: rows * dim }, () => (rng.uniform() * 2 - 1) * 1.2 * bound));
        const back = inArena(T, Array.from({ length: rows * dim }, () => rng.normal()));
        const host = (a: TypedArray): TypedArray => T.from(a);
        const p = { rows, dim, bins, bound };
        for (const pass of PASSES) {
          const got = simd(t, pass, x, { xs, ys, ds }, back, p);
          const want = spline(pass, host(x), { xs: host(xs), ys: host(ys), ds: host(ds) }, host(back), p);
          // element passes: per element; knot sums over `rows` terms accumulate in float32 on one side
          const tol = T === Float64Array ? 1e-9 : pass === 'value' || pass === 'log-derivative' ? 2e-5 : 2e-4;
          let worst = 0;
          let scale = 0;
          for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
          for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
          t.ok(worst <= tol * Math.max(1, scale), `${pass}: worst |Δ| ${worst.toExponential(2)} (scale ${scale.toFixed(1)})`);
        }
      });
    }
  }

  t.test('declines what it does not run: the inverse, arrays outside the arena, fewer units than lanes', async (t) => {
    const c = randomSplineCase(4, 8, 4, 2, () => 0.5);
    const S = 8 * 5;
    const knots = split(c.knots, S).map((k) => inArena(Float64Array, k));
    const kn = { xs: knots[0], ys: knots[1], ds: knots[2] };
    const p = { rows: 4, dim: 8, bins: 4, bound: 2 };
    const x = inArena(Float64Array, new Float64Array(32));
    const out = inArena(Float64Array, new Float64Array(32));
    t.notOk(threaded.spline('inverse', x, kn, null, out, p), 'inverse');
    t.notOk(threaded.spline('value', new Float64Array(32), kn, null, out, p), 'x outside the arena');
    const one = inArena(Float64Array, new Float64Array(4));
    t.notOk(threaded.spline('value', one, kn, null, inArena(Float64Array, new Float64Array(4)), { rows: 4, dim: 1, bins: 4, bound: 2 }), 'dim 1 < 2 lanes');
  });
}

t.test('the bins picked by relaxed lane selects (FMA tiles) and by bitselect (plain SIMD tiles) give the same bits', async (t) => {
  if (!relaxedSimdSupported()) {
    t.comment('no relaxed SIMD here: only the bitselect kernels exist');
    return;
  }
  const plain = createThreadedRuntime({ threads: 2, tiles: PLAIN_TILES });
  const relaxed = createThreadedRuntime({ threads: 2, tiles: FMA_TILES });
  if (!plain || !relaxed) throw new Error('the threaded tier runs here');
  t.teardown(async () => {
    await plain.close();
    await relaxed.close();
  });
  const rng = new Rng(11);
  const rows = 60;
  const dim = 517;
  const bins = 8;
  const bound = 3;
  const c = randomSplineCase(rows, dim, bins, bound, () => rng.uniform());
  const S = dim * (bins + 1);
  const x0 = Array.from({ length: rows * dim }, () => (rng.uniform() * 2 - 1) * 1.2 * bound);
  const back0 = Array.from({ length: rows * dim }, () => rng.normal());
  for (const dtype of ['float32', 'float64'] as const) {
    const outputs = [plain, relaxed].map((rt) => {
      const place = (values: ArrayLike<number>): TypedArray => {
        const a = rt.alloc(dtype, values.length);
        if (a === undefined) throw new Error('arena full');
        a.set(values as ArrayLike<number>);
        return a;
      };
      const [xs, ys, ds] = [0, 1, 2].map((w) => place(c.knots.subarray(w * S, (w + 1) * S)));
      const x = place(x0);
      const back = place(back0);
      return PASSES.map((pass) => {
        const out = place(new Float64Array(pass === 'knot-gradient' ? 3 * S : pass === 'backward' ? rows * dim + 3 * S : rows * dim));
        t.ok(rt.spline(pass, x, { xs, ys, ds }, back, out, { rows, dim, bins, bound }), `${dtype} ${pass}: runs`);
        return out;
      });
    });
    PASSES.forEach((pass, i) => t.ok(outputs[0][i].every((v, q) => Object.is(v, outputs[1][i][q])), `${dtype} ${pass}: the same bits`));
  }
});
