// Plain-JavaScript reference implementations on host arrays, used to check op values.
// Deliberately naive (index arithmetic, no tiling, Gaussian elimination) so they are easy to trust.

import type { Tensor } from '../../index.js';

export interface HostArray {
  data: Float64Array;
  shape: number[];
}

export function host(t: Tensor): HostArray {
  return { data: Float64Array.from(t.dataSync()), shape: [...t.shape] };
}

export function hostArray(shape: readonly number[], fill: (i: number) => number): HostArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float64Array.from({ length: n }, (_, i) => fill(i)), shape: [...shape] };
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let a = 0; a < shape.length; a++) i = i * shape[a] + idx[a];
  return i;
}

export function mapUnary(a: HostArray, f: (x: number) => number): HostArray {
  return { data: a.data.map(f), shape: [...a.shape] };
}

/** NumPy-broadcast binary op. */
export function mapBinary(a: HostArray, b: HostArray, f: (x: number, y: number) => number): HostArray {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pa = [...new Array<number>(rank - a.shape.length).fill(1), ...a.shape];
  const pb = [...new Array<number>(rank - b.shape.length).fill(1), ...b.shape];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  return hostArray(shape, (i) => {
    const idx = unravel(i, shape);
    const ia = ravel(idx.map((v, k) => (pa[k] === 1 ? 0 : v)), pa);
    const ib = ravel(idx.map((v, k) => (pb[k] === 1 ? 0 : v)), pb);
    return f(a.data[ia], b.data[ib]);
  });
}

/** Folds `axes` (non-negative) with `fold`, optionally keeping them as size 1. */
export function reduceAxes(
  a: HostArray,
  axes: readonly number[],
  keepDims: boolean,
  init: number,
  fold: (acc: number, v: number) => number,
): HostArray {
  const kept = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(sizeOf(kept)).fill(init);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape).map((v, k) => (axes.includes(k) ? 0 : v));
    const o = ravel(idx, kept);
    out[o] = fold(out[o], a.data[i]);
  }
  return { data: out, shape: keepDims ? kept : a.shape.filter((_, i) => !axes.includes(i)) };
}

export function transposeRef(a: HostArray, perm: readonly number[]): HostArray {
  const shape = perm.map((p) => a.shape[p]);
  return hostArray(shape, (i) => {
    const idx = unravel(i, shape);
    const src = new Array<number>(perm.length);
    perm.forEach((p, k) => (src[p] = idx[k]));
    return a.data[ravel(src, a.shape)];
  });
}

export function sliceRef(a: HostArray, begin: readonly number[], size: readonly number[]): HostArray {
  return hostArray(size, (i) => a.data[ravel(unravel(i, size).map((v, k) => v + begin[k]), a.shape)]);
}

export function padRef(a: HostArray, before: readonly number[], after: readonly number[]): HostArray {
  const shape = a.shape.map((d, i) => d + before[i] + after[i]);
  return hostArray(shape, (i) => {
    const idx = unravel(i, shape).map((v, k) => v - before[k]);
    return idx.every((v, k) => v >= 0 && v < a.shape[k]) ? a.data[ravel(idx, a.shape)] : 0;
  });
}

/** op(A)·op(B) with NumPy batch broadcasting. */
export function matmulRef(a: HostArray, b: HostArray, transA = false, transB = false): HostArray {
  const at = transA ? transposeRef(a, swapLast(a.shape.length)) : a;
  const bt = transB ? transposeRef(b, swapLast(b.shape.length)) : b;
  const [m, k] = at.shape.slice(-2);
  const n = bt.shape[bt.shape.length - 1];
  const batchA = at.shape.slice(0, -2);
  const batchB = bt.shape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const pa = [...new Array<number>(rank - batchA.length).fill(1), ...batchA];
  const pb = [...new Array<number>(rank - batchB.length).fill(1), ...batchB];
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const out = new Float64Array(sizeOf(batch) * m * n);
  for (let q = 0; q < sizeOf(batch); q++) {
    const idx = unravel(q, batch);
    const qa = ravel(idx.map((v, i) => (pa[i] === 1 ? 0 : v)), pa);
    const qb = ravel(idx.map((v, i) => (pb[i] === 1 ? 0 : v)), pb);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += at.data[qa * m * k + i * k + p] * bt.data[qb * k * n + p * n + j];
        out[q * m * n + i * n + j] = s;
      }
    }
  }
  return { data: out, shape: [...batch, m, n] };
}

function swapLast(rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  [p[rank - 2], p[rank - 1]] = [p[rank - 1], p[rank - 2]];
  return p;
}

/** Gaussian elimination with partial pivoting on one n×n matrix (row-major); returns U, row swaps. */
function eliminate(a: ArrayLike<number>, n: number, rhs: Float64Array, r: number): { u: Float64Array; swaps: number } {
  const u = Float64Array.from(a);
  let swaps = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(u[i * n + c]) > Math.abs(u[p * n + c])) p = i;
    if (p !== c) {
      swaps++;
      for (let j = 0; j < n; j++) [u[c * n + j], u[p * n + j]] = [u[p * n + j], u[c * n + j]];
      for (let j = 0; j < r; j++) [rhs[c * r + j], rhs[p * r + j]] = [rhs[p * r + j], rhs[c * r + j]];
    }
    for (let i = c + 1; i < n; i++) {
      const f = u[i * n + c] / u[c * n + c];
      if (f === 0 || !Number.isFinite(f)) continue;
      for (let j = c; j < n; j++) u[i * n + j] -= f * u[c * n + j];
      for (let j = 0; j < r; j++) rhs[i * r + j] -= f * rhs[c * r + j];
    }
  }
  return { u, swaps };
}

/** X = A⁻¹B for a batch of A [..., n, n] and B [..., n, r] (same batch). */
export function solveRef(a: HostArray, b: HostArray): HostArray {
  const n = a.shape[a.shape.length - 1];
  const r = b.shape[b.shape.length - 1];
  const batch = sizeOf(a.shape.slice(0, -2));
  const out = new Float64Array(batch * n * r);
  for (let q = 0; q < batch; q++) {
    const rhs = b.data.slice(q * n * r, (q + 1) * n * r);
    const { u } = eliminate(a.data.subarray(q * n * n, (q + 1) * n * n), n, rhs, r);
    for (let j = 0; j < r; j++) {
      for (let i = n - 1; i >= 0; i--) {
        let s = rhs[i * r + j];
        for (let p = i + 1; p < n; p++) s -= u[i * n + p] * out[q * n * r + p * r + j];
        out[q * n * r + i * r + j] = s / u[i * n + i];
      }
    }
  }
  return { data: out, shape: [...b.shape] };
}

export function eyeRef(n: number, batch: readonly number[] = []): HostArray {
  return hostArray([...batch, n, n], (i) => (Math.floor(i / n) % n === i % n ? 1 : 0));
}

export function invRef(a: HostArray): HostArray {
  const n = a.shape[a.shape.length - 1];
  return solveRef(a, eyeRef(n, a.shape.slice(0, -2)));
}

/** sign(det A) and log|det A| per matrix of the batch. */
export function slogdetRef(a: HostArray): { sign: HostArray; logabsdet: HostArray } {
  const n = a.shape[a.shape.length - 1];
  const batchShape = a.shape.slice(0, -2);
  const batch = sizeOf(batchShape);
  const sign = new Float64Array(batch);
  const logabsdet = new Float64Array(batch);
  for (let q = 0; q < batch; q++) {
    const { u, swaps } = eliminate(a.data.subarray(q * n * n, (q + 1) * n * n), n, new Float64Array(0), 0);
    let s = swaps % 2 === 0 ? 1 : -1;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const d = u[i * n + i];
      s *= Math.sign(d);
      acc += Math.log(Math.abs(d));
    }
    sign[q] = s;
    logabsdet[q] = acc;
  }
  return { sign: { data: sign, shape: batchShape }, logabsdet: { data: logabsdet, shape: batchShape } };
}
