// The relative gradient (Gresele et al., NeurIPS 2020, with biases by the projected relative
// gradient of Ŵ = [[W, b], [0, 1]]; DESIGN §2, method 3):
//   dW_l = (1/B) Δ_lᵀ (Y_l W_l) - W_l
//   db_l = (1/B) Δ_lᵀ (Y_l b_l) + g_l - b_l
// = (∂ℓ/∂Ŵ) ŴᵀŴ without its last row, computed with no inverse and no D×D×D product:
// per layer three B×D×D products (Y W, Δᵀ(YW), and Δ W for the layer below). O(L·B·D²).

import { gemm } from '../../engine/fused.js';
import * as ops from '../../engine/ops.js';
import { isRecording } from '../../engine/tape.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Flow, Gradient } from '../model.js';
import { backpropErrors, biasGradient } from './deltas.js';

export function relativeGradient(flow: Flow, x: Tensor): Gradient {
  const { W, b } = flow.params;
  const trace = flow.trace(x);
  const deltas = backpropErrors(flow, trace);
  const B = x.shape[0];
  const dW: Tensor[] = [];
  const db: Tensor[] = [];
  for (let l = 0; l < flow.layers; l++) {
    const y = trace.ys[l];
    const delta = deltas[l];
    const yW = ops.matmul(y, W[l]);
    if (isRecording([delta, yW, W[l]])) {
      dW.push(ops.sub(ops.div(ops.matmul(delta, yW, { transA: true }), B), W[l]));
    } else {
      dW.push(gemm(delta, yW, { transA: true, alpha: 1 / B, c: W[l], beta: -1 })); // one fused product
    }
    if (b.length > 0) {
      const yb = ops.matmul(y, ops.reshape(b[l], [flow.dim, 1])); // [B, 1]
      const term = ops.reshape(ops.div(ops.matmul(delta, yb, { transA: true }), B), [flow.dim]);
      db.push(ops.sub(ops.add(term, biasGradient(delta)), b[l]));
    }
  }
  return { dW, db };
}
