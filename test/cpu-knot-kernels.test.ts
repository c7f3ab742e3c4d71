// The spline knot pass as WebAssembly SIMD kernels (backends/cpu/wasm/knot-kernels.ts, run by the
// threaded runtime's `knots`, split between the threads by units from MIN_KNOT_UNITS on: the
// dim = 784 cases) against independent references: the knots by
// naive float64 loops from the definition (docs/layers.md), the pull-back by central finite
// differences of scale·⟨knots(u), g⟩ in float64; then against the JavaScript pass (bit for bit
// where that pass maps every element by the same SIMD maps), what the runner declines, that the
// default fast CPU backend runs it, and the spline passes' knot layout kernel against the
// JavaScript transposition it replaces.

import t, { type Test } from 'tap';
import { createCpuBackend } from '../backends/cpu/index.js';
import { splineKnots as splineKnotsPass } from '../backends/cpu/spline-knots.js';
import { createThreadedRuntime, MIN_KNOT_UNITS } from '../backends/cpu/threads/index.js';
import type { DType, TypedArray } from '../engine/dtype.js';
import { fromHost } from '../engine/create.js';
import { splineKnots } from '../engine/fused.js';
import { Rng } from '../engine/random.js';
import { knotPullBackByDifferences, naiveKnots } from './helpers/spline-reference.js';

const threaded = createThreadedRuntime({ threads: 2 });
t.ok(threaded !== undefined, 'the threaded tier runs here (≥ 2 cores, WebAssembly SIMD)');

const bound = 3;
const minBin = 1e-3;
const minDerivative = 1e-3;
const rng = new Rng(21);
const normal = (n: number, s: number): Float64Array => Float64Array.from({ length: n }, () => s * rng.normal());

/** The knots by the definition (test/helpers/spline-reference.ts) for this file's interval and floors. */
const naive = (dim: number, K: number, w: ArrayLike<number>, h: ArrayLike<number>, d: ArrayLike<number>): Float64Array[] =>
  naiveKnots({ dim, K, bound, minBin, minDerivative }, w, h, d);

const worstRelative = (got: ArrayLike<number>, want: ArrayLike<number>): number => {
  let largest = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) largest = Math.max(largest, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return got.length === want.length ? worst / Math.max(largest, 1e-300) : Infinity;
};

if (threaded) {
  t.teardown(() => threaded.close());
  const th = threaded;
  const inArena = (dtype: DType, values: ArrayLike<number>): TypedArray => {
    const a = th.alloc(dtype, values.length);
    if (a === undefined) throw new Error('arena full');
    a.set(values as ArrayLike<number>);
    return a;
  };
  const arenaAlloc = (dtype: DType, n: number): TypedArray => inArena(dtype, new Float64Array(n).fill(NaN));
  const hostAlloc = (dtype: DType, n: number): TypedArray => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));

  /** One random case stored in `dtype` in the arena; `values` are the stored numbers in float64. */
  const makeCase = (dim: number, K: number, dtype: DType) => {
    const host = [normal(dim * K, 2), normal(dim * K, 2), normal(dim * (K - 1), 3), normal(3 * dim * (K + 1), 1)];
    const stored = host.map((a) => inArena(dtype, a));
    const values = stored.map((a) => Float64Array.from(a));
    const p = { dim, bins: K, bound, minBin, minDerivative, scale: 1 / 7 };
    return { stored, values, p };
  };
  /** The pass by the kernels (fails the test when the runner declines). */
  const kernelPass = (tt: Test, pass: 'knots' | 'knots-backward', c: ReturnType<typeof makeCase>): TypedArray[] => {
    const dtype: DType = c.stored[0] instanceof Float64Array ? 'float64' : 'float32';
    const { dim, bins: K } = c.p;
    const outs: [TypedArray, TypedArray, TypedArray] = pass === 'knots'
      ? [arenaAlloc(dtype, dim * (K + 1)), arenaAlloc(dtype, dim * (K + 1)), arenaAlloc(dtype, dim * (K + 1))]
      : [arenaAlloc(dtype, dim * K), arenaAlloc(dtype, dim * K), arenaAlloc(dtype, dim * (K - 1))];
    const [uw, uh, ud, g] = c.stored;
    tt.ok(th.knots(pass, uw, uh, ud, pass === 'knots' ? null : g, c.p, outs), `${pass}: the kernel runner takes it`);
    return outs;
  };

  for (const dtype of ['float64', 'float32'] as const) {
    t.test(`${dtype}: the knots equal the definition`, async (t) => {
      for (const [dim, K] of [[5, 6], [97, 8], [1, 3], [4, 1], [784, 8]] as const) {
        const c = makeCase(dim, K, dtype);
        const want = naive(dim, K, c.values[0], c.values[1], c.values[2]);
        const got = kernelPass(t, 'knots', c);
        const tol = dtype === 'float64' ? 1e-14 : 2e-7;
        ['xs', 'ys', 'ds'].forEach((name, q) => {
          const err = worstRelative(got[q], want[q]);
          t.ok(err < tol, `dim ${dim}, K ${K}, ${name}: worst error ${err.toExponential(2)} of the largest entry < ${tol}`);
        });
      }
    });

    t.test(`${dtype}: the pull-back equals central finite differences of scale·⟨knots(u), g⟩`, async (t) => {
      for (const [dim, K] of [[5, 6], [3, 1], [1, 4], [7, 2]] as const) {
        const c = makeCase(dim, K, dtype);
        const [w, h, d, g] = c.values;
        const got = kernelPass(t, 'knots-backward', c);
        const byDifferences = knotPullBackByDifferences({ dim, K, bound, minBin, minDerivative }, w, h, d, g, c.p.scale);
        byDifferences.forEach((fd, q) => {
          const err = fd.length === 0 ? 0 : worstRelative(got[q], fd);
          const tol = dtype === 'float64' ? 1e-7 : 1e-6;
          t.ok(err < tol, `dim ${dim}, K ${K}, ${['uw', 'uh', 'ud'][q]}: worst |kernel − FD| ${err.toExponential(2)} of the largest < ${tol}`);
        });
      }
    });

    t.test(`${dtype}: the JavaScript pass with the SIMD maps, bit for bit (even sizes), and to 1e-15 (odd: a Math.exp tail)`, async (t) => {
      for (const [dim, K] of [[784, 8], [64, 5], [97, 8], [33, 3]] as const) {
        const c = makeCase(dim, K, dtype);
        const even = (dim * K) % 2 === 0 && (dim * (K - 1)) % 2 === 0;
        for (const pass of ['knots', 'knots-backward'] as const) {
          const [uw, uh, ud, g] = c.stored;
          const js = splineKnotsPass(pass, uw, uh, ud, g, c.p, hostAlloc, th.mapF64);
          const got = kernelPass(t, pass, c);
          const same = got.every((a, q) => a.every((v, i) => Object.is(v, js[q][i])));
          const err = Math.max(...got.map((a, q) => worstRelative(a, js[q])));
          if (even) t.ok(same, `dim ${dim}, K ${K}, ${pass}: the same bits`);
          else t.ok(err < 1e-15, `dim ${dim}, K ${K}, ${pass}: worst ${err.toExponential(2)}`);
        }
      }
    });
  }

  t.test('split between the threads, repeated: every call gives the same bits as the JavaScript pass (each thread its own scratch)', async (t) => {
    const dim = 1000;
    const K = 8;
    t.ok(dim >= MIN_KNOT_UNITS && 784 >= MIN_KNOT_UNITS, `dim ${dim} (and 784 above) ≥ ${MIN_KNOT_UNITS}: split between the threads`);
    for (const pass of ['knots', 'knots-backward'] as const) {
      const c = makeCase(dim, K, 'float64');
      const [uw, uh, ud, g] = c.stored;
      const js = splineKnotsPass(pass, uw, uh, ud, g, c.p, hostAlloc, th.mapF64);
      let bad = 0;
      for (let run = 0; run < 200; run++) {
        const got = splineKnotsPass(pass, uw, uh, ud, g, c.p, arenaAlloc, undefined, th.knots);
        if (!got.every((a, q) => a.every((v, i) => Object.is(v, js[q][i])))) bad++;
        got.forEach((a) => th.arena.freeArray(a));
      }
      t.equal(bad, 0, `${pass}: 200 calls, ${bad} differ`);
    }
  });

  t.test('arrays outside the arena go through copies (the same bits); mixed dtypes are declined, writing nothing', async (t) => {
    for (const pass of ['knots', 'knots-backward'] as const) {
      const c = makeCase(7, 4, 'float64');
      const want = kernelPass(t, pass, c);
      const [uw, uh, ud, g] = c.stored;
      const outs: [TypedArray, TypedArray, TypedArray] = want.map((a) => new Float64Array(a.length).fill(NaN)) as [TypedArray, TypedArray, TypedArray];
      t.ok(th.knots(pass, Float64Array.from(uw), uh, Float64Array.from(ud), Float64Array.from(g), c.p, outs), `${pass}: runs with inputs and outputs outside the arena`);
      t.ok(outs.every((o, q) => o.every((v, i) => Object.is(v, want[q][i]))), `${pass}: the same bits as in the arena`);
    }
    const c = makeCase(6, 4, 'float64');
    const [uw, uh, ud] = c.stored;
    const outs: [TypedArray, TypedArray, TypedArray] = [arenaAlloc('float64', 30), arenaAlloc('float64', 30), arenaAlloc('float64', 30)];
    t.notOk(th.knots('knots', uw, uh, inArena('float32', ud), null, c.p, outs), 'ud float32 among float64');
    t.notOk(th.knots('knots', uw, uh, ud, null, c.p, [outs[0], outs[1], new Float32Array(30)]), 'a float32 output');
    t.ok(outs.every((o) => o.every((v) => Number.isNaN(v))), 'the outputs are untouched');
  });

  t.test('the default fast CPU backend runs the kernels: the engine ops give their bits, not the JavaScript pass\'s', async (t) => {
    const cpu = createCpuBackend({ tier: 'auto' });
    const options = { bound, minBin, minDerivative };
    // float64 (float32 storage rounds such last-bit differences away); dim·K odd: the JavaScript
    // pass maps its last logit by Math.exp, which differs from the SIMD exp in some last bit for
    // some cases; take the first such case (a fixed seed)
    for (const dtype of ['float64'] as const) {
      const dim = 51;
      const K = 5;
      let found = false;
      for (let tries = 0; tries < 200 && !found; tries++) {
        const c = makeCase(dim, K, dtype);
        const [uw, uh, ud] = c.stored;
        const js = splineKnotsPass('knots', uw, uh, ud, null, c.p, hostAlloc, th.mapF64);
        const want = kernelPass(t, 'knots', c);
        if (want.every((a, q) => a.every((v, i) => Object.is(v, js[q][i])))) continue;
        found = true;
        const up = (a: Float64Array, shape: number[]) => fromHost(a, shape, { dtype, backend: cpu });
        const [w, h, d] = c.values;
        const knots = splineKnots(up(w, [dim, K]), up(h, [dim, K]), up(d, [dim, K - 1]), options);
        if (knots === undefined) throw new Error('the CPU backend has the knot kernel');
        t.ok([knots.xs, knots.ys, knots.ds].every((k, q) => k.dataSync().every((v, i) => Object.is(v, want[q][i]))), `${dtype} knots: the kernels' bits (try ${tries})`);
      }
      t.ok(found, `${dtype}: a case where the two paths differ in some bit`);
    }
  });

  t.test('the spline passes read knots in the arena (layout kernel) and outside it (JavaScript) alike', async (t) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const rows = 40;
      const dim = 43;
      const K = 5;
      const c = makeCase(dim, K, dtype);
      const kn = kernelPass(t, 'knots', c);
      const inside = { xs: kn[0], ys: kn[1], ds: kn[2] };
      const outside = { xs: kn[0].slice(), ys: kn[1].slice(), ds: kn[2].slice() };
      const x = inArena(dtype, normal(rows * dim, 1.5 * bound / 2));
      const back = inArena(dtype, normal(rows * dim, 1));
      const p = { rows, dim, bins: K, bound };
      for (const pass of ['value', 'backward'] as const) {
        const size = pass === 'value' ? rows * dim : rows * dim + 3 * dim * (K + 1);
        const a = arenaAlloc(dtype, size);
        const b = arenaAlloc(dtype, size);
        t.ok(th.spline(pass, x, inside, back, a, p) && th.spline(pass, x, outside, back, b, p), `${dtype} ${pass}: both run`);
        t.ok(a.every((v, i) => Object.is(v, b[i])), `${dtype} ${pass}: the same bits`);
        if (pass === 'value') t.ok(a.some((v, i) => Math.abs(v - x[i]) > 1e-3), `${dtype}: the spline is not the identity on these knots`);
      }
    }
  });
}
