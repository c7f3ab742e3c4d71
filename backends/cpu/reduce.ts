// Reduction kernels: sum and max over any set of axes of a row-major typed array. Full and
// leading-axis sums are single in-order passes; other axes are moved last by a transpose first.

import { allocHost, dtypeOfArray, type TypedArray } from '../../engine/dtype.js';
import { removeAxes, sizeOf, type Shape } from '../../engine/shape.js';
import { transpose } from './layout.js';

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
function sumLeading(x: TypedArray, rows: number, cols: number, columnSums?: ColumnSumsRunner): TypedArray {
  const out = allocHost(dtypeOfArray(x), cols);
  let acc = columnSums?.(x, rows, cols);
  if (acc === undefined) {
    acc = new Float64Array(cols); // accumulate in float64 whatever the dtype
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let j = 0; j < cols; j++) acc[j] += x[base + j];
    }
  }
  out.set(acc);
  return out;
}

/**
 * The column sums of x [rows, cols] in float64, row after row (as sumLeading), by SIMD kernels
 * (threads/index.ts); undefined when they did not run.
 */
export type ColumnSumsRunner = (x: TypedArray, rows: number, cols: number) => Float64Array | undefined;

export function sum(x: TypedArray, shape: Shape, axes: readonly number[], columnSums?: ColumnSumsRunner): TypedArray {
  if (axes.length === shape.length) {
    // a full reduction: one tight loop (no index walk, no callback)
    // four partial sums: the additions no longer wait on each other
    const n = sizeOf(shape);
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      a0 += x[i];
      a1 += x[i + 1];
      a2 += x[i + 2];
      a3 += x[i + 3];
    }
    for (; i < n; i++) a0 += x[i];
    const out = allocHost(dtypeOfArray(x), 1);
    out[0] = (a0 + a1) + (a2 + a3);
    return out;
  }
  const leading = axes.length > 0 && axes.length < shape.length && [...axes].sort((a, b) => a - b).every((a, i) => a === i);
  if (leading) {
    const rows = sizeOf(shape.slice(0, axes.length));
    return sumLeading(x, rows, sizeOf(shape.slice(axes.length)), columnSums);
  }
  return reduce(x, shape, axes, 0, (acc, v) => acc + v);
}

export function max(x: TypedArray, shape: Shape, axes: readonly number[]): TypedArray {
  return reduce(x, shape, axes, -Infinity, (acc, v) => (v > acc || Number.isNaN(v) ? v : acc));
}
