// The backend conformance suite: the op table (op-table.ts: every op's value against a host
// reference and gradient against host finite differences) plus what a table row does not
// exercise — storage, cast, matmul tiling and odd sizes, reductions of larger matrices, fused
// kernels, the LU family, singular input, NaN semantics — on a given backend, against float64
// host references. Backend-agnostic: every tensor is created with an explicit
// { backend, dtype }; the global backend is never read or set.
//
//   await conformance(t, () => createCpuBackend(), { dtype: 'float64', tol: 1e-12, name: 'cpu f64' });
//   await conformance(t, () => createGpuBackend(), { dtype: 'float32', tol: 1e-4, name: 'gpu' });
//
// `tol` bounds max |actual - expected| / max(|actual|, |expected|, 1) per element.

import type { Test } from 'tap';
import * as rg from '../../index.js';
import { Rng, type Backend, type Tensor } from '../../index.js';
import { maxRelErr, randValues } from '../helpers/numeric.js';
import { opTable } from './op-table.js';
import { randomSplineCase, splinePassesRef } from '../helpers/spline-reference.js';
import {
  host, invRef, mapBinary, mapUnary, matmulRef, padRef, reduceAxes, sliceRef, slogdetRef, solveRef, transposeRef,
  type HostArray,
} from '../helpers/reference.js';

export interface ConformanceOptions {
  dtype: 'float64' | 'float32';
  /** Relative tolerance (floor 1) for every comparison. */
  tol: number;
  /** Label for the subtest. */
  name: string;
}

export async function conformance(
  t: Test,
  makeBackend: () => Backend | Promise<Backend>,
  opts: ConformanceOptions,
): Promise<void> {
  const backend = await makeBackend();
  const { dtype, tol } = opts;
  const rng = new Rng(2718);
  const on = { backend, dtype };

  /** A random tensor on the backend under test; values N(0,1), or transformed by `map`. */
  const rand = (shape: number[], map?: (v: number) => number): Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = randValues(rng, n);
    return rg.tensor(map ? v.map(map) : v, shape, on);
  };
  /** N(0,1)/√n + ±2·I: well conditioned, both signs of det. */
  const wellConditioned = (shape: number[]): Tensor => {
    const n = shape[shape.length - 1];
    const v = randValues(rng, shape.reduce((a, b) => a * b, 1), { scale: 1 / Math.sqrt(n) });
    for (let i = 0; i < v.length; i++) if (Math.floor(i / n) % n === i % n) v[i] += rng.uniform() < 0.5 ? -2 : 2;
    return rg.tensor(v, shape, on);
  };
  const close = (t: Test, label: string, actual: Tensor, expected: HostArray, tolerance = tol): void => {
    const shapeOk = actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
    t.ok(shapeOk, `${label}: shape [${actual.shape}] is [${expected.shape}]`);
    if (!shapeOk) return;
    t.equal(actual.dtype, dtype, `${label}: dtype ${dtype}`);
    t.equal(actual.backend, backend, `${label}: stays on the backend`);
    const err = maxRelErr(actual.dataSync(), expected.data);
    t.ok(err <= tolerance, `${label}: rel err ${err.toExponential(2)} ≤ ${tolerance}`);
  };

  await t.test(`${opts.name} (${backend.describe().implementation})`, async (t) => {
    await t.test('storage: upload, readSync, read, free', async (t) => {
      const values = randValues(rng, 37);
      const x = rg.tensor(values, [37], on);
      const expected = dtype === 'float32' ? Array.from(values, Math.fround) : Array.from(values);
      t.same(Array.from(x.dataSync()), expected, 'readSync round trip');
      t.same(Array.from(await x.data()), expected, 'read round trip');
      t.ok(dtype === 'float64' ? x.dataSync() instanceof Float64Array : x.dataSync() instanceof Float32Array, 'host array of the dtype');
      t.same(rg.zeros([2, 3], on).toArray(), [[0, 0, 0], [0, 0, 0]], 'zeros');
      t.equal(rg.scalar(2.5, on).item(), 2.5, 'a scalar');
      x.dispose();
      t.ok(x.isDisposed, 'free');
      t.ok(backend.describe().dtypes.includes(dtype), `describe() lists ${dtype}`);
    });

    await t.test('sign of 0 is 0', async (t) => {
      const s = rg.sign(rg.tensor([0, -3, 2], [3], on));
      t.same(Array.from(s.dataSync()), [0, -1, 1]);
    });

    await t.test('affine and the fused Adam step', async (t) => {
      const x = rand([6, 5]);
      close(t, 'affine', rg.affine(x, -1.5, 0.25), mapUnary(host(x), (v) => -1.5 * v + 0.25));
      close(t, 'mul by a number', rg.mul(x, 3), mapUnary(host(x), (v) => 3 * v));
      close(t, 'number minus tensor', rg.sub(2, x), mapUnary(host(x), (v) => 2 - v));
      const [p, d, m] = [rand([4, 9]), rand([4, 9]), rand([4, 9])];
      const v = rand([4, 9], (u) => Math.abs(u));
      const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3 };
      const r = rg.adamUpdate(p, d, m, v, h);
      const [hp, hd, hm, hv] = [host(p).data, host(d).data, host(m).data, host(v).data];
      const mRef = hm.map((mi, i) => h.beta1 * mi + (1 - h.beta1) * hd[i]);
      const vRef = hv.map((vi, i) => h.beta2 * vi + (1 - h.beta2) * hd[i] * hd[i]);
      const pRef = hp.map((pi, i) => pi - (h.lr * (mRef[i] / h.c1)) / (Math.sqrt(vRef[i] / h.c2) + h.eps));
      close(t, 'adam m', r.m, { data: mRef, shape: [4, 9] });
      close(t, 'adam v', r.v, { data: vRef, shape: [4, 9] });
      close(t, 'adam p', r.p, { data: pRef, shape: [4, 9] });
      t.throws(() => rg.adamUpdate(p, rand([9, 4]), m, v, h), /adamUpdate: \[9,4\] .* does not match the parameter \[4,9\]/);
    });

    await t.test('equal and expand', async (t) => {
      const a = rand([3, 4]);
      close(t, 'equal (same)', rg.equal(a, a), mapUnary(host(a), () => 1));
      close(t, 'equal (shifted)', rg.equal(a, rg.add(a, 1)), mapUnary(host(a), () => 0));
      const b = rand([4]);
      close(t, 'expand', rg.broadcastTo(b, [2, 3, 4]), mapBinary(host(b), { data: new Float64Array(24), shape: [2, 3, 4] }, (u) => u));
    });

    await t.test('sum and max over several axes', async (t) => {
      const x = rand([3, 4, 5, 2]);
      for (const axes of [[0], [3], [1, 2], [0, 2], [0, 1, 2, 3], [1, 3]]) {
        close(t, `sum [${axes}]`, rg.sum(x, axes), reduceAxes(host(x), axes, false, 0, (a, v) => a + v));
        close(t, `max [${axes}]`, rg.max(x, axes), reduceAxes(host(x), axes, false, -Infinity, Math.max));
      }
      close(t, 'mean keepDims', rg.mean(x, [0, 3], true), mapUnary(reduceAxes(host(x), [0, 3], true, 0, (a, v) => a + v), (v) => v / 6));
      const big = rand([64, 33]);
      close(t, 'sum of a larger matrix over rows', rg.sum(big, 0), reduceAxes(host(big), [0], false, 0, (a, v) => a + v));
      close(t, 'logsumexp', rg.logsumexp(x, [1, 2]), mapUnary(reduceAxes(mapUnary(host(x), Math.exp), [1, 2], false, 0, (a, v) => a + v), Math.log));
    });

    await t.test('transpose, slice, pad, reshape', async (t) => {
      const x = rand([2, 3, 4, 5]);
      for (const perm of [[1, 0, 2, 3], [0, 1, 3, 2], [3, 2, 1, 0], [2, 0, 3, 1]]) {
        close(t, `transpose [${perm}]`, rg.transpose(x, perm), transposeRef(host(x), perm));
      }
      for (const [begin, size] of [[[0, 1, 1, 0], [2, 2, 3, 5]], [[1, 0, 2, 4], [1, 3, 2, 1]]] as [number[], number[]][]) {
        close(t, `slice ${begin}/${size}`, rg.slice(x, begin, size), sliceRef(host(x), begin, size));
      }
      close(t, 'pad', rg.pad(x, [1, 0, 2, 0], [0, 1, 0, 3]), padRef(host(x), [1, 0, 2, 0], [0, 1, 0, 3]));
      close(t, 'concat', rg.concat([x, x], 2), concatRef(host(x), host(x), 2));
      close(t, 'reshape', rg.reshape(x, [6, 20]), { data: host(x).data, shape: [6, 20] }, 0);
    });

    await t.test('cast', async (t) => {
      const x = rand([3, 5]);
      for (const to of backend.describe().dtypes) {
        const y = rg.cast(x, to);
        t.equal(y.dtype, to, `cast ${dtype} → ${to}`);
        const want = Array.from(host(x).data, to === 'float32' ? Math.fround : (v: number) => v);
        t.same(Array.from(y.dataSync()), want, `cast ${dtype} → ${to}: values`);
        t.same(Array.from(rg.cast(y, dtype).dataSync()), Array.from(want, dtype === 'float32' ? Math.fround : (v: number) => v), `and back`);
      }
    });

    await t.test('matmul: transpose flags, batches, odd sizes', async (t) => {
      const dims: [number, number, number][] = [[1, 1, 1], [3, 5, 2], [17, 33, 9], [4, 4, 4], [70, 65, 47]];
      for (const [m, k, n] of dims) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = rand(transA ? [k, m] : [m, k]);
            const b = rand(transB ? [n, k] : [k, n]);
            const got = rg.matmul(a, b, { transA, transB });
            // a float32 GEMM that accumulates in float32 is accurate to about k·u (Higham's γ_k),
            // u = 2⁻²⁴: the bound grows with the inner dimension, so the tolerance does too
            const gemmTol = dtype === 'float32' ? Math.max(tol, k * 2 ** -23) : tol;
            close(t, `[${m}x${k}]${transA ? 'ᵀ' : ''}·[${k}x${n}]${transB ? 'ᵀ' : ''}`, got, matmulRef(host(a), host(b), transA, transB), gemmTol);
          }
        }
      }
      const a = rand([3, 2, 6, 5]);
      const b = rand([2, 5, 4]);
      close(t, 'batched and broadcast', rg.matmul(a, b), matmulRef(host(a), host(b)));
      const c = rand([4, 7, 5]);
      const w = rand([6, 5]);
      close(t, 'batch folded into rows, Bᵀ', rg.matmul(c, w, { transB: true }), matmulRef(host(c), host(w), false, true));
    });

    await t.test('fused gemm: alpha·op(A)·op(B) + beta·C + bias', async (t) => {
      const cases: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [33, 17, 40], [70, 65, 47]];
      for (const [m, k, n] of cases) {
        for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const a = rand(transA ? [k, m] : [m, k]);
          const b = rand(transB ? [n, k] : [k, n]);
          const c = rand([m, n]);
          const bias = rand([n]);
          const ab = matmulRef(host(a), host(b), transA, transB);
          const hc = host(c);
          const hb = host(bias);
          // reference epilogue written out element by element
          const expect = (alpha: number, beta: number, withC: boolean, withBias: boolean): HostArray => ({
            shape: [m, n],
            data: ab.data.map((v, i) => alpha * v + (withC ? beta * hc.data[i] : 0) + (withBias ? hb.data[i % n] : 0)),
          });
          const gemmTol = dtype === 'float32' ? Math.max(tol, 4 * k * 2 ** -23) : tol;
          const label = `[${m}x${k}]${transA ? 'ᵀ' : ''}·[${k}x${n}]${transB ? 'ᵀ' : ''}`;
          close(t, `${label} alpha 0.5`, rg.gemm(a, b, { transA, transB, alpha: 0.5 }), expect(0.5, 0, false, false), gemmTol);
          close(t, `${label} - C`, rg.gemm(a, b, { transA, transB, alpha: 1 / 3, c, beta: -1 }), expect(1 / 3, -1, true, false), gemmTol);
          close(t, `${label} + bias`, rg.gemm(a, b, { transA, transB, bias }), expect(1, 0, false, true), gemmTol);
          close(t, `${label} + 2C + bias`, rg.gemm(a, b, { transA, transB, alpha: -2, c, beta: 2, bias }), expect(-2, 2, true, true), gemmTol);
        }
      }
      const a = rand([2, 3, 4]);
      const b = rand([2, 4, 5]);
      const c = rand([2, 3, 5]);
      const ab = matmulRef(host(a), host(b));
      close(t, 'batched with C', rg.gemm(a, b, { c, beta: 0.25 }), { shape: [2, 3, 5], data: ab.data.map((v, i) => v + 0.25 * host(c).data[i]) });
      t.throws(() => rg.gemm(a, b, { bias: rand([4]) }), /gemm: bias \[4\] must be \[5\]/, 'a bias of the wrong length is refused');
      const w = rg.tensor(Float64Array.of(1, 2, 3, 4), [2, 2], on);
      t.throws(() => rg.grad((ww: Tensor) => rg.sum(rg.gemm(ww, ww)))(w), /gemm: not differentiable/, 'refused under grad');
    });

    await t.test('pointwise passes (σ = linear·y + outer·φ(inner·y)) against their definitions', async (t) => {
      // values spread over both tails, where a naive sigmoid/softplus overflows
      const y = rand([7, 9], (v) => 8 * v);
      const back = rand([7, 9]);
      const hy = host(y);
      const hg = host(back);
      const softplus = (v: number): number => (v > 30 ? v : v < -30 ? Math.exp(v) : Math.log(1 + Math.exp(v)));
      const sigmoid = (v: number): number => 0.5 * (1 + Math.tanh(v / 2));
      const sech2 = (v: number): number => 1 - Math.tanh(v) ** 2;
      const refs = [
        {
          // the flow's smooth leaky ReLU, α = 0.3 (the CPU's SIMD kernels)
          map: { base: 'softplus' as const, linear: 0.3, outer: 0.7, inner: 1 },
          value: (v: number) => 0.3 * v + 0.7 * softplus(v),
          d1: (v: number) => 0.3 + 0.7 * sigmoid(v),
          d2: (v: number) => 0.7 * sigmoid(v) * (1 - sigmoid(v)),
        },
        {
          map: { base: 'softplus' as const, linear: 0.2, outer: 0.5, inner: 1.7 },
          value: (v: number) => 0.2 * v + 0.5 * softplus(1.7 * v),
          d1: (v: number) => 0.2 + 0.5 * 1.7 * sigmoid(1.7 * v),
          d2: (v: number) => 0.5 * 1.7 * 1.7 * sigmoid(1.7 * v) * (1 - sigmoid(1.7 * v)),
        },
        {
          // the flow's leaky tanh, β = 1.5, γ = 0.1
          map: { base: 'tanh' as const, linear: 0.1, outer: 1, inner: 1.5 },
          value: (v: number) => Math.tanh(1.5 * v) + 0.1 * v,
          d1: (v: number) => 1.5 * sech2(1.5 * v) + 0.1,
          d2: (v: number) => -2 * 1.5 * 1.5 * Math.tanh(1.5 * v) * sech2(1.5 * v),
        },
        {
          map: { base: 'tanh' as const, linear: 0.25, outer: 0.8, inner: 0.6 },
          value: (v: number) => 0.25 * v + 0.8 * Math.tanh(0.6 * v),
          d1: (v: number) => 0.25 + 0.8 * 0.6 * sech2(0.6 * v),
          d2: (v: number) => -2 * 0.8 * 0.6 * 0.6 * Math.tanh(0.6 * v) * sech2(0.6 * v),
        },
      ];
      for (const r of refs) {
        const name = `${r.map.base} (${r.map.linear}, ${r.map.outer}, ${r.map.inner})`;
        close(t, `${name} value`, rg.pointwisePass('value', r.map, y), mapUnary(hy, r.value));
        close(t, `${name} log σ'`, rg.pointwisePass('log-derivative', r.map, y), mapUnary(hy, (v) => Math.log(r.d1(v))));
        const expected = { shape: hy.shape, data: hy.data.map((v, i) => r.d1(v) * hg.data[i] - r.d2(v) / r.d1(v)) };
        close(t, `${name} input gradient σ'·back - σ''/σ'`, rg.pointwisePass('input-gradient', r.map, y, back), expected);
      }
      t.throws(() => rg.pointwisePass('input-gradient', refs[0].map, y), /needs the back-propagated error/);
    });

    await t.test('spline kernel passes against a float64 reference (definition, bisection, finite differences)', async (t) => {
      // rows·dim values over ±1.25·bound (inside and outside the interval), K = 5 bins, 3 units
      const c = randomSplineCase(11, 3, 5, 2.5, () => rng.uniform());
      const S = c.dim * (c.bins + 1);
      const [xs, ys, ds] = [0, 1, 2].map((w) => rg.tensor(c.knots.subarray(w * S, (w + 1) * S), [c.dim, c.bins + 1], on));
      const knots = { xs, ys, ds };
      const stored = Float64Array.from([...xs.dataSync(), ...ys.dataSync(), ...ds.dataSync()]);
      const x = rg.tensor(Float64Array.from({ length: c.rows * c.dim }, () => (rng.uniform() * 2 - 1) * 1.25 * c.bound), [c.rows, c.dim], on);
      const back = rand([c.rows, c.dim]);
      // the reference sees the values as stored (float32 rounds them)
      const want = splinePassesRef(c, stored, x.dataSync(), back.dataSync());
      const loose = dtype === 'float64' ? 1e-6 : 5e-3; // finite differences (and float32 sums of 11 rows)
      const exact = dtype === 'float64' ? 1e-10 : 1e-4;
      for (const pass of ['value', 'log-derivative', 'inverse', 'input-gradient', 'knot-gradient'] as const) {
        const got = rg.splinePass(pass, x, knots, { bound: c.bound, back });
        const shape = pass === 'knot-gradient' ? [3, c.dim, c.bins + 1] : [c.rows, c.dim];
        close(t, `spline ${pass}`, got, { data: want[pass], shape }, pass.endsWith('gradient') ? loose : exact);
      }
      const both = Float64Array.from([...want['input-gradient'], ...want['knot-gradient']]);
      close(t, 'spline backward (both gradients, flat)', rg.splinePass('backward', x, knots, { bound: c.bound, back }), { data: both, shape: [both.length] }, loose);
      t.throws(() => rg.splinePass('input-gradient', x, knots, { bound: c.bound }), /'input-gradient' pass needs the back-propagated error/);
      t.throws(() => rg.splinePass('value', x, { xs, ys: rg.tensor(new Float64Array(2 * 6), [2, 6], on), ds }, { bound: 1 }), /knots\.ys must be \[3, K\+1\]/);
    });

    await t.test('solve, inv, slogdet', async (t) => {
      const linTol = Math.max(tol, dtype === 'float32' ? 1e-5 : 1e-12);
      for (const n of [1, 3, 8]) {
        const a = wellConditioned([2, n, n]);
        const b = rand([2, n, 3]);
        close(t, `solve n=${n}`, rg.solve(a, b), solveRef(host(a), host(b)), linTol);
        const bv = rand([n]);
        const a1 = rg.reshape(rg.slice(a, [0, 0, 0], [1, n, n]), [n, n]);
        close(t, `solve vector n=${n}`, rg.solve(a1, bv), reshapeRef(solveRef(host(a1), reshapeRef(host(bv), [n, 1])), [n]), linTol);
        close(t, `inv n=${n}`, rg.inv(a), invRef(host(a)), linTol);
        const { sign, logabsdet } = rg.slogdet(a);
        const ref = slogdetRef(host(a));
        close(t, `slogdet sign n=${n}`, sign, ref.sign, 0);
        close(t, `slogdet log|det| n=${n}`, logabsdet, ref.logabsdet, linTol);
      }
      t.throws(() => rg.inv(rg.tensor([[1, 2], [2, 4]], undefined, on)), /inv: .*singular/, 'singular inv throws');
      const sing = rg.slogdet(rg.tensor([[1, 2], [2, 4]], undefined, on));
      t.same([sing.sign.item(), sing.logabsdet.item()], [0, -Infinity], 'singular slogdet: sign 0, -Infinity');
    });

    await t.test('op table: values against host references, gradients against host finite differences', async (t) => {
      await opTable(t, { backend, dtype, tol, rng });
    });

    await t.test('NaN propagates through maximum, max, min and argmax', async (t) => {
      const x = rg.tensor([1, NaN, 3, -2, 5, 0], [2, 3], on);
      const y = rg.tensor([NaN, 2, 1, 0, NaN, 4], [2, 3], on);
      const isNaN = (a: ArrayLike<number>): boolean[] => Array.from(a, Number.isNaN);
      t.same(isNaN(rg.maximum(x, y).dataSync()), [true, true, false, false, true, false], 'maximum: NaN in either operand');
      t.same(Array.from(rg.maximum(x, y).dataSync()).filter((v) => !Number.isNaN(v)), [3, 0, 4], 'maximum elsewhere');
      t.same(isNaN(rg.max(x, 1).dataSync()), [true, false], 'max over a row with a NaN is NaN');
      t.same(isNaN(rg.min(x, 1).dataSync()), [true, false], 'and min');
      t.same(isNaN(rg.max(x, 0).dataSync()), [false, true, false], 'max over a column');
      t.same(Array.from(rg.argmax(x, 1).dataSync()), [1, 1], 'argmax: the NaN, else the maximum');
      t.same(Array.from(rg.argmax(rg.tensor([2, 7, 7, 1], [4], on)).dataSync()), [1], 'argmax: the first of tied maxima');
    });
  });
}

function reshapeRef(a: HostArray, shape: number[]): HostArray {
  return { data: a.data, shape };
}

function concatRef(a: HostArray, b: HostArray, axis: number): HostArray {
  const before = a.shape.map(() => 0);
  const afterA = a.shape.map((_, i) => (i === axis ? b.shape[axis] : 0));
  const beforeB = b.shape.map((_, i) => (i === axis ? a.shape[axis] : 0));
  const pa = padRef(a, before, afterA);
  const pb = padRef(b, beforeB, before);
  return mapBinary(pa, pb, (x, y) => x + y);
}
