// Whether a data set can be fitted meaningfully by a dense flow, and the opt-in standardisation.
// A constant column lets the likelihood grow without bound (the flow shrinks that direction to a
// point); with rows ≤ columns the D×D weights fit the sample exactly. Columns scaled far from 1
// train badly with a learning rate tuned for unit scale. Standardising z = (x − μ)/σ changes the
// log-density by log|det ∂z/∂x| = −Σ_j log σ_j, so log p(x) = log p(z) − Σ_j log σ_j (original units).

import type { HostMatrix } from '../matrix.js';
import { COLLINEAR_RESIDUAL, dependentColumns, type DependentColumn } from './collinearity.js';
import { columnMeanStd } from './dataset.js';

/** Per-column mean and standard deviation (divide by N), and whether the column is constant. O(N·D). */
function columnStats(m: HostMatrix): { mean: Float64Array; std: Float64Array; constant: number[] } {
  const { rows, cols, data } = m;
  const { mean, std } = columnMeanStd(m, 0);
  // min = max is exact; a two-pass std of equal values can come out a few ulps above 0
  const lo = new Float64Array(cols).fill(Infinity);
  const hi = new Float64Array(cols).fill(-Infinity);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  const constant: number[] = [];
  for (let j = 0; j < cols; j++) if (rows > 0 && lo[j] === hi[j]) constant.push(j);
  return { mean, std, constant };
}

/** Lists column indices, 1-based as a spreadsheet or CSV line shows them; the first 10, then a count. */
function listColumns(columns: readonly number[]): string {
  const shown = columns.slice(0, 10).map((j) => String(j + 1));
  return columns.length > 10 ? `${shown.join(', ')} and ${columns.length - 10} more` : shown.join(', ');
}

/**
 * Throws when training data cannot be fitted meaningfully: no more rows than columns, a constant
 * (zero-variance) column, or a column that is a linear combination of others (collinearity.ts),
 * each named 1-based.
 */
export function assertFittable(where: string, m: HostMatrix): void {
  if (m.rows > 0 && m.rows <= m.cols) {
    throw new Error(
      `${where}: ${m.rows} training rows for ${m.cols} columns: a dense flow needs more rows than columns ` +
        `(its ${m.cols}×${m.cols} weights would fit the sample exactly and the likelihood would be meaningless)`,
    );
  }
  const { constant } = columnStats(m);
  if (constant.length > 0) {
    throw new Error(
      `${where}: column${constant.length > 1 ? 's' : ''} ${listColumns(constant)} (1-based) ` +
        `${constant.length > 1 ? 'are' : 'is'} constant in the training rows (zero variance): the likelihood would grow ` +
        'without bound as the flow shrinks that direction; drop the column' + (constant.length > 1 ? 's' : ''),
    );
  }
  const dependent = dependentColumns(m);
  if (dependent.length > 0) {
    const shown = dependent.slice(0, 5).map(describeDependent).join('; ');
    const more = dependent.length > 5 ? `; and ${dependent.length - 5} more` : '';
    throw new Error(
      `${where} (columns counted from 1): ${shown}${more}: the training rows lie on a lower-dimensional subspace, where the density ` +
        `is infinite (the Gaussian start cannot whiten them); drop ${dependent.length > 1 ? 'those columns' : 'that column'}`,
    );
  }
}

function describeDependent(c: DependentColumn): string {
  if (c.duplicate) return `column ${c.column + 1} duplicates column ${c.of[0] + 1}`;
  if (c.of.length === 0) return `column ${c.column + 1} is constant`;
  return `column ${c.column + 1} is a linear combination of column${c.of.length > 1 ? 's' : ''} ${listColumns(c.of)} ` +
    `(the fraction of its variance they leave, 1 − R², is ${c.residual.toExponential(1)}, below ${COLLINEAR_RESIDUAL})`;
}

/** A notice when column scales are far from 1 (std outside [1e-3, 1e3]), or null. */
export function scaleWarning(where: string, m: HostMatrix): string | null {
  const { std } = columnStats(m);
  let lo = Infinity;
  let hi = 0;
  for (const s of std) {
    lo = Math.min(lo, s);
    hi = Math.max(hi, s);
  }
  if (lo >= 1e-3 && hi <= 1e3) return null;
  return `${where}: column standard deviations range from ${lo.toExponential(1)} to ${hi.toExponential(1)}, far from 1: ` +
    'training with the default learning rate will go poorly; --standardize rescales each column (log-likelihoods stay in the original units)';
}

/**
 * Throws when a column's mean is so far from 0, in units of its spread, that one optimiser step
 * moves it by more than that spread. The flow's start is right (the affine layer standardises:
 * u = −log σ, t = −μ/σ), but y = x·e^u + t has ∂y/∂u = x·e^u ≈ μ/σ at the data, so the first Adam
 * steps (each parameter moves by about lr) shift the column by lr·|μ|/σ standard deviations: 1e4 on
 * N(0,1) + 1e6 at lr 0.01, a loss of 1.4e7 after 3 epochs against the Gaussian's 4.9. Refused when
 * lr·|μ|/σ > 1; centring removes the problem and changes no log-likelihood (a shift has log|det| 0).
 */
export function assertCentredEnough(where: string, m: HostMatrix, lr: number, advice: string): void {
  const { mean, std } = columnStats(m);
  const far: number[] = [];
  for (let j = 0; j < m.cols; j++) if (std[j] > 0 && (lr * Math.abs(mean[j])) / std[j] > 1) far.push(j);
  if (far.length === 0) return;
  const j = far.reduce((a, b) => (Math.abs(mean[b]) / std[b] > Math.abs(mean[a]) / std[a] ? b : a));
  const ratio = Math.abs(mean[j]) / std[j];
  throw new Error(
    `${where}: column${far.length > 1 ? 's' : ''} ${listColumns(far)} (1-based) ${far.length > 1 ? 'have means' : 'has a mean'} far from 0 ` +
      `for ${far.length > 1 ? 'their' : 'its'} spread (column ${j + 1}: mean ${mean[j].toPrecision(3)}, standard deviation ${std[j].toPrecision(3)}): ` +
      `one step at learning rate ${lr} would move it by ${(lr * ratio).toPrecision(3)} standard deviations and training could not settle; ` +
      `${advice}`,
  );
}

/** z = (x − mean)/std per column, fitted on training rows. */
export interface Standardization {
  mean: number[];
  std: number[];
}

export function fitStandardization(train: HostMatrix): Standardization {
  const { mean, std, constant } = columnStats(train);
  if (constant.length > 0) throw new Error(`standardize: column ${constant[0] + 1} (1-based) is constant`);
  return { mean: Array.from(mean), std: Array.from(std) };
}

/** A standardised copy. O(N·D). */
export function standardize(m: HostMatrix, s: Standardization): HostMatrix<Float64Array> {
  const out = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) out[i * m.cols + j] = (m.data[i * m.cols + j] - s.mean[j]) / s.std[j];
  }
  return { data: out, rows: m.rows, cols: m.cols };
}

/** x = z·std + mean, in place. O(N·D). */
export function unstandardizeInPlace(m: HostMatrix<Float64Array>, s: Standardization): HostMatrix<Float64Array> {
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j] = m.data[i * m.cols + j] * s.std[j] + s.mean[j];
  }
  return m;
}

/** Σ_j log std_j: subtract it from a log-likelihood of standardised data to get original units. */
export function standardizationLogDet(s: Standardization): number {
  return s.std.reduce((acc, v) => acc + Math.log(v), 0);
}
