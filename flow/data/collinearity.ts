// Columns that are (to within rounding) linear combinations of others: the training rows then lie
// on a lower-dimensional subspace, where a density is infinite. The flow's Gaussian start whitens
// the data by the Cholesky factor of its covariance; such a column makes that factor singular
// (a duplicated column gave "pivot 3 is -2.22e-16") or nearly so (an exactly collinear one trained
// to a loss of 3e12). Found before training by a Cholesky factorisation of the correlation matrix
// (float64) that skips dependent columns: column j's squared pivot is 1 − R²_j, the fraction of its
// variance left after regressing it on the earlier independent columns.
//
// Threshold: a column is dependent when 1 − R²_j < 1e-10 (its residual standard deviation is below
// 1e-5 of its own). Rounding alone gives squared pivots of order 1e-16 to 1e-13 (the covariance's
// float64 sums; a CSV printed to ~6 digits), so 1e-10 sits above them, and below it the whitened
// direction is stretched by more than 1e5: float32 rounding of the input (6e-8 of its scale) would
// then move it by ≥ 6e-3 of a unit, so the likelihood there measures rounding, not data.
// Cost: O(M·D²) for the covariance of M = min(N, 10·D + 1000) rows (a flagged column is confirmed on
// all N rows: a relation that holds on every row holds on any subset, so only a refusal needs all
// rows) and O(D³/3) for the factorisation.

import { meanCovariance } from '../covariance.js';
import type { HostMatrix } from '../matrix.js';

/** 1 − R² below which a column counts as a linear combination of the others (see the header). */
export const COLLINEAR_RESIDUAL = 1e-10;

export interface DependentColumn {
  /** 0-based column index */
  column: number;
  /** 0-based indices of the earlier columns it is a combination of */
  of: number[];
  /** 1 − R²: its variance fraction left after regressing on them */
  residual: number;
  /** true when it equals one other column value for value */
  duplicate: boolean;
}

/** Evenly spaced rows, at most `max` of them. */
function someRows(m: HostMatrix, max: number): HostMatrix {
  if (m.rows <= max) return m;
  const out = new Float64Array(max * m.cols);
  for (let i = 0; i < max; i++) {
    const r = Math.floor((i * m.rows) / max);
    for (let j = 0; j < m.cols; j++) out[i * m.cols + j] = m.data[r * m.cols + j];
  }
  return { data: out, rows: max, cols: m.cols };
}

/** Columns that are linear combinations of earlier ones (none: []). Expects no constant column. */
export function dependentColumns(m: HostMatrix): DependentColumn[] {
  const sample = someRows(m, 10 * m.cols + 1000);
  const found = dependentIn(sample);
  // a subset can only add dependencies (a column constant on the subset, say): confirm on all rows
  return found.length === 0 || sample === m ? found : dependentIn(m);
}

function dependentIn(m: HostMatrix): DependentColumn[] {
  const d = m.cols;
  const { cov } = meanCovariance(m);
  const s = new Float64Array(d);
  for (let j = 0; j < d; j++) s[j] = Math.sqrt(cov[j * d + j]);
  const corr = (i: number, j: number): number => cov[i * d + j] / (s[i] * s[j]);
  // L: rows of the Cholesky factor of the correlation matrix, restricted to the independent columns
  const L = new Float64Array(d * d);
  const basis: number[] = [];
  const dependent: DependentColumn[] = [];
  for (let j = 0; j < d; j++) {
    if (!(s[j] > 0)) {
      dependent.push({ column: j, of: [], residual: 0, duplicate: false });
      continue;
    }
    let pivot = 1;
    for (let a = 0; a < basis.length; a++) {
      const b = basis[a];
      let v = corr(j, b);
      for (let c = 0; c < a; c++) v -= L[j * d + basis[c]] * L[b * d + basis[c]];
      v /= L[b * d + b];
      L[j * d + b] = v;
      pivot -= v * v;
    }
    if (pivot >= COLLINEAR_RESIDUAL) {
      L[j * d + j] = Math.sqrt(pivot);
      basis.push(j);
      continue;
    }
    // regression coefficients on the basis (correlation units): solve Lᵀβ = l_j by back substitution
    const beta = new Float64Array(basis.length);
    for (let a = basis.length - 1; a >= 0; a--) {
      let v = L[j * d + basis[a]];
      for (let c = a + 1; c < basis.length; c++) v -= L[basis[c] * d + basis[a]] * beta[c];
      beta[a] = v / L[basis[a] * d + basis[a]];
    }
    const largest = beta.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
    const of = basis.filter((_, a) => Math.abs(beta[a]) > 1e-6 * largest);
    dependent.push({ column: j, of, residual: Math.max(pivot, 0), duplicate: of.length === 1 && sameColumn(m, j, of[0]) });
  }
  return dependent;
}

function sameColumn(m: HostMatrix, i: number, j: number): boolean {
  for (let r = 0; r < m.rows; r++) if (m.data[r * m.cols + i] !== m.data[r * m.cols + j]) return false;
  return true;
}
