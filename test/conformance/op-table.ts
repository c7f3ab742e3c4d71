// One table of ops in the style of tinygrad's `helper_test_op`: each row names an engine op and a
// naive float64 host reference (test/helpers/reference.ts). On the backend and dtype under test,
// every row is checked for
//   value:    op(x) against ref(x);
//   gradient: the engine's gradient of s(x) = Σ w ⊙ op(x) (fixed random w) against central finite
//             differences of Σ w·ref(x) computed on the host in float64 — no engine code in the
//             reference, so a wrong backward rule or kernel cannot cancel out.
// Second-order rows check hvp and hessian against second differences of the host reference.
// Runs from the conformance suite on every backend, GEMM tier and dtype.

import type { Test } from 'tap';
import * as rg from '../../index.js';
import type { Backend, Rng, Tensor } from '../../index.js';
import { maxRelErr, randValues } from '../helpers/numeric.js';
import {
  hostArray, invRef, mapBinary, mapUnary, matmulRef, padRef, reduceAxes, sliceRef, slogdetRef, solveRef, transposeRef,
  type HostArray,
} from '../helpers/reference.js';

export interface OpRow {
  name: string;
  /** Input shapes. */
  shapes: number[][];
  /** Maps N(0,1) draws into the op's domain, per input (e.g. positive for log). */
  domain?: ((v: number) => number)[];
  /** Builds an input from drawn values instead (e.g. well-conditioned matrices). */
  build?: (i: number, values: Float64Array, shape: number[]) => Float64Array;
  op: (...xs: Tensor[]) => Tensor;
  ref: (...xs: HostArray[]) => HostArray;
  /** false: no gradient (piecewise constant ops); the gradient must then be zero or absent. */
  grad?: boolean;
  /** Extra slack for float32 (conditioning of the op). */
  f32Slack?: number;
}

const positive = (v: number): number => 0.2 + Math.abs(v);
const nonzero = (v: number): number => Math.sign(v || 1) * (0.2 + Math.abs(v));
const softplusRef = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const sum = (a: HostArray, axes: number[], keep = false): HostArray => reduceAxes(a, axes, keep, 0, (s, v) => s + v);
const maxRef = (a: HostArray, axes: number[], keep = false): HostArray => reduceAxes(a, axes, keep, -Infinity, Math.max);
const logsumexpRef = (a: HostArray, axis: number): HostArray => {
  const m = maxRef(a, [axis], true);
  const shifted = mapBinary(a, m, (v, mv) => Math.exp(v - mv));
  return mapBinary(mapUnary(sum(shifted, [axis], true), Math.log), m, (l, mv) => l + mv);
};
const removeAxis = (a: HostArray, axis: number): HostArray => ({ data: a.data, shape: a.shape.filter((_, i) => i !== axis) });
/** Index of the first maximum along the last axis. */
const argmaxRef = (a: HostArray): HostArray => {
  const n = a.shape[a.shape.length - 1];
  return hostArray(a.shape.slice(0, -1), (r) => {
    let best = 0;
    for (let j = 1; j < n; j++) if (a.data[r * n + j] > a.data[r * n + best]) best = j;
    return best;
  });
};
const gatherRef = (a: HostArray, indices: number[], axis: number): HostArray => {
  const shape = a.shape.map((d, i) => (i === axis ? indices.length : d));
  const strideOf = (s: number[], ax: number): number => s.slice(ax + 1).reduce((p, d) => p * d, 1);
  return hostArray(shape, (i) => {
    const outer = Math.floor(i / (indices.length * strideOf(shape, axis)));
    const j = Math.floor(i / strideOf(shape, axis)) % indices.length;
    const inner = i % strideOf(shape, axis);
    return a.data[(outer * a.shape[axis] + indices[j]) * strideOf(a.shape, axis) + inner];
  });
};

/** N(0,1)/√n + ±2·I on each matrix: well conditioned, both signs of det. */
const wellConditioned = (_i: number, v: Float64Array, shape: number[]): Float64Array => {
  const n = shape[shape.length - 1];
  const out = v.map((x) => x / Math.sqrt(n));
  for (let i = 0; i < out.length; i++) if (Math.floor(i / n) % n === i % n) out[i] += (Math.floor(i / (n * n)) + (i % n)) % 2 === 0 ? 2 : -2;
  return out;
};

/** Binary ops on every broadcasting pattern: equal shapes, inserted and stretched axes, a scalar. */
function binaryRows(): OpRow[] {
  const shapes: [number[], number[]][] = [[[3, 4], [3, 4]], [[3, 1, 4], [2, 1]], [[2, 1], [3, 1, 4]], [[4], [3, 2, 4]], [[2, 3], []], [[1, 3, 1], [2, 1, 5]]];
  const ops: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number, boolean][] = [
    ['add', rg.add, (x, y) => x + y, false],
    ['sub', rg.sub, (x, y) => x - y, false],
    ['mul', rg.mul, (x, y) => x * y, false],
    ['div', rg.div, (x, y) => x / y, true],
    ['maximum', rg.maximum, Math.max, false],
    ['minimum', rg.minimum, Math.min, false],
  ];
  return ops.flatMap(([name, op, f, nonzeroB]) => shapes.map(([sa, sb]): OpRow => ({
    name: `${name} [${sa}] [${sb}]`,
    shapes: [sa, sb],
    domain: [(v) => v, nonzeroB ? nonzero : (v) => v],
    op,
    ref: (a, b) => mapBinary(a, b, f),
  })));
}

/** Reductions over one, several, negative and all axes, with and without keepDims, on [2,3,4]. */
function reductionRows(): OpRow[] {
  const axesList: (number[] | undefined)[] = [undefined, [0], [1], [2], [0, 2], [1, 2], [-1], [0, 1, 2]];
  const ops: [string, (x: Tensor, axes: number[] | undefined, keep: boolean) => Tensor, (a: HostArray, axes: number[], keep: boolean) => HostArray][] = [
    ['sum', rg.sum, (a, ax, k) => sum(a, ax, k)],
    ['mean', rg.mean, (a, ax, k) => mapUnary(sum(a, ax, k), (v) => v / ax.reduce((p, i) => p * a.shape[i], 1))],
    ['max', rg.max, (a, ax, k) => maxRef(a, ax, k)],
    ['min', rg.min, (a, ax, k) => reduceAxes(a, ax, k, Infinity, Math.min)],
    ['logsumexp', rg.logsumexp, (a, ax, k) => mapUnary(sum(mapUnary(a, Math.exp), ax, k), Math.log)],
  ];
  return ops.flatMap(([name, op, ref]) => axesList.flatMap((axes) => [false, true].map((keep): OpRow => ({
    name: `${name} ${axes === undefined ? 'all axes' : `[${axes}]`}${keep ? ' keepDims' : ''}`,
    shapes: [[2, 3, 4]],
    op: (x) => op(x, axes, keep),
    ref: (a) => ref(a, (axes ?? [0, 1, 2]).map((i) => (i < 0 ? i + 3 : i)), keep),
  }))));
}

export const OP_TABLE: OpRow[] = [
  // element-wise, unary (primitives)
  { name: 'neg', shapes: [[3, 4]], op: rg.neg, ref: (a) => mapUnary(a, (v) => -v) },
  { name: 'exp', shapes: [[3, 4]], op: rg.exp, ref: (a) => mapUnary(a, Math.exp) },
  { name: 'log', shapes: [[3, 4]], domain: [positive], op: rg.log, ref: (a) => mapUnary(a, Math.log) },
  { name: 'log1p', shapes: [[3, 4]], domain: [positive], op: rg.log1p, ref: (a) => mapUnary(a, Math.log1p) },
  { name: 'tanh', shapes: [[3, 4]], op: rg.tanh, ref: (a) => mapUnary(a, Math.tanh) },
  { name: 'abs', shapes: [[3, 4]], domain: [nonzero], op: rg.abs, ref: (a) => mapUnary(a, Math.abs) },
  { name: 'sign', shapes: [[3, 4]], domain: [nonzero], op: rg.sign, ref: (a) => mapUnary(a, Math.sign), grad: false },
  { name: 'sqrt', shapes: [[3, 4]], domain: [positive], op: rg.sqrt, ref: (a) => mapUnary(a, Math.sqrt) },
  { name: 'reciprocal', shapes: [[3, 4]], domain: [nonzero], op: rg.reciprocal, ref: (a) => mapUnary(a, (v) => 1 / v) },
  { name: 'sin', shapes: [[3, 4]], domain: [(v) => 3 * v], op: rg.sin, ref: (a) => mapUnary(a, Math.sin) },
  { name: 'cos', shapes: [[3, 4]], domain: [(v) => 3 * v], op: rg.cos, ref: (a) => mapUnary(a, Math.cos) },
  // element-wise composites
  { name: 'square', shapes: [[3, 4]], op: rg.square, ref: (a) => mapUnary(a, (v) => v * v) },
  { name: 'relu', shapes: [[3, 4]], domain: [nonzero], op: rg.relu, ref: (a) => mapUnary(a, (v) => Math.max(v, 0)) },
  { name: 'sigmoid', shapes: [[3, 4]], domain: [(v) => 4 * v], op: rg.sigmoid, ref: (a) => mapUnary(a, (v) => 1 / (1 + Math.exp(-v))) },
  { name: 'softplus', shapes: [[3, 4]], domain: [(v) => 4 * v], op: rg.softplus, ref: (a) => mapUnary(a, softplusRef) },
  { name: 'logSigmoid', shapes: [[3, 4]], domain: [(v) => 4 * v], op: rg.logSigmoid, ref: (a) => mapUnary(a, (v) => -softplusRef(-v)) },
  { name: 'logcosh', shapes: [[3, 4]], domain: [(v) => 4 * v], op: rg.logcosh, ref: (a) => mapUnary(a, (v) => Math.log(Math.cosh(v))) },
  { name: 'pow 3', shapes: [[3, 4]], op: (x) => rg.pow(x, 3), ref: (a) => mapUnary(a, (v) => v ** 3) },
  { name: 'pow -2', shapes: [[3, 4]], domain: [nonzero], op: (x) => rg.pow(x, -2), ref: (a) => mapUnary(a, (v) => v ** -2) },
  { name: 'pow 1.7', shapes: [[3, 4]], domain: [positive], op: (x) => rg.pow(x, 1.7), ref: (a) => mapUnary(a, (v) => v ** 1.7) },
  { name: 'pow 0.5', shapes: [[3, 4]], domain: [positive], op: (x) => rg.pow(x, 0.5), ref: (a) => mapUnary(a, Math.sqrt) },
  { name: 'clip', shapes: [[4, 5]], op: (x) => rg.clip(x, -0.5, 0.7), ref: (a) => mapUnary(a, (v) => Math.min(Math.max(v, -0.5), 0.7)) },
  {
    name: 'Tensor methods chained',
    shapes: [[3, 4]],
    op: (x) => x.mul(2).add(1).sub(x.square()).div(3).exp().log().neg().tanh(),
    ref: (a) => mapUnary(a, (v) => Math.tanh(-(2 * v + 1 - v * v) / 3)),
  },
  // binary, broadcasting
  ...binaryRows(),
  { name: 'pow (tensor exponent)', shapes: [[3, 4], [4]], domain: [positive, (v) => v], op: rg.pow, ref: (a, b) => mapBinary(a, b, (x, y) => x ** y) },
  { name: 'greater', shapes: [[4, 6], [6]], op: rg.greater, ref: (a, b) => mapBinary(a, b, (x, y) => (x > y ? 1 : 0)), grad: false },
  // reductions
  ...reductionRows(),
  { name: 'logsumexp [1]', shapes: [[3, 6]], domain: [(v) => 5 * v], op: (x) => rg.logsumexp(x, 1), ref: (a) => removeAxis(logsumexpRef(a, 1), 1) },
  { name: 'softmax', shapes: [[3, 6]], domain: [(v) => 5 * v], op: (x) => rg.softmax(x), ref: (a) => mapBinary(a, logsumexpRef(a, 1), (v, l) => Math.exp(v - l)) },
  { name: 'logSoftmax axis 0', shapes: [[4, 3]], domain: [(v) => 5 * v], op: (x) => rg.logSoftmax(x, 0), ref: (a) => mapBinary(a, logsumexpRef(a, 0), (v, l) => v - l) },
  { name: 'argmax', shapes: [[5, 7]], op: (x) => rg.argmax(x), ref: argmaxRef, grad: false },
  // layout
  { name: 'transpose [2,0,1]', shapes: [[2, 3, 4]], op: (x) => rg.transpose(x, [2, 0, 1]), ref: (a) => transposeRef(a, [2, 0, 1]) },
  { name: 'slice', shapes: [[4, 5]], op: (x) => rg.slice(x, [1, 2], [2, 3]), ref: (a) => sliceRef(a, [1, 2], [2, 3]) },
  { name: 'pad', shapes: [[2, 3]], op: (x) => rg.pad(x, [1, 0], [0, 2]), ref: (a) => padRef(a, [1, 0], [0, 2]) },
  { name: 'gather axis 0, repeats', shapes: [[5, 3]], op: (x) => rg.gather(x, [4, 0, 1, 2, 0]), ref: (a) => gatherRef(a, [4, 0, 1, 2, 0], 0) },
  { name: 'gather axis 1', shapes: [[2, 6, 3]], op: (x) => rg.gather(x, [5, 1, 3], 1), ref: (a) => gatherRef(a, [5, 1, 3], 1) },
  // linear algebra
  { name: 'matmul', shapes: [[3, 4], [4, 5]], op: (a, b) => rg.matmul(a, b), ref: (a, b) => matmulRef(a, b) },
  { name: 'matmul Aᵀ·Bᵀ batched', shapes: [[2, 4, 3], [2, 5, 4]], op: (a, b) => rg.matmul(a, b, { transA: true, transB: true }), ref: (a, b) => matmulRef(a, b, true, true) },
  { name: 'solve', shapes: [[4, 4], [4, 2]], build: (i, v, s) => (i === 0 ? wellConditioned(i, v, s) : v), op: rg.solve, ref: solveRef, f32Slack: 10 },
  { name: 'inv', shapes: [[2, 3, 3]], build: wellConditioned, op: rg.inv, ref: invRef, f32Slack: 10 },
  { name: 'logAbsDet', shapes: [[2, 4, 4]], build: wellConditioned, op: rg.logAbsDet, ref: (a) => slogdetRef(a).logabsdet, f32Slack: 10 },
  // a composite: a tanh layer and a logsumexp, several arguments
  {
    name: 'tanh layer + logsumexp',
    shapes: [[5, 4], [6, 4], [5]],
    op: (w, x, b) => rg.logsumexp(rg.tanh(rg.add(rg.matmul(x, w, { transB: true }), b)), 1),
    ref: (w, x, b) => {
      const y = mapUnary(mapBinary(matmulRef(x, w, false, true), b, (u, v) => u + v), Math.tanh);
      return removeAxis(logsumexpRef(y, 1), 1);
    },
  },
];

export interface TableOptions {
  backend: Backend;
  dtype: 'float64' | 'float32';
  /** Value tolerance (relative, floor 1). */
  tol: number;
  rng: Rng;
}

/** Σ w·f on the host. */
function weighted(f: (...xs: HostArray[]) => HostArray, w: Float64Array, xs: HostArray[]): number {
  const out = f(...xs).data;
  let s = 0;
  for (let i = 0; i < out.length; i++) s += w[i] * out[i];
  return s;
}

/** Central differences of Σ w·ref in float64, step h·max(1, |x|). */
function hostGradients(row: OpRow, w: Float64Array, xs: HostArray[]): Float64Array[] {
  return xs.map((x, k) =>
    Float64Array.from(x.data, (v, i) => {
      const h = 1e-6 * Math.max(1, Math.abs(v));
      const at = (d: number): number => {
        const moved = xs.map((y, j) => (j === k ? { shape: y.shape, data: Float64Array.from(y.data, (u, q) => (q === i ? u + d : u)) } : y));
        return weighted(row.ref, w, moved);
      };
      return (at(h) - at(-h)) / (2 * h);
    }));
}

export async function opTable(t: Test, o: TableOptions): Promise<void> {
  const on = { backend: o.backend, dtype: o.dtype };
  const f32 = o.dtype === 'float32';
  for (const row of OP_TABLE) {
    await t.test(row.name, async (t) => {
      const hostIn: HostArray[] = row.shapes.map((shape, i) => {
        const n = shape.reduce((a, b) => a * b, 1);
        let v = randValues(o.rng, n);
        const d = row.domain?.[i];
        if (d) v = v.map(d);
        if (row.build) v = row.build(i, v, shape);
        // the backend stores its dtype: the reference sees the values it actually holds
        return { shape, data: f32 ? v.map(Math.fround) : v };
      });
      const xs = hostIn.map((h) => rg.tensor(h.data, h.shape, on));
      const want = row.ref(...hostIn);
      const got = row.op(...xs);
      const valueTol = f32 ? Math.max(o.tol, 2e-6 * (row.f32Slack ?? 1)) : o.tol;
      t.same([...got.shape], want.shape, 'shape');
      t.equal(got.backend, o.backend, 'stays on the backend');
      const err = maxRelErr(got.dataSync(), want.data);
      t.ok(err <= valueTol, `value: rel err ${err.toExponential(2)} ≤ ${valueTol}`);
      if (row.grad === false) return;
      const w = randValues(o.rng, want.data.length);
      const wt = rg.tensor(f32 ? w.map(Math.fround) : w, want.shape, on);
      const grads = rg.grad((...args: Tensor[]) => rg.sum(rg.mul(row.op(...args), wt)))(...xs);
      const refs = hostGradients(row, f32 ? w.map(Math.fround) : w, hostIn);
      // float64: finite differences are good to ~1e-8; float32: the engine's rounding dominates
      const gradTol = f32 ? 2e-4 * (row.f32Slack ?? 1) : 1e-6;
      grads.forEach((g, i) => {
        const e = maxRelErr(g.dataSync(), refs[i]);
        t.ok(e <= gradTol, `gradient of input ${i}: rel err ${e.toExponential(2)} ≤ ${gradTol}`);
      });
    });
  }

  await t.test('second order: hvp and hessian against host second differences', async (t) => {
    const f = (u: Tensor): Tensor => rg.sum(rg.mul(rg.tanh(u), rg.exp(rg.mul(rg.sin(u), 0.5))));
    const fh = (u: number[]): number => u.reduce((s, v) => s + Math.tanh(v) * Math.exp(0.5 * Math.sin(v)), 0);
    const u0 = Array.from(randValues(o.rng, 4), f32 ? Math.fround : (v: number) => v);
    const v0 = Array.from(randValues(o.rng, 4), f32 ? Math.fround : (v: number) => v);
    const h = 1e-4;
    const H: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const at = (di: number, dj: number): number => fh(u0.map((v, k) => v + (k === i ? di : 0) + (k === j ? dj : 0)));
        H.push((at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h));
      }
    }
    const tol2 = f32 ? 1e-3 : 1e-6;
    const Hv = H.reduce((acc, hij, k) => { acc[Math.floor(k / 4)] += hij * v0[k % 4]; return acc; }, [0, 0, 0, 0]);
    const u = rg.tensor(u0, [4], on);
    t.ok(maxRelErr(rg.hvp(f)(u, rg.tensor(v0, [4], on)).dataSync(), Hv) <= tol2, 'hvp');
    t.ok(maxRelErr(rg.hessian(f)(u).dataSync(), H) <= tol2, 'hessian');
    // jacobian of a layer against host central differences
    const A = Array.from(randValues(o.rng, 16), f32 ? Math.fround : (v: number) => v);
    const layer = (y: Tensor): Tensor => rg.tanh(rg.reshape(rg.matmul(rg.tensor(A, [4, 4], on), rg.reshape(y, [4, 1])), [4]));
    const layerHost = (y: number[]): number[] => [0, 1, 2, 3].map((r) => Math.tanh(A[r * 4] * y[0] + A[r * 4 + 1] * y[1] + A[r * 4 + 2] * y[2] + A[r * 4 + 3] * y[3]));
    const J: number[] = [];
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        const p = layerHost(u0.map((v, k) => (k === c ? v + 1e-6 : v)));
        const m = layerHost(u0.map((v, k) => (k === c ? v - 1e-6 : v)));
        J.push((p[r] - m[r]) / 2e-6);
      }
    }
    t.ok(maxRelErr(rg.jacobian(layer)(u).dataSync(), J) <= (f32 ? 1e-4 : 1e-8), 'jacobian');
  });
}
