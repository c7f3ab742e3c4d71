// Mean, MLE covariance and its Cholesky factor of host rows: what the Gaussian baseline, the dense
// layer's whitening initialisation and the collinearity check share. A leaf of flow/ (engine imports
// only), so the model and the layers that build it can both use it without an import cycle.

import { fromHost } from '../engine/create.js';
import { gemm } from '../engine/fused.js';
import { float64Backend } from '../engine/state.js';
import '../index.js'; // the package root provides the backends float64Backend() creates (docs/engine-graph.md)
import type { HostMatrix } from './matrix.js';

/**
 * Mean and MLE covariance (divisor N) of the rows: the rows centred in float64, then
 * Σ = X_cᵀ X_c / N as one product (the engine's gemm on a float64 backend; O(N·D²)), made
 * exactly symmetric from its lower triangle.
 */
export function meanCovariance(x: HostMatrix): { mean: Float64Array; cov: Float64Array } {
  const { rows: n, cols: d, data } = x;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += data[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const centred = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) centred[r * d + j] = data[r * d + j] - mean[j];
  const xc = fromHost(centred, [n, d], { backend: float64Backend(), dtype: 'float64' });
  const product = gemm(xc, xc, { transA: true, alpha: 1 / n });
  const cov = new Float64Array(product.dataSync());
  product.dispose();
  xc.dispose();
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[j * d + i] = cov[i * d + j];
  return { mean, cov };
}

/** Lower Cholesky factor C of a symmetric positive-definite matrix (row-major). */
export function cholesky(a: Float64Array, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let diag = a[j * d + j];
    for (let k = 0; k < j; k++) diag -= c[j * d + k] * c[j * d + k];
    if (!(diag > 0)) throw new Error(`cholesky: the covariance is not positive definite (pivot ${j} is ${diag})`);
    const cjj = Math.sqrt(diag);
    c[j * d + j] = cjj;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= c[i * d + k] * c[j * d + k];
      c[i * d + j] = s / cjj;
    }
  }
  return c;
}

/** Inverse of a lower-triangular matrix by forward substitution, column by column. O(D³/3). */
export function invertLower(c: Float64Array, d: number): Float64Array {
  const w = new Float64Array(d * d);
  for (let col = 0; col < d; col++) {
    w[col * d + col] = 1 / c[col * d + col];
    for (let i = col + 1; i < d; i++) {
      let s = 0;
      for (let k = col; k < i; k++) s += c[i * d + k] * w[k * d + col];
      w[i * d + col] = -s / c[i * d + i];
    }
  }
  return w;
}
