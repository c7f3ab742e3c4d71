// Plain host matrices and train/validation/test splits shared by every data loader, plus the
// small column helpers (slice, select, mean/std, standardise) the MAF preprocessing is built from.



/** A data set cut into three parts; `trueLogDensity` is set when the density is known exactly. */
import type { HostMatrix } from '../matrix.js';

export type { HostMatrix };
/** A data set cut into train, validation and test matrices (rows are samples), with the exact log-density where known. */
export interface Splits {
  train: HostMatrix<Float64Array>;
  validation: HostMatrix<Float64Array>;
  test: HostMatrix<Float64Array>;
  name: string;
  trueLogDensity?: (x: HostMatrix<Float64Array>) => Float64Array;
}

export function zerosMatrix(rows: number, cols: number): HostMatrix<Float64Array> {
  return { data: new Float64Array(rows * cols), rows, cols };
}

/** Build a matrix from nested arrays (tests and small literals). */
export function matrixFromRows(rows: readonly (readonly number[])[]): HostMatrix<Float64Array> {
  const cols = rows.length === 0 ? 0 : rows[0].length;
  const m = zerosMatrix(rows.length, cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new Error(`matrixFromRows: row ${i} has ${r.length} values, expected ${cols}`);
    m.data.set(r, i * cols);
  });
  return m;
}

/** Rows [start, end) as a copy. */
export function sliceRows(m: HostMatrix<Float64Array>, start: number, end: number): HostMatrix<Float64Array> {
  const s = Math.max(0, Math.min(start, m.rows));
  const e = Math.max(s, Math.min(end, m.rows));
  return { data: m.data.slice(s * m.cols, e * m.cols), rows: e - s, cols: m.cols };
}

/** The rows listed in `index`, in that order (a copy). */
export function takeRows(m: HostMatrix<Float64Array>, index: ArrayLike<number>): HostMatrix<Float64Array> {
  const out = zerosMatrix(index.length, m.cols);
  for (let i = 0; i < index.length; i++) {
    const r = index[i];
    out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return out;
}

/** The columns listed in `columns`, in that order (a copy). */
export function selectColumns(m: HostMatrix<Float64Array>, columns: readonly number[]): HostMatrix<Float64Array> {
  const out = zerosMatrix(m.rows, columns.length);
  for (let i = 0; i < m.rows; i++) {
    const src = i * m.cols;
    const dst = i * columns.length;
    for (let k = 0; k < columns.length; k++) out.data[dst + k] = m.data[src + columns[k]];
  }
  return out;
}

/** Stack matrices with the same column count on top of each other. */
export function vstack(parts: readonly HostMatrix<Float64Array>[]): HostMatrix<Float64Array> {
  const cols = parts[0].cols;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const out = zerosMatrix(rows, cols);
  let offset = 0;
  for (const p of parts) {
    if (p.cols !== cols) throw new Error(`vstack: ${p.cols} columns, expected ${cols}`);
    out.data.set(p.data, offset);
    offset += p.data.length;
  }
  return out;
}

/**
 * Column means and standard deviations, two-pass. `ddof` = 0 gives numpy's `std()` (divide by N),
 * `ddof` = 1 gives pandas' `std()` (divide by N − 1). O(N·D).
 */
export function columnMeanStd(m: { data: ArrayLike<number>; rows: number; cols: number }, ddof: 0 | 1): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(m.cols);
  const std = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) mean[j] += m.data[i * m.cols + j];
  }
  for (let j = 0; j < m.cols; j++) mean[j] /= m.rows;
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const d = m.data[i * m.cols + j] - mean[j];
      std[j] += d * d;
    }
  }
  for (let j = 0; j < m.cols; j++) std[j] = Math.sqrt(std[j] / (m.rows - ddof));
  return { mean, std };
}

/** (x − mean) / std per column, in place on `m`; returns `m`. */
export function standardizeInPlace(m: HostMatrix<Float64Array>, mean: Float64Array, std: Float64Array): HostMatrix<Float64Array> {
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      const k = i * m.cols + j;
      m.data[k] = (m.data[k] - mean[j]) / std[j];
    }
  }
  return m;
}

/**
 * MAF's tail split: test = the last ⌊fracTest·N⌋ rows, validation = the last ⌊fracValidation·M⌋
 * rows of the remaining M, train = the rest (no shuffling; used by POWER, GAS, MINIBOONE).
 */
export function tailSplit(
  m: HostMatrix<Float64Array>,
  fracValidation = 0.1,
  fracTest = 0.1,
): { train: HostMatrix<Float64Array>; validation: HostMatrix<Float64Array>; test: HostMatrix<Float64Array> } {
  const nTest = Math.floor(fracTest * m.rows);
  const rest = m.rows - nTest;
  const nValidation = Math.floor(fracValidation * rest);
  return {
    train: sliceRows(m, 0, rest - nValidation),
    validation: sliceRows(m, rest - nValidation, rest),
    test: sliceRows(m, rest, m.rows),
  };
}
