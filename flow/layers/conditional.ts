// What every conditional layer shares (docs/conditional.md): the context check, and the Euclidean
// backward by the engine's reverse mode with the context held constant,
//   φ(x, θ) = Σ_n G_out,n · y_n(x, θ; c_n) − Σ_n log|det J_n(x, θ; c_n)|,
//   G_in = ∂φ/∂x,  dθ = (1/B) ∂φ/∂θ   (θ: the layer's own parameters and its conditioner's),
// which is the layer contract of layer.ts. One reverse pass over the forward: about twice its cost.

import { grad } from '../../engine/autodiff.js';
import * as ops from '../../engine/ops.js';
import { fmt } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import type { LayerBackward, LayerForward } from './layer.js';

/** The context rows a conditional layer was given, checked against its batch and width (naming both shapes). */
export function requireContext(type: string, context: Tensor | undefined, batch: number, contextDim: number): Tensor {
  if (context === undefined) throw new Error(`conditional ${type} layer: needs the context rows [${batch}, ${contextDim}] (pass { context } to the flow's method)`);
  if (context.rank !== 2 || context.shape[0] !== batch || context.shape[1] !== contextDim) {
    throw new Error(`conditional ${type} layer: context has shape ${fmt(context.shape)}, expected [${batch}, ${contextDim}] for a batch of ${batch}`);
  }
  return context;
}

/** G_in and (1/B)·∂φ/∂θ of the header for a layer whose forward is written with engine ops. */
export function backwardByAutodiff(
  forward: (x: Tensor, params: readonly Tensor[]) => LayerForward,
  x: Tensor,
  params: readonly Tensor[],
  gOut: Tensor,
  needInput: boolean,
): LayerBackward {
  const B = x.shape[0];
  const first = needInput ? 0 : 1;
  const argnums = Array.from({ length: params.length + 1 - first }, (_, i) => i + first);
  const phi = (xIn: Tensor, ...theta: Tensor[]): Tensor => {
    const { y, logDet } = forward(xIn, theta);
    const logDets = logDet.rank === 0 ? ops.mul(logDet, B) : ops.sum(logDet);
    return ops.sub(ops.sum(ops.mul(gOut, y)), logDets);
  };
  const g = grad(phi, { argnums })(x, ...params);
  return { gIn: needInput ? g[0] : null, grads: g.slice(needInput ? 1 : 0).map((t) => ops.div(t, B)) };
}
