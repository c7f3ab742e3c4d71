// The autodiff baseline — what a user of a generic autodiff library writes, with no hand formula:
// per-sample Jacobians J(x_n) = ∂s/∂x by the engine's reverse mode (D cotangents in one batched
// backward pass over the whole batch: rows are independent, so the Jacobian of Σ_n s_n w.r.t. X
// holds every J(x_n)), log|det J| by the differentiable LU, and the gradient of
// ℓ = -(1/B) Σ [log p_s(s_n) + log|det J(x_n)|] w.r.t. every parameter of every layer by
// differentiating through all of it (second order). O(B·K·D³) time, O(B·D²)+ memory.

import { grad, jacobian } from '../../engine/autodiff.js';
import * as ops from '../../engine/ops.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Flow, Gradient } from '../model.js';

/**
 * The Euclidean gradient of −mean log p(x) on a batch x [B, D] by the engine's reverse-mode
 * autodiff (a reference for the hand-written ones); a conditional flow's context c [B, C] is held
 * constant, the conditioners differentiated through.
 */
export function autodiffGradient(flow: Flow, x: Tensor, context?: Tensor): Gradient {
  const P = flow.layerParams;
  const sizes = P.map((p) => p.length);
  const regroup = (flat: readonly Tensor[]): Tensor[][] => {
    let at = 0;
    return sizes.map((n) => flat.slice(at, (at += n)));
  };
  const loss = (...params: Tensor[]): Tensor => {
    const Q = regroup(params);
    const f = (X: Tensor): Tensor => flow.trace(X, Q, context).s; // the context is a constant
    const J = jacobian((X) => ops.sum(f(X), 0))(x); // [D, B, D]: J[i, n, j] = ∂s_{n,i}/∂x_{n,j}
    const logDet = ops.logAbsDet(ops.transpose(J, [1, 0, 2])); // [B]
    const logBase = ops.sum(flow.base.logProb(f(x)), 1); // [B]
    return ops.neg(ops.mean(ops.add(logBase, logDet)));
  };
  return flow.gradientOf(regroup(grad(loss)(...P.flat())));
}
