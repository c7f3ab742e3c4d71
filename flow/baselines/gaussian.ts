// The classic baseline: a full-covariance Gaussian fitted by maximum likelihood, expressed as a
// one-layer linear flow so it is evaluated by the same code path as every model:
// s = W x + b with W = C⁻¹ (C the Cholesky factor of Σ = C Cᵀ) and b = -W μ gives
// log p(x) = log N(s; 0, I) + log|det W| = log N(x; μ, Σ). Cost O(N·D² + D³).

import { fromHost } from '../../engine/create.js';
import type { Backend } from '../../engine/backend.js';
import { getBackend } from '../../index.js';
import type { HostMatrix } from '../matrix.js';
import { Flow } from '../model.js';
import { cholesky, invertLower, meanCovariance } from '../covariance.js';

/**
 * The maximum-likelihood full-covariance Gaussian of `train` ([N, D] rows) as a one-layer linear flow
 * s = W(x − μ) with W = C⁻¹, Σ = C Cᵀ. O(N·D² + D³).
 */
export function fitGaussianFlow(train: HostMatrix, options: { backend?: Backend; dtype?: 'float64' | 'float32' } = {}): Flow {
  const backend = options.backend ?? getBackend();
  const d = train.cols;
  const { mean, cov } = meanCovariance(train);
  const W = invertLower(cholesky(cov, d), d);
  const b = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j <= i; j++) s += W[i * d + j] * mean[j];
    b[i] = -s;
  }
  const flow = Flow.create({ dim: d, layers: 1, base: 'normal', bias: true, dtype: options.dtype }, { backend });
  flow.setParams({ W: [fromHost(W, [d, d], { backend, dtype: flow.dtype })], b: [fromHost(b, [d], { backend, dtype: flow.dtype })] });
  return flow;
}
