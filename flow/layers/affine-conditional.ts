// The conditional affine layer (docs/conditional.md): y = x ⊙ e^{u(c)} + t(c) per unit with
//   [u(c), t(c)] = [u, t] + Δ(c),   Δ = the conditioner's output [B, 2D] (zero at the start),
// log|det J_n| = Σ_j u_j(c_n), per sample. Euclidean gradient of u, t and the conditioner by the
// engine's reverse mode (conditional.ts). Exact inverse x = (y − t(c)) ⊙ e^{−u(c)}.

import * as ops from '../../engine/ops.js';
import type { Tensor } from '../../engine/tensor.js';
import type { AffineSpec } from './affine.js';
import { backwardByAutodiff, requireContext } from './conditional.js';
import { applyConditioner, conditionerInit, conditionerLayout, type ResolvedConditionerSpec } from './conditioner.js';
import type { Layer, LayerBackward, LayerContext, LayerForward } from './layer.js';

/** Spec of a conditional affine layer: its conditioner. */
export interface ConditionalAffineSpec extends AffineSpec {
  context: ResolvedConditionerSpec;
}

/** y = x ⊙ e^{u + Δu(c)} + t + Δt(c) per unit (see the header); parameters logScale, shift, then the conditioner's. */
export class ConditionalAffineLayer implements Layer {
  readonly type = 'affine' as const;
  readonly conditional = true;
  readonly spec: ConditionalAffineSpec;
  readonly paramNames: readonly string[];
  readonly paramShapes: readonly (readonly number[])[];
  private readonly dim: number;
  private readonly contextDim: number;

  constructor(spec: ConditionalAffineSpec, ctx: LayerContext) {
    this.spec = spec;
    this.dim = ctx.dim;
    this.contextDim = ctx.contextDim ?? 0;
    const layout = [{ name: 'logScale', shape: [ctx.dim] }, { name: 'shift', shape: [ctx.dim] }, ...conditionerLayout(spec.context, this.contextDim, 2 * ctx.dim)];
    this.paramNames = layout.map((p) => p.name);
    this.paramShapes = layout.map((p) => p.shape);
  }

  initParams(seed: number): Float64Array[] {
    return [new Float64Array(this.dim), new Float64Array(this.dim), ...conditionerInit(conditionerLayout(this.spec.context, this.contextDim, 2 * this.dim), seed)];
  }

  /** Per-sample u(c) and t(c), each [B, D]. */
  private scaleShift(batch: number, [u, t, ...net]: readonly Tensor[], context: Tensor | undefined): { u: Tensor; t: Tensor } {
    const c = requireContext('affine', context, batch, this.contextDim);
    const delta = applyConditioner(this.spec.context, c, net);
    const D = this.dim;
    return { u: ops.add(u, ops.slice(delta, [0, 0], [batch, D])), t: ops.add(t, ops.slice(delta, [0, D], [batch, D])) };
  }

  forward(x: Tensor, params: readonly Tensor[], context?: Tensor): LayerForward {
    const { u, t } = this.scaleShift(x.shape[0], params, context);
    return { y: ops.add(ops.mul(x, ops.exp(u)), t), logDet: ops.sum(u, 1) };
  }

  map(x: Tensor, params: readonly Tensor[], context?: Tensor): Tensor {
    return this.forward(x, params, context).y;
  }

  backward(x: Tensor, _y: Tensor, params: readonly Tensor[], gOut: Tensor, needInput: boolean, context?: Tensor): LayerBackward {
    return backwardByAutodiff((xIn, theta) => this.forward(xIn, theta, context), x, params, gOut, needInput);
  }

  inverse(y: Tensor, params: readonly Tensor[], context?: Tensor): { x: Tensor; maxResidual: number } {
    const { u, t } = this.scaleShift(y.shape[0], params, context);
    return { x: ops.mul(ops.sub(y, t), ops.exp(ops.neg(u))), maxResidual: 0 };
  }
}
