// The relative gradient (Gresele et al., NeurIPS 2020) for every dense layer — with biases by the
// projected relative gradient of Ŵ = [[W, b], [0, 1]] (flow/layers/dense.ts) — and the Euclidean
// gradient for every other layer: the mixed update of docs/layers.md. For the paper's model this
// is exactly the paper's method: per layer three B×D×D products, no inverse. O(L·B·D²).

import type { Tensor } from '../../engine/tensor.js';
import type { Flow, Gradient } from '../model.js';
import { handWrittenGradient } from './backprop.js';

/**
 * The relative gradient (Gresele et al., NeurIPS 2020) of −mean log p(x) on a batch x [B, D] for the dense layers,
 * the Euclidean gradient for the others. No matrix inverse; O(L·B·D²).
 */
export function relativeGradient(flow: Flow, x: Tensor, context?: Tensor): Gradient {
  return flow.gradientOf(handWrittenGradient(flow, x, 'relative', context));
}
