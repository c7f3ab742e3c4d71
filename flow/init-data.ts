// Data-dependent initialisation (docs/layers.md, "Starting at the Gaussian"): layer by layer from
// the data side, each layer whose type defines `initFromData` is set from the training data as it
// arrives there (the types' own files say how):
//   affine:          per-unit standardisation, u = -log std, t = -mean/std
//   the first dense: the whitening of the full-covariance Gaussian's maximum-likelihood fit,
//                    W = C⁻¹ (Σ = C Cᵀ, Cholesky), b = -W μ
//   later dense:     the identity; splines: the identity; other types: unchanged.
// When every non-dense layer is an identity or affine at that point (a stack of affine, spline and
// dense layers), the fresh flow *is* the Gaussian fitted to the same rows: its log-likelihood equals
// the Gaussian baseline's before the first step, and training starts from there. (A first dense
// layer without a bias cannot remove the mean; an affine layer before it can.)
// Cost: one O(N·D²) covariance and one O(D³) Cholesky, plus a pass of the data through the layers.
// A conditional stack (docs/conditional.md) is set the same way from x alone: its conditioners'
// outputs start at zero, so the fresh flow is the Gaussian fitted to x, whatever c; a definition
// gives only its leading (unconditional) parameters and the conditioner's are kept.

import { tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { checkContext } from './context.js';
import { assertFinite, rowsToTensor, type HostMatrix } from './matrix.js';
import type { Flow } from './model.js';

/** The rows as they arrive at the input of layer `k` (float64 on the host), in batches. */
function dataAt(flow: Flow, data: HostMatrix, k: number, context: HostMatrix | undefined): HostMatrix<Float64Array> {
  const out = new Float64Array(data.rows * data.cols);
  const P = flow.layerParams;
  const batch = 2000;
  for (let start = 0; start < data.rows; start += batch) {
    const end = Math.min(data.rows, start + batch);
    const values = tidy(() => {
      let h: Tensor = rowsToTensor(data, null, start, end, flow.dtype, flow.backend);
      const c = context === undefined ? undefined : rowsToTensor(context, null, start, end, flow.dtype, flow.backend);
      for (let j = 0; j < k; j++) h = flow.stack[j].map(h, P[j], c);
      return h.dataSync();
    });
    out.set(values, start * data.cols);
  }
  return { data: out, rows: data.rows, cols: data.cols };
}

/** Sets the flow's parameters from the training rows (and, for a conditional flow, their context rows) as described in the header. */
export function initializeFromData(flow: Flow, data: HostMatrix, context?: HostMatrix): void {
  if (data.cols !== flow.dim) throw new Error(`initializeFromData: data has ${data.cols} columns, the flow has dim ${flow.dim}`);
  if (data.rows < 2) throw new Error(`initializeFromData: needs at least 2 rows to estimate a covariance, got ${data.rows}`);
  assertFinite('initializeFromData', data);
  const c = checkContext('initializeFromData', context, flow.contextDim, data.rows);
  const seen = new Map<string, number>();
  flow.stack.forEach((layer, k) => {
    const sameTypeBefore = seen.get(layer.type) ?? 0;
    seen.set(layer.type, sameTypeBefore + 1);
    const definition = flow.layerTypes.get(layer.type);
    const next = definition?.initFromData?.(layer, () => dataAt(flow, data, k, c), { sameTypeBefore }) ?? null;
    if (next === null) return;
    const replaced: (Tensor | Float64Array)[][] = flow.layerParams;
    replaced[k] = [...next, ...replaced[k].slice(next.length)];
    flow.setParams({ layers: replaced });
  });
}
