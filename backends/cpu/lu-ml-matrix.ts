// The LU family on the CPU: ml-matrix's LU with partial pivoting, one square matrix of the batch
// at a time. Row-major typed arrays are converted to ml-matrix's row storage and back here.
// Cost O(n³) per matrix. Non-finite input is refused (LU of NaN/Inf is meaningless).

import { LuDecomposition, Matrix } from 'ml-matrix';
import type { SquareParams } from '../../engine/backend.js';
import { allocHost, dtypeOfArray, type TypedArray } from '../../engine/dtype.js';
import { permutationSign, signedLogDet } from './signed-log-det.js';

function matrixAt(op: string, x: TypedArray, b: number, rows: number, cols: number, what = 'matrix'): Matrix {
  const start = b * rows * cols;
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = x[start + i * cols + j];
      if (!Number.isFinite(v)) {
        throw new Error(`${op}: ${what} ${b} of the batch has a non-finite entry ${v} at [${i},${j}]`);
      }
      m.set(i, j, v);
    }
  }
  return m;
}

function writeAt(out: TypedArray, b: number, m: Matrix): void {
  const rows = m.rows;
  const cols = m.columns;
  const start = b * rows * cols;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[start + i * cols + j] = m.get(i, j);
}

function luOf(op: string, a: TypedArray, b: number, n: number, mustBeRegular: boolean): LuDecomposition {
  const lu = new LuDecomposition(matrixAt(op, a, b, n, n));
  if (mustBeRegular && lu.isSingular()) {
    throw new Error(`${op}: matrix ${b} of the batch ([${n},${n}]) is singular`);
  }
  return lu;
}

/**
 * X with A X = B for each matrix of a batch: A [batch, n, n], B [batch, n, nrhs].
 * ml-matrix's LU with partial pivoting, O(n³) each.
 */
export function solve(a: TypedArray, rhs: TypedArray, p: SquareParams, nrhs: number): TypedArray {
  const out = allocHost(dtypeOfArray(a), p.batch * p.n * nrhs);
  for (let b = 0; b < p.batch; b++) {
    const x = luOf('solve', a, b, p.n, true).solve(matrixAt('solve', rhs, b, p.n, nrhs, 'right-hand side'));
    writeAt(out, b, x);
  }
  return out;
}

/** A⁻¹ for each matrix of a batch [batch, n, n], by ml-matrix's LU with partial pivoting. O(n³) each. */
export function inv(a: TypedArray, p: SquareParams): TypedArray {
  const identity = Matrix.eye(p.n, p.n);
  const out = allocHost(dtypeOfArray(a), p.batch * p.n * p.n);
  for (let b = 0; b < p.batch; b++) writeAt(out, b, luOf('inv', a, b, p.n, true).solve(identity));
  return out;
}

/** det A = sign(P)·Π U_ii (signed-log-det.ts), one ml-matrix LU per matrix of the batch. */
export function slogdet(a: TypedArray, p: SquareParams): { sign: TypedArray; logabsdet: TypedArray } {
  const sign = allocHost(dtypeOfArray(a), p.batch);
  const logabsdet = allocHost(dtypeOfArray(a), p.batch);
  for (let b = 0; b < p.batch; b++) {
    const lu = luOf('slogdet', a, b, p.n, false);
    const u = lu.upperTriangularMatrix;
    const r = signedLogDet((i) => u.get(i, i), p.n, permutationSign(lu.pivotPermutationVector));
    sign[b] = r.sign;
    logabsdet[b] = r.logabsdet;
  }
  return { sign, logabsdet };
}

/**
 * ml-matrix's LU as the CPU backend's LU family: `createCpuBackend({ lu: mlMatrixLu })`. Its own
 * entry point (relgrad/backends/cpu/ml-matrix), so that only code asking for it bundles ml-matrix.
 */
export const mlMatrixLu = { name: 'ml-matrix', solve, inv, slogdet };
