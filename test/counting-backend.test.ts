// The counting backend of bench/lib/counting-backend.ts (used by the benchmarks' memory columns
// and by engine-memory.test.ts): every kernel of the KernelTable is counted with each storage it
// returns (allocations, bytes, live handles, live bytes and their peak), frees release them, a
// second free is reported, and frees reach the wrapped backend only when asked.

import t from 'tap';
import { createCpuBackend } from '../backends/cpu/index.js';
import { countingBackend } from '../bench/lib/counting-backend.js';
import type { Backend, KernelTable } from '../engine/backend.js';
import type { TypedArray } from '../engine/dtype.js';

const bytesOf = (s: TypedArray): number => s.byteLength;

/** One call of each kernel on small float64 inputs (uploaded first), returning the storages it produced. */
function calls(b: Backend<TypedArray>): { [K in keyof KernelTable<TypedArray>]-?: (k: KernelTable<TypedArray>) => TypedArray[] } {
  const up = (v: number[]): TypedArray => b.upload(new Float64Array(v), 'float64');
  const x = up([0.5, -1, 2, 0.25]); // also a 2×2 matrix
  const y = up([1, 2, -0.5, 3]);
  const adamHyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 0.1, c2: 0.001 };
  const mm = { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false };
  const sq = { batch: 1, n: 2 };
  // every input is uploaded here, before any kernel runs, so each call counts only its outputs
  const [m0, v0, c, row, bias, rhs] = [[0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1], [1, 2], [1, -1], [1, 0]].map(up);
  // two units' knots [2, 3] each (K = 2 bins on [-4, 4]): x-knots, y-knots, derivatives
  const knots = { xs: up([-4, 0, 4, -4, 1, 4]), ys: up([-4, -1, 4, -4, 0, 4]), ds: up([1, 2, 1, 1, 0.5, 1]) };
  const spline = { rows: 2, dim: 2, bins: 2, bound: 4 };
  const knotGradient = up([1, 0, -1, 2, 0.5, 0, 1, 1, 1, 0, 0, 0, 1, -1, 1, 2, 0, 0.5]);
  return {
    unary: (k) => [k.unary('exp', x, 4)],
    binary: (k) => [k.binary('mul', x, y, 4)],
    affine: (k) => [k.affine(x, 4, 2, 1)],
    adam: (k) => {
      const r = k.adam(x, y, m0, v0, 4, adamHyper);
      return [r.p, r.m, r.v];
    },
    sum: (k) => [k.sum(x, [2, 2], [1])],
    max: (k) => [k.max(x, [2, 2], [0])],
    transpose: (k) => [k.transpose(x, [2, 2], [1, 0])],
    expand: (k) => [k.expand(row, [1, 2], [3, 2])],
    slice: (k) => [k.slice(x, [2, 2], [0, 1], [2, 1])],
    pad: (k) => [k.pad(x, [2, 2], [1, 0], [0, 1])],
    cast: (k) => [k.cast(x, 4, 'float32')],
    matmul: (k) => [k.matmul(x, y, mm)],
    gemm: (k) => [k.gemm(x, y, mm, 2, c, 0.5, bias)],
    pointwise: (k) => [k.pointwise('input-gradient', { base: 'softplus', linear: 0.3, outer: 0.7, inner: 1 }, x, y, 4)],
    spline: (k) => [k.spline('knot-gradient', x, knots, y, spline)],
    splineKnots: (k) => {
      if (k.splineKnots === undefined) throw new Error('the CPU backend has the spline knot kernel');
      // two units, K = 2: uw, uh [2, 2], ud [2, 1], the knot gradient [3, 2, 3]
      return k.splineKnots('knots-backward', x, y, row, knotGradient, { dim: 2, bins: 2, bound: 4, minBin: 1e-3, minDerivative: 1e-3, scale: 0.5 });
    },
    solve: (k) => [k.solve(x, rhs, sq, 1)],
    inv: (k) => [k.inv(x, sq)],
    slogdet: (k) => {
      const r = k.slogdet(x, sq);
      return [r.sign, r.logabsdet];
    },
  };
}

t.test('every kernel of the table is counted with every storage it returns', async (t) => {
  const c = countingBackend(createCpuBackend(), bytesOf);
  const table = calls(c.backend);
  // a kernel the CPU backend has and this table lacks would go unchecked
  t.same(Object.keys(c.backend.kernels).sort(), Object.keys(table).sort(), 'the test calls every kernel');
  for (const name of Object.keys(table) as (keyof KernelTable<TypedArray>)[]) {
    const before = { ...c.stats, live: c.live() };
    const out = table[name](c.backend.kernels);
    const bytes = out.reduce((s, o) => s + o.byteLength, 0);
    t.equal(c.live() - before.live, out.length, `${name}: ${out.length} live handle(s) more`);
    t.equal(c.stats.allocations - before.allocations, out.length, `${name}: allocations`);
    t.equal(c.stats.bytes - before.bytes, bytes, `${name}: bytes`);
    t.equal(c.stats.liveBytes - before.liveBytes, bytes, `${name}: live bytes`);
    for (const o of out) c.backend.free(o);
    t.equal(c.live(), before.live, `${name}: freed`);
    t.equal(c.stats.liveBytes, before.liveBytes, `${name}: live bytes back`);
  }
  t.equal(c.badFrees(), 0);
});

t.test('uploads, the peak, reset, double frees and forwarding', async (t) => {
  // the inner backend is itself counted, so the frees that reach it are seen
  const inner = countingBackend(createCpuBackend(), bytesOf);
  const c = countingBackend(inner.backend, bytesOf, { name: 'cpu-counting', forwardFrees: false });
  t.equal(c.backend.name, 'cpu-counting');
  t.equal(c.backend.describe().name, 'cpu-counting');
  t.equal(c.backend.describe().implementation, inner.backend.describe().implementation);
  const a = c.backend.upload(new Float64Array(8), 'float64');
  const b = c.backend.upload(new Float32Array(4), 'float32');
  t.same(c.stats, { allocations: 2, bytes: 80, liveBytes: 80, peakLiveBytes: 80 });
  c.backend.free(a);
  t.same([c.live(), c.stats.liveBytes, c.stats.peakLiveBytes], [1, 16, 80], 'the peak stays');
  t.equal(inner.live(), 2, 'forwardFrees: false keeps the free from the wrapped backend');
  c.reset();
  t.same(c.stats, { allocations: 0, bytes: 0, liveBytes: 16, peakLiveBytes: 16 }, 'reset keeps what is live');
  c.backend.free(a);
  t.equal(c.badFrees(), 1, 'a second free is reported');
  c.backend.free(b);
  t.equal(c.badFrees(), 1);
  t.equal(c.live(), 0);

  const passing = countingBackend(inner.backend, bytesOf);
  t.equal(passing.backend.name, inner.backend.name, 'the name is the wrapped backend\'s by default');
  const d = passing.backend.upload(new Float64Array(2), 'float64');
  const innerLive = inner.live();
  passing.backend.free(d);
  t.equal(inner.live(), innerLive - 1, 'frees reach the wrapped backend by default');
  t.equal(inner.badFrees(), 0);
});
