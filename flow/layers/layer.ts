// The layer contract of a flow (docs/layers.md). A flow is an ordered list of invertible layers
// x = h_0 → h_1 → … → h_K = s; each layer maps its input to its output and contributes
// log|det ∂h_{k+1}/∂h_k| per sample. Rows are samples (B×D).
//
// Error signals follow one convention everywhere: G (B×D) has row n = B·∂ℓ/∂h(x_n) for the loss
// ℓ = -(1/B) Σ_n log p(x_n) *without* the log|det| terms of this layer and those below it. A layer
// maps G at its output to G at its input, G_in = G_out·J - ∂log|det J|/∂h_in, and gives its
// parameters' Euclidean gradient (1/B) Σ_n [G_out,n·∂h_out/∂θ - ∂log|det J_n|/∂θ].
// A conditional layer (docs/conditional.md) also takes the context rows c [B, C] (one per sample);
// every other layer ignores them.

import type { Tensor } from '../../engine/tensor.js';
import type { Backend } from '../../engine/backend.js';
import type { DType } from '../../engine/dtype.js';

/** A layer spec as JSON stores it (configs, checkpoints, exports): its type's name, then its options. */
export interface StoredLayerSpec {
  readonly type: string;
}

/** A layer's forward pass: its output y [B, D] and log|det J| in nats, per sample [B] or one scalar [] shared by all. */
export interface LayerForward {
  y: Tensor;
  /** log|det J| per sample [B], or a scalar [] when it is the same for every sample (dense, affine) */
  logDet: Tensor;
}

/** A layer's backward pass: the error signal G at its input [B, D] and its parameters' gradient directions. */
export interface LayerBackward {
  /** G at the layer's input; null when the caller said it is not needed (the bottom layer) */
  gIn: Tensor | null;
  /** the parameters' gradient directions, in the order of `paramNames` */
  grads: Tensor[];
}

/** What a layer is built for: the data dimension D, the dtype and the backend its parameters live on. */
export interface LayerContext {
  dim: number;
  /** the flow's context width C (0 or absent: unconditional); a conditional layer's conditioner reads C inputs */
  contextDim?: number;
  dtype: DType;
  backend: Backend;
}

/** A layer of a built flow: one spec at one dimension, with its passes. */
export interface Layer {
  /** the name of its type (LayerDefinition.type) */
  readonly type: string;
  /** the resolved spec (JSON; stored in checkpoints) */
  readonly spec: StoredLayerSpec;
  readonly paramNames: readonly string[];
  /** shapes of the parameters, in the order of paramNames */
  readonly paramShapes: readonly (readonly number[])[];
  /** the layer's initial parameters on the host (float64), seeded */
  initParams(seed: number): Float64Array[];
  /**
   * y and log|det J| for a batch. Under a tape (x or a parameter recorded) it runs differentiable
   * composite ops, which is what the autodiff baseline and `grad` of the loss see; otherwise the
   * fast path (fused kernels or host loops).
   */
  forward(x: Tensor, params: readonly Tensor[], context?: Tensor): LayerForward;
  /** y alone (what the hand-written gradients' forward pass needs; cheaper than `forward`) */
  map(x: Tensor, params: readonly Tensor[], context?: Tensor): Tensor;
  /** Maps G_out to G_in and gives the Euclidean parameter gradient (see the header). */
  backward(x: Tensor, y: Tensor, params: readonly Tensor[], gOut: Tensor, needInput: boolean, context?: Tensor): LayerBackward;
  /**
   * The relative gradient's direction for this layer's parameters (Gresele et al. 2020), from its
   * output y alone; the same G_in as `backward`. Only layers that have one (dense) define it;
   * `gradient(x, 'relative')` uses it where present and `backward` elsewhere.
   */
  relativeBackward?(y: Tensor, params: readonly Tensor[], gOut: Tensor, needInput: boolean, context?: Tensor): LayerBackward;
  /** x = h⁻¹(y); maxResidual = max |h(x) - y| where the inverse is numerical, else 0 */
  inverse(y: Tensor, params: readonly Tensor[], context?: Tensor): { x: Tensor; maxResidual: number };
  /** true for a layer whose parameters depend on the context (it needs `context` in every pass) */
  readonly conditional?: boolean;
  /** Refuses parameters the layer cannot use (e.g. a singular W), naming `where`; host values. */
  checkParams?(params: readonly Tensor[], where: string): void;
  /** Frees what the layer holds besides its parameters (constants uploaded once); Flow.dispose calls it. */
  dispose?(): void;
}
