// The ordinary (Euclidean) gradient of DESIGN §2, method 1:
//   G_l = ∂ℓ/∂W_l = (1/B) Δ_lᵀ Z_{l-1} - W_l^{-T},   g_l = (1/B) Δ_lᵀ 1
// W^{-T} from an explicit inverse (LU): O(L·D³) on top of the O(L·B·D²) products.

import { gemm } from '../../engine/fused.js';
import * as ops from '../../engine/ops.js';
import { isRecording } from '../../engine/tape.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Flow, Gradient } from '../model.js';
import { backpropErrors, biasGradient } from './deltas.js';

export function ordinaryGradient(flow: Flow, x: Tensor): Gradient {
  const { W, b } = flow.params;
  const trace = flow.trace(x);
  const deltas = backpropErrors(flow, trace);
  const B = x.shape[0];
  const dW: Tensor[] = [];
  const db: Tensor[] = [];
  for (let l = 0; l < flow.layers; l++) {
    const invT = ops.swapLastAxes(ops.inv(W[l]));
    if (isRecording([deltas[l], trace.zs[l], invT])) {
      dW.push(ops.sub(ops.div(ops.matmul(deltas[l], trace.zs[l], { transA: true }), B), invT));
    } else {
      dW.push(gemm(deltas[l], trace.zs[l], { transA: true, alpha: 1 / B, c: invT, beta: -1 })); // one fused product
    }
    if (b.length > 0) db.push(biasGradient(deltas[l]));
  }
  return { dW, db };
}
