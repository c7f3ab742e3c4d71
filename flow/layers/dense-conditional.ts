// The dense layer with a conditional bias (docs/conditional.md): y = x Wᵀ + b + Δb(c), Δb the
// conditioner's output [B, D] (zero at the start); W never depends on the context, so
// log|det J| = log|det W| for every sample and W keeps the relative gradient:
//   ordinary:  dW = (1/B) G_outᵀ X − W⁻ᵀ                                      O(B·D² + D³)
//   relative:  dW = ordinary·WᵀW = (1/B) G_outᵀ (X Wᵀ) W − W,  X Wᵀ = Y − b − Δb(c)   O(B·D²)
// b and the conditioner get the Euclidean gradient under both: db = (1/B) G_outᵀ 1 and
// dφ = (1/B) ∂⟨G_out, Δb(c)⟩/∂φ by the engine's reverse mode. G_in = G_out W.

import { grad } from '../../engine/autodiff.js';
import { gemm } from '../../engine/fused.js';
import * as ops from '../../engine/ops.js';
import { isRecording } from '../../engine/tape.js';
import type { Tensor } from '../../engine/tensor.js';
import { requireContext } from './conditional.js';
import { applyConditioner, conditionerInit, conditionerLayout, type ResolvedConditionerSpec } from './conditioner.js';
import type { DenseLayer, ResolvedDenseSpec } from './dense.js';
import type { Layer, LayerBackward, LayerContext, LayerForward } from './layer.js';

/** Spec of a dense layer with a conditional bias. */
export type ConditionalDenseSpec = ResolvedDenseSpec & { context: ResolvedConditionerSpec };

/** y = x Wᵀ + b + Δb(c) (see the header); parameters W, b, then the conditioner's. */
export class ConditionalDenseLayer implements Layer {
  readonly type = 'dense' as const;
  readonly conditional = true;
  readonly spec: ConditionalDenseSpec;
  readonly paramNames: readonly string[];
  readonly paramShapes: readonly (readonly number[])[];
  private readonly dim: number;
  private readonly contextDim: number;
  /** the unconditional layer (W's init, log|det W| with its cache, the ordinary dW, checkParams) */
  private readonly inner: DenseLayer;

  /** `inner`: the unconditional dense layer with a bias and this spec's init (dense.ts builds it; passed in, so this file does not import dense.ts at run time). */
  constructor(spec: ConditionalDenseSpec, ctx: LayerContext, inner: DenseLayer) {
    this.spec = spec;
    this.dim = ctx.dim;
    this.contextDim = ctx.contextDim ?? 0;
    this.inner = inner;
    const layout = [{ name: 'W', shape: [ctx.dim, ctx.dim] }, { name: 'b', shape: [ctx.dim] }, ...conditionerLayout(spec.context, this.contextDim, ctx.dim)];
    this.paramNames = layout.map((p) => p.name);
    this.paramShapes = layout.map((p) => p.shape);
  }

  initParams(seed: number): Float64Array[] {
    return [...this.inner.initParams(seed), ...conditionerInit(conditionerLayout(this.spec.context, this.contextDim, this.dim), seed + 1)];
  }

  /** Δb(c) [B, D]. */
  private shift(batch: number, net: readonly Tensor[], context: Tensor | undefined): Tensor {
    return applyConditioner(this.spec.context, requireContext('dense', context, batch, this.contextDim), net);
  }

  map(x: Tensor, [W, b, ...net]: readonly Tensor[], context?: Tensor): Tensor {
    return ops.add(this.inner.map(x, [W, b]), this.shift(x.shape[0], net, context));
  }

  forward(x: Tensor, params: readonly Tensor[], context?: Tensor): LayerForward {
    return { y: this.map(x, params, context), logDet: this.inner.logAbsDet(params[0]) };
  }

  /** db = (1/B) G_outᵀ 1 and the conditioner's (1/B) ∂⟨G_out, Δb(c)⟩/∂φ. */
  private biasGradients(gOut: Tensor, net: readonly Tensor[], context: Tensor | undefined): Tensor[] {
    const B = gOut.shape[0];
    const c = requireContext('dense', context, B, this.contextDim);
    const dNet = grad((...phi: Tensor[]) => ops.sum(ops.mul(gOut, applyConditioner(this.spec.context, c, phi))))(...net);
    return [ops.mean(gOut, 0), ...dNet.map((g) => ops.div(g, B))];
  }

  backward(x: Tensor, y: Tensor, [W, b, ...net]: readonly Tensor[], gOut: Tensor, needInput: boolean, context?: Tensor): LayerBackward {
    const { gIn, grads } = this.inner.backward(x, y, [W, b], gOut, needInput);
    return { gIn, grads: [grads[0], ...this.biasGradients(gOut, net, context)] };
  }

  /** The relative direction for W (header), Euclidean for b and the conditioner; same G_in as `backward`. */
  relativeBackward(y: Tensor, [W, b, ...net]: readonly Tensor[], gOut: Tensor, needInput: boolean, context?: Tensor): LayerBackward {
    const B = y.shape[0];
    const xWt = ops.sub(ops.sub(y, b), this.shift(B, net, context));
    const xWtW = ops.matmul(xWt, W);
    const dW = isRecording([gOut, xWtW, W])
      ? ops.sub(ops.div(ops.matmul(gOut, xWtW, { transA: true }), B), W)
      : gemm(gOut, xWtW, { transA: true, alpha: 1 / B, c: W, beta: -1 }); // one fused product
    return { gIn: needInput ? ops.matmul(gOut, W) : null, grads: [dW, ...this.biasGradients(gOut, net, context)] };
  }

  /** x = (y − b − Δb(c)) W⁻ᵀ: one LU for every sample. */
  inverse(y: Tensor, [W, b, ...net]: readonly Tensor[], context?: Tensor): { x: Tensor; maxResidual: number } {
    return this.inner.inverse(ops.sub(y, this.shift(y.shape[0], net, context)), [W, b]);
  }

  /** A regular W (see DenseLayer.checkParams). */
  checkParams(params: readonly Tensor[], where: string): void {
    this.inner.checkParams(params, where);
  }

  /** Frees the inner layer's constant. */
  dispose(): void {
    this.inner.dispose();
  }
}
