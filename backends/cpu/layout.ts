// Layout and reduction kernels: strided index walks over row-major typed arrays.

import type { DType, TypedArray } from '../../engine/dtype.js';
import { allocHost, dtypeOfArray } from '../../engine/dtype.js';
import type { Alloc } from './pool.js';
import { removeAxes, sizeOf, stridesOf, type Shape } from '../../engine/shape.js';

/**
 * out[i] = x[offset + Σ_a index_a(i)·stride_a] for every i of `outShape` (row-major).
 * The innermost axis runs as a tight loop.
 */
function gather(x: TypedArray, outShape: Shape, strides: readonly number[], offset: number, alloc: Alloc = allocHost): TypedArray {
  const out = alloc(dtypeOfArray(x), sizeOf(outShape));
  const rank = outShape.length;
  if (out.length === 0) return out;
  if (rank === 0) {
    out[0] = x[offset];
    return out;
  }
  const inner = outShape[rank - 1];
  const innerStride = strides[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let base = offset;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = x[base + j * innerStride];
    for (let a = rank - 2; a >= 0; a--) {
      index[a]++;
      base += strides[a];
      if (index[a] < outShape[a]) break;
      base -= strides[a] * outShape[a];
      index[a] = 0;
    }
  }
  return out;
}

export function transpose(x: TypedArray, shape: Shape, perm: readonly number[], alloc: Alloc = allocHost): TypedArray {
  const inStrides = stridesOf(shape);
  return gather(x, perm.map((p) => shape[p]), perm.map((p) => inStrides[p]), 0, alloc);
}

export function expand(x: TypedArray, shape: Shape, outShape: Shape, alloc: Alloc = allocHost): TypedArray {
  const inStrides = stridesOf(shape);
  return gather(x, outShape, shape.map((d, i) => (d === 1 ? 0 : inStrides[i])), 0, alloc);
}

export function slice(x: TypedArray, shape: Shape, begin: readonly number[], size: readonly number[]): TypedArray {
  const strides = stridesOf(shape);
  const offset = begin.reduce((acc, b, i) => acc + b * strides[i], 0);
  return gather(x, size, strides, offset);
}

export function pad(x: TypedArray, shape: Shape, before: readonly number[], after: readonly number[]): TypedArray {
  const outShape = shape.map((d, i) => d + before[i] + after[i]);
  const out = allocHost(dtypeOfArray(x), sizeOf(outShape));
  if (sizeOf(shape) === 0) return out;
  const outStrides = stridesOf(outShape);
  const offset = before.reduce((acc, b, i) => acc + b * outStrides[i], 0);
  // scatter: walk x in order, placing each row of its last axis
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0];
    return out;
  }
  const inner = shape[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let base = offset;
  for (let i = 0; i < x.length; i += inner) {
    out.set(x.subarray(i, i + inner), base);
    for (let a = rank - 2; a >= 0; a--) {
      index[a]++;
      base += outStrides[a];
      if (index[a] < shape[a]) break;
      base -= outStrides[a] * shape[a];
      index[a] = 0;
    }
  }
  return out;
}

export function cast(x: TypedArray, size: number, to: DType): TypedArray {
  const out = allocHost(to, size);
  out.set(x.subarray(0, size));
  return out;
}

/** Reduces `axes` with (acc, v) → acc starting from `init`: moves reduced axes last, then folds. */
function reduce(x: TypedArray, shape: Shape, axes: readonly number[], init: number, fold: (acc: number, v: number) => number): TypedArray {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const moved = perm.every((p, i) => p === i) ? x : transpose(x, shape, perm);
  const outShape = removeAxes(shape, axes);
  const out = allocHost(dtypeOfArray(x), sizeOf(outShape));
  const n = sizeOf(axes.map((a) => shape[a]));
  for (let o = 0; o < out.length; o++) {
    let acc = init;
    const base = o * n;
    for (let j = 0; j < n; j++) acc = fold(acc, moved[base + j]);
    out[o] = acc;
  }
  return out;
}

/**
 * Sum over leading axes (the column sums of a row-major matrix, e.g. a bias gradient): rows are
 * added into the output one after another, so the input is read once in order and never
 * transposed. Cost: one pass.
 */
function sumLeading(x: TypedArray, rows: number, cols: number): TypedArray {
  const out = allocHost(dtypeOfArray(x), cols);
  const acc = new Float64Array(cols); // accumulate in float64 whatever the dtype
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) acc[j] += x[base + j];
  }
  out.set(acc);
  return out;
}

export function sum(x: TypedArray, shape: Shape, axes: readonly number[]): TypedArray {
  if (axes.length === shape.length) {
    // a full reduction: one tight loop (no index walk, no callback)
    let acc = 0;
    const n = sizeOf(shape);
    for (let i = 0; i < n; i++) acc += x[i];
    const out = allocHost(dtypeOfArray(x), 1);
    out[0] = acc;
    return out;
  }
  const leading = axes.length > 0 && axes.length < shape.length && [...axes].sort((a, b) => a - b).every((a, i) => a === i);
  if (leading) {
    const rows = sizeOf(shape.slice(0, axes.length));
    return sumLeading(x, rows, sizeOf(shape.slice(axes.length)));
  }
  return reduce(x, shape, axes, 0, (acc, v) => acc + v);
}

export function max(x: TypedArray, shape: Shape, axes: readonly number[]): TypedArray {
  return reduce(x, shape, axes, -Infinity, (acc, v) => (v > acc || Number.isNaN(v) ? v : acc));
}
