// The ordinary (Euclidean) gradient ∂ℓ/∂θ of every layer by hand; for a dense layer
//   dW = (1/B) G_outᵀ X - W⁻ᵀ,   db = (1/B) G_outᵀ 1
// with W⁻ᵀ from an explicit inverse (LU): O(L·D³) on top of the O(L·B·D²) products.

import type { Tensor } from '../../engine/tensor.js';
import type { Flow, Gradient } from '../model.js';
import { handWrittenGradient } from './backprop.js';

/**
 * The Euclidean gradient of −mean log p(x) on a batch x [B, D], hand-written;
 * dense layers need W⁻ᵀ, O(L·(B·D² + D³)).
 */
export function ordinaryGradient(flow: Flow, x: Tensor, context?: Tensor): Gradient {
  return flow.gradientOf(handWrittenGradient(flow, x, 'ordinary', context));
}
