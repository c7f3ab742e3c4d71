// The conditional spline layer (docs/conditional.md): per sample n the spline parameters are
//   [uw, uh, ud](c_n) = [uw, uh, ud] + Δ(c_n),   Δ = the conditioner's output [B, D·(3K−1)] (zero at the start),
// so every sample has its own knots ([B, D, K+1], from the same softmax/cumsum/softplus as the
// unconditional spline: SplineLayer.knotsOf). The backends' spline kernel takes knots shared by all
// rows, so every pass here is the differentiable composite of spline-composite.ts (O(B·D·K)
// elements), its gradient by the engine's reverse mode (conditional.ts); the inverse is the closed
// form on the host per element (spline-math.ts invertPerElement), its residual measured.

import { fromHost } from '../../engine/create.js';
import * as ops from '../../engine/ops.js';
import type { SplineKnots } from '../../engine/fused.js';
import type { Tensor } from '../../engine/tensor.js';
import { backwardByAutodiff, requireContext } from './conditional.js';
import { applyConditioner, conditionerInit, conditionerLayout, type ResolvedConditionerSpec } from './conditioner.js';
import type { Layer, LayerBackward, LayerContext, LayerForward } from './layer.js';
import { splineComposite } from './spline-composite.js';
import { identityParams, invertPerElement, type SplineShape } from './spline-math.js';
import type { ResolvedSplineSpec, SplineLayer } from './spline.js';

/** Spec of a conditional spline layer: the spline's options and its conditioner. */
export type ConditionalSplineSpec = ResolvedSplineSpec & { context: ResolvedConditionerSpec };

/** A rational-quadratic spline per unit whose knots depend on the context per sample (see the header). */
export class ConditionalSplineLayer implements Layer {
  readonly type = 'spline' as const;
  readonly conditional = true;
  readonly spec: ConditionalSplineSpec;
  readonly paramNames: readonly string[];
  readonly paramShapes: readonly (readonly number[])[];
  private readonly shape: SplineShape;
  private readonly contextDim: number;
  /** the unconditional spline whose knotsOf (and constants) this layer uses */
  private readonly inner: SplineLayer;

  /** `inner`: the unconditional spline of the same bins and bound on the same context (built by spline.ts, which imports this file) */
  constructor(spec: ConditionalSplineSpec, ctx: LayerContext, inner: SplineLayer) {
    this.spec = spec;
    const { bins: K, bound } = spec;
    this.shape = { dim: ctx.dim, bins: K, bound };
    this.contextDim = ctx.contextDim ?? 0;
    if (inner.spec.bins !== K || inner.spec.bound !== bound) throw new Error(`ConditionalSplineLayer: the inner spline has ${inner.spec.bins} bins on ±${inner.spec.bound}, the spec ${K} on ±${bound}`);
    this.inner = inner;
    const layout = [
      ...this.inner.paramNames.map((name, j) => ({ name, shape: [...this.inner.paramShapes[j]] })),
      ...conditionerLayout(spec.context, this.contextDim, this.outputs),
    ];
    this.paramNames = layout.map((p) => p.name);
    this.paramShapes = layout.map((p) => p.shape);
  }

  /** the conditioner's outputs: D·K width, D·K height and D·(K−1) derivative offsets */
  private get outputs(): number {
    return this.shape.dim * (3 * this.shape.bins - 1);
  }

  initParams(seed: number): Float64Array[] {
    return [...identityParams(this.shape), ...conditionerInit(conditionerLayout(this.spec.context, this.contextDim, this.outputs), seed)];
  }

  /** Every sample's knots ([B, D, K+1] each), differentiable in the parameters. */
  private knots(batch: number, [uw, uh, ud, ...net]: readonly Tensor[], context: Tensor | undefined): SplineKnots {
    const c = requireContext('spline', context, batch, this.contextDim);
    const { dim: D, bins: K } = this.shape;
    const delta = applyConditioner(this.spec.context, c, net);
    const part = (from: number, k: number): Tensor => ops.reshape(ops.slice(delta, [0, from], [batch, D * k]), [batch, D, k]);
    return this.inner.knotsOf(ops.add(uw, part(0, K)), ops.add(uh, part(D * K, K)), ops.add(ud, part(2 * D * K, K - 1)));
  }

  forward(x: Tensor, params: readonly Tensor[], context?: Tensor): LayerForward {
    const knots = this.knots(x.shape[0], params, context);
    return splineComposite(x, knots, knots.xs.dataSync(), this.shape);
  }

  map(x: Tensor, params: readonly Tensor[], context?: Tensor): Tensor {
    return this.forward(x, params, context).y;
  }

  backward(x: Tensor, _y: Tensor, params: readonly Tensor[], gOut: Tensor, needInput: boolean, context?: Tensor): LayerBackward {
    return backwardByAutodiff((xIn, theta) => this.forward(xIn, theta, context), x, params, gOut, needInput);
  }

  inverse(y: Tensor, params: readonly Tensor[], context?: Tensor): { x: Tensor; maxResidual: number } {
    const { xs, ys, ds } = this.knots(y.shape[0], params, context);
    const { x, maxResidual } = invertPerElement(y.dataSync(), xs.dataSync(), ys.dataSync(), ds.dataSync(), this.shape.bins, this.shape.bound);
    return { x: fromHost(x, y.shape, { dtype: y.dtype, backend: y.backend }), maxResidual };
  }

  /** Frees the inner spline's constants. */
  dispose(): void {
    this.inner.dispose();
  }
}
