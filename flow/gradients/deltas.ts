// Backpropagated errors of DESIGN §2, by hand with engine ops (rows = samples):
//   Δ_L = -∂ log p_s(S)/∂S
//   Δ_l = σ'(Y_l) ⊙ (Δ_{l+1} W_{l+1}) - σ''(Y_l)/σ'(Y_l)        l < L
// Row n of Δ_l is B·∂ℓ/∂y_l(x_n) for the loss ℓ = -(1/B) Σ log p(x_n) without its log|det| term.
// Cost: one B×D×D product per layer below the top.

import { activationPass } from '../../engine/fused.js';
import * as ops from '../../engine/ops.js';
import { isRecording } from '../../engine/tape.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Flow, ForwardTrace } from '../model.js';

export function backpropErrors(flow: Flow, trace: ForwardTrace): Tensor[] {
  const { W } = flow.params;
  const L = flow.layers;
  const deltas = new Array<Tensor>(L);
  deltas[L - 1] = flow.base.negScore(trace.s);
  for (let l = L - 2; l >= 0; l--) {
    const back = ops.matmul(deltas[l + 1], W[l + 1]);
    if (isRecording([trace.ys[l], back])) {
      const { deriv, dLogDeriv } = flow.activation.derivatives(trace.ys[l]);
      deltas[l] = ops.sub(ops.mul(deriv, back), dLogDeriv);
    } else {
      deltas[l] = activationPass('backprop', flow.activation.kernel, trace.ys[l], back); // one fused pass
    }
  }
  return deltas;
}

/** g_l = (1/B) Δ_lᵀ 1: the bias gradient, a column mean. */
export function biasGradient(delta: Tensor): Tensor {
  return ops.mean(delta, 0);
}
