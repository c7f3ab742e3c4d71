// Data-dependent initialisation (docs/layers.md, "Starting at the Gaussian"): layer by layer from
// the data side, each layer is set from the training data as it arrives there —
//   affine:          per-unit standardisation, u = -log std, t = -mean/std
//   the first dense: the whitening of the full-covariance Gaussian's maximum-likelihood fit,
//                    W = C⁻¹ (Σ = C Cᵀ, Cholesky), b = -W μ
//   later dense:     the identity; splines: the identity; fixed activations: unchanged.
// When every non-dense layer is an identity or affine at that point (a stack of affine, spline and
// dense layers), the fresh flow *is* the Gaussian fitted to the same rows: its log-likelihood equals
// the Gaussian baseline's before the first step, and training starts from there. (A first dense
// layer without a bias cannot remove the mean; an affine layer before it can.)
// Cost: one O(N·D²) covariance and one O(D³) Cholesky, plus a pass of the data through the layers.

import { fromHost } from '../engine/create.js';
import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { cholesky, invertLower, meanCovariance } from './baselines/gaussian.js';
import { assertFinite, rowsToTensor, type HostMatrix } from './matrix.js';
import type { Flow } from './model.js';

/** The rows as they arrive at the input of layer `k` (float64 on the host), in batches. */
function dataAt(flow: Flow, data: HostMatrix, k: number): HostMatrix<Float64Array> {
  const out = new Float64Array(data.rows * data.cols);
  const P = flow.layerParams;
  const batch = 2000;
  for (let start = 0; start < data.rows; start += batch) {
    const end = Math.min(data.rows, start + batch);
    const values = tidy(() => {
      let h: Tensor = rowsToTensor(data, null, start, end, flow.dtype, flow.backend);
      for (let j = 0; j < k; j++) h = flow.stack[j].map(h, P[j]);
      return h.dataSync();
    });
    out.set(values, start * data.cols);
  }
  return { data: out, rows: data.rows, cols: data.cols };
}

/** Sets the flow's parameters from the training rows as described in the header. */
export function initializeFromData(flow: Flow, data: HostMatrix): void {
  if (data.cols !== flow.dim) throw new Error(`initializeFromData: data has ${data.cols} columns, the flow has dim ${flow.dim}`);
  if (data.rows < 2) throw new Error(`initializeFromData: needs at least 2 rows to estimate a covariance, got ${data.rows}`);
  assertFinite('initializeFromData', data);
  const d = flow.dim;
  let whitened = false;
  const up = (a: Float64Array, shape: readonly number[]): Tensor => fromHost(a, shape, { dtype: flow.dtype, backend: flow.backend });
  flow.stack.forEach((layer, k) => {
    const P = flow.layerParams;
    let next: Float64Array[] | null = null;
    if (layer.type === 'affine') {
      const { mean, variance } = columnMoments(dataAt(flow, data, k));
      const u = new Float64Array(d);
      const t = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        const std = Math.sqrt(variance[j]);
        const scale = std > 0 ? 1 / std : 1;
        u[j] = Math.log(scale);
        t[j] = -mean[j] * scale;
      }
      next = [u, t];
    } else if (layer.type === 'dense') {
      const W = new Float64Array(d * d);
      const b = new Float64Array(d);
      if (!whitened) {
        const { mean, cov } = meanCovariance(dataAt(flow, data, k));
        W.set(invertLower(cholesky(cov, d), d));
        for (let i = 0; i < d; i++) {
          let s = 0;
          for (let j = 0; j <= i; j++) s += W[i * d + j] * mean[j];
          b[i] = -s;
        }
        whitened = true;
      } else {
        for (let i = 0; i < d; i++) W[i * d + i] = 1;
      }
      next = layer.paramNames.length > 1 ? [W, b] : [W];
    } else if (layer.type === 'spline') {
      next = layer.initParams(0); // the identity
    }
    if (next === null) return;
    const replaced = P.map((list) => [...list]);
    replaced[k] = next.map((a, j) => up(a, layer.paramShapes[j]));
    flow.setParams({ layers: replaced });
  });
}

/** Per-column mean and variance (divisor N, as the Gaussian's fit). */
function columnMoments(h: HostMatrix<Float64Array>): { mean: Float64Array; variance: Float64Array } {
  const { rows: n, cols: d, data } = h;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += data[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const c = data[r * d + j] - mean[j];
      variance[j] += c * c;
    }
  }
  for (let j = 0; j < d; j++) variance[j] /= n;
  return { mean, variance };
}
