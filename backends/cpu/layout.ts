// Layout kernels: transpose, expand, slice, pad and cast as strided index walks over row-major
// typed arrays (reductions are in reduce.ts).

import type { DType, TypedArray } from '../../engine/dtype.js';
import { allocHost, dtypeOfArray } from '../../engine/dtype.js';
import type { Alloc } from './pool.js';
import { sizeOf, stridesOf, type Shape } from '../../engine/shape.js';

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
    if (innerStride === 1) out.set(x.subarray(base, base + inner), o);
    else for (let j = 0; j < inner; j++) out[o + j] = x[base + j * innerStride];
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

/**
 * x[begin .. begin + size) along every axis. A block that is one run of x's memory (leading axes of
 * size 1, then one partial axis, then whole axes) is one copy.
 */
export function slice(x: TypedArray, shape: Shape, begin: readonly number[], size: readonly number[], alloc: Alloc = allocHost): TypedArray {
  const strides = stridesOf(shape);
  const offset = begin.reduce((acc, b, i) => acc + b * strides[i], 0);
  let partial = 0;
  while (partial < shape.length - 1 && size[partial] === 1) partial++;
  if (size.every((d, a) => a <= partial || d === shape[a])) {
    const out = alloc(dtypeOfArray(x), sizeOf(size));
    out.set(x.subarray(offset, offset + out.length));
    return out;
  }
  return gather(x, size, strides, offset, alloc);
}

export function pad(x: TypedArray, shape: Shape, before: readonly number[], after: readonly number[], alloc: Alloc = allocHost): TypedArray {
  const outShape = shape.map((d, i) => d + before[i] + after[i]);
  const out = alloc(dtypeOfArray(x), sizeOf(outShape)).fill(0);
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

export function cast(x: TypedArray, size: number, to: DType, alloc: Alloc = allocHost): TypedArray {
  const out = alloc(to, size);
  out.set(x.subarray(0, size));
  return out;
}
