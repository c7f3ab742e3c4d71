// Host matrices (rows = samples) and their checked conversion to tensors.

import { fromHost } from '../engine/create.js';
import type { Backend } from '../engine/backend.js';
import type { DType } from '../engine/dtype.js';
import { fmt } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';

/**
 * A dense row-major host matrix: rows are samples, `data[i * cols + j]` is sample i, feature j.
 * `HostMatrix<Float64Array>` where the values are known to be float64 (the data loaders').
 */
export interface HostMatrix<T extends Float64Array | Float32Array = Float64Array | Float32Array> {
  data: T;
  rows: number;
  cols: number;
}

/** Data for a flow: a [N, D] tensor or a host matrix (rows are samples). */
export type DataInput = Tensor | HostMatrix;

/**
 * Throws unless `m` is a well-formed host matrix: rows and cols non-negative integers and exactly
 * rows × cols values (a matrix claiming more rows than its data holds would read zeros or garbage).
 */
function assertHostMatrix(where: string, m: HostMatrix): void {
  if (typeof m !== 'object' || m === null || !(m.data instanceof Float64Array || m.data instanceof Float32Array)) {
    throw new Error(`${where}: expected a Tensor or a host matrix { data: Float64Array | Float32Array, rows, cols }`);
  }
  const { rows, cols, data } = m;
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new Error(`${where}: rows and cols must be non-negative integers, got rows ${String(rows)}, cols ${String(cols)}`);
  }
  if (data.length !== rows * cols) {
    throw new Error(`${where}: the matrix claims ${rows} rows × ${cols} cols = ${rows * cols} values but its data holds ${data.length}`);
  }
}

/** Throws naming row and column when a value is NaN or ±Infinity (after checking the shape). */
export function assertFinite(where: string, m: HostMatrix): void {
  assertHostMatrix(where, m);
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new Error(`${where}: value ${data[i]} at row ${Math.floor(i / cols)}, column ${i % cols} is not finite`);
    }
  }
}

/**
 * The tensor counterpart of assertFinite for a [B, D] batch: one read-back, O(B·D), so a tensor
 * holding NaN/Inf is refused naming row and column just as a host matrix is.
 */
export function assertFiniteTensor(where: string, x: Tensor): void {
  const data = x.dataSync();
  const cols = x.shape[1] ?? 1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new Error(`${where}: value ${data[i]} at row ${Math.floor(i / cols)}, column ${i % cols} is not finite`);
    }
  }
}

/** Rows [start, end) of a host matrix, optionally in a given order, as a [n, cols] tensor. */
export function rowsToTensor(m: HostMatrix, order: ArrayLike<number> | null, start: number, end: number, dtype: DType, backend: Backend): Tensor {
  const n = end - start;
  const out = dtype === 'float64' ? new Float64Array(n * m.cols) : new Float32Array(n * m.cols);
  for (let r = 0; r < n; r++) {
    const src = order === null ? start + r : order[start + r];
    out.set(m.data.subarray(src * m.cols, (src + 1) * m.cols), r * m.cols);
  }
  return fromHost(out, [n, m.cols], { dtype, backend });
}

/** Checks a batch's shape against the model's dimension. */
export function assertBatch(op: string, x: Tensor, dim: number): void {
  if (x.rank !== 2 || x.shape[1] !== dim) {
    throw new Error(`${op}: expected a batch of shape [B, ${dim}], got ${fmt(x.shape)}`);
  }
}

export function toHostMatrix(x: Tensor): HostMatrix {
  const data = x.dataSync();
  return { data, rows: x.shape[0], cols: x.shape[1] };
}
