// The baseline every run reports beside its flow: the full-covariance Gaussian fitted to the same
// training rows, scored on the same test rows by the same evaluate() (flow/baselines/gaussian.ts).
// Rows standardised by x ↦ (x − μ)/σ are an affine image of the data, so the Gaussian fitted to
// them, with Σ log σ subtracted, is the Gaussian of the original rows: `logDet` brings both the
// flow's and the baseline's numbers back to the data's units. Cost O(N·D²) for the covariance,
// O(D³) for its Cholesky factor, O(N·D²) to score the test rows.

import { fitGaussianFlow } from '../baselines/gaussian.js';
import { evaluate, type Evaluation } from '../evaluate.js';
import type { HostMatrix } from '../matrix.js';

/** The full-covariance Gaussian of `train` scored on `test`, in nats, minus `logDet` (Σ log σ of a standardisation, default 0). */
export function gaussianBaseline(train: HostMatrix, test: HostMatrix, options: { dtype: 'float64' | 'float32'; logDet?: number }): Evaluation {
  const scaled = evaluate(fitGaussianFlow(train, { dtype: options.dtype }), test);
  return { ...scaled, mean: scaled.mean - (options.logDet ?? 0) };
}
