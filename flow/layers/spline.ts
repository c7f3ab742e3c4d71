// A learnable element-wise monotone layer: one rational-quadratic spline per unit on
// [-bound, bound] with identity tails (docs/layers.md, "Spline"). Parameters per unit: K width
// logits, K height logits, K-1 derivative pre-activations; the Euclidean gradient trains them.
// The knots come from the parameters by engine ops (softmax, a cumulative sum as a product with a
// triangular matrix of ones, softplus) — written once, in `knotsOf`. Outside a tape every pass is
// one engine kernel over the B×D elements (splinePass: the backend's spline kernel family, on the
// CPU in place in its storage, on GPU.js a shader), so nothing is read back; the knots come from
// the parameters, and the knots' gradient goes back to them, by one more kernel pass each where
// the backend has one (splineKnots: the CPU), else by the composite below (O(D·K) either way).
// Under a tape the same function is built from engine ops so that the autodiff baseline and
// `grad` of the loss differentiate through it: every bin is evaluated and the sample's bin
// picked by a one-hot mask (a constant: the bin index is piecewise constant in x and the parameters).

import { fromHost } from '../../engine/create.js';
import { keep } from '../../engine/scope.js';
import { splineKnots, splineKnotsBackward, splinePass, type SplineKnotOptions, type SplineKnots } from '../../engine/fused.js';
import * as ops from '../../engine/ops.js';
import { isRecording } from '../../engine/tape.js';
import type { Tensor } from '../../engine/tensor.js';
import type { LayerDefinition } from './definition.js';
import type { Layer, LayerBackward, LayerContext, LayerForward, StoredLayerSpec } from './layer.js';
import { splineComposite } from './spline-composite.js';
import { ConditionalSplineLayer } from './spline-conditional.js';
import { conditionerLabel, conditionerLayout, resolveConditioner, type ConditionerSpec, type ResolvedConditionerSpec } from './conditioner.js';
import { identityParams, knotsFromParams, MIN_BIN, MIN_DERIVATIVE, type SplineShape } from './spline-math.js';

/** Spec of a rational-quadratic spline layer: K bins per unit on [-bound, bound], identity outside. */
export interface SplineSpec {
  type: 'spline';
  /** bins K per unit (default 8) */
  bins?: number;
  /** the spline covers [-bound, bound]; identity outside (default 4) */
  bound?: number;
  /** a conditioner: the knots get per-sample offsets from an MLP of the context (docs/conditional.md) */
  context?: ConditionerSpec;
}

/** A spline spec with its defaults filled in. */
export type ResolvedSplineSpec = { type: 'spline'; bins: number; bound: number; context?: ResolvedConditionerSpec };

/**
 * A learnable monotone rational-quadratic spline per unit (Durkan et al. 2019) on [-bound, bound], identity tails;
 * parameters per unit: K width logits, K height logits, K − 1 derivative pre-activations ([D, K], [D, K], [D, K − 1]).
 */
export class SplineLayer implements Layer {
  readonly type = 'spline' as const;
  readonly spec: ResolvedSplineSpec;
  readonly paramNames: readonly string[] = ['widths', 'heights', 'derivatives'];
  readonly paramShapes: readonly (readonly number[])[];
  private readonly shape: SplineShape;
  /** the parametrisation's constants, for the backend's knot kernel */
  private readonly knotOptions: SplineKnotOptions;
  /** constants of `knotsOf`, uploaded once (kept until `dispose`) */
  private readonly constants: { cumulative: Tensor; interior: Tensor; ends: Tensor };
  /** the knots of the last parameters seen (map, then backward, in one step), while alive */
  private readonly cache = new WeakMap<Tensor, { uh: Tensor; ud: Tensor; knots: SplineKnots }>();

  constructor(spec: ResolvedSplineSpec, ctx: LayerContext) {
    this.spec = spec;
    const { bins: K, bound } = spec;
    const D = ctx.dim;
    this.shape = { dim: D, bins: K, bound };
    this.knotOptions = { bound, minBin: MIN_BIN, minDerivative: MIN_DERIVATIVE };
    this.paramShapes = [[D, K], [D, K], [D, K - 1]];
    const opts = { dtype: ctx.dtype, backend: ctx.backend };
    const cumulative = new Float64Array(K * (K + 1)); // [K, K+1]: 1 where i < k, so x_k - x_0 = Σ_{i<k} w_i
    for (let i = 0; i < K; i++) for (let k = i + 1; k <= K; k++) cumulative[i * (K + 1) + k] = 1;
    const interior = new Float64Array((K - 1) * (K + 1)); // [K-1, K+1]: interior derivative i to knot i+1
    for (let i = 0; i < K - 1; i++) interior[i * (K + 1) + i + 1] = 1;
    const ends = new Float64Array(K + 1); // d_0 = d_K = 1
    ends[0] = ends[K] = 1;
    const up = (a: Float64Array, shape: number[]): Tensor => keep(fromHost(a, shape, opts));
    this.constants = { cumulative: up(cumulative, [K, K + 1]), interior: up(interior, [K - 1, K + 1]), ends: up(ends, [K + 1]) };
  }

  initParams(): Float64Array[] {
    return identityParams(this.shape);
  }

  /** Frees the layer's constants (Flow.dispose). */
  dispose(): void {
    for (const c of Object.values(this.constants)) c.dispose();
  }

  /**
   * Every unit's knots ([D, K+1] each) from the parameters by engine ops (differentiable):
   *   x_k = -bound + Σ_{i<k} (2·bound·m + 2·bound·(1 - K·m)·softmax(uw)_i)   (x_0 = -bound, x_K ≈ bound)
   *   the same for y from uh; d_0 = d_K = 1, d_k = m_d + softplus(ud_{k-1}),
   * softplus(u) = (u + |u|)/2 + log1p(e^{-|u|}); placed by products with constant 0/1 matrices.
   * Per-sample parameters ([B, D, K], …) give per-sample knots ([B, D, K+1]; the conditional spline).
   */
  knotsOf(uw: Tensor, uh: Tensor, ud: Tensor): SplineKnots {
    return { xs: this.edgesOf(uw), ys: this.edgesOf(uh), ds: this.derivativesOf(ud) };
  }

  private edgesOf(u: Tensor): Tensor {
    const { bins: K, bound } = this.shape;
    const widths = ops.add(ops.mul(ops.softmax(u, -1), 2 * bound * (1 - K * MIN_BIN)), 2 * bound * MIN_BIN);
    return ops.sub(ops.matmul(widths, this.constants.cumulative), bound);
  }

  private derivativesOf(ud: Tensor): Tensor {
    const magnitude = ops.abs(ud);
    const softplus = ops.add(ops.mul(ops.add(ud, magnitude), 0.5), ops.log1p(ops.exp(ops.neg(magnitude))));
    return ops.add(ops.matmul(ops.add(softplus, MIN_DERIVATIVE), this.constants.interior), this.constants.ends);
  }

  /**
   * (1/B)·∂⟨edgesOf(u), g⟩/∂u by hand: the cumulative sum's transpose gives ∂/∂w_i = Σ_{k>i} g_k
   * (g·Uᵀ), the softmax's Jacobian p ⊙ (c·∂/∂w − Σ_l p_l c·∂/∂w_l), c = 2·bound·(1 − K·m). O(D·K).
   */
  private edgesPullBack(u: Tensor, g: Tensor, B: number): Tensor {
    const { bins: K, bound } = this.shape;
    const p = ops.softmax(u, 1);
    const pg = ops.mul(p, ops.matmul(g, this.constants.cumulative, { transB: true }));
    return ops.mul(ops.sub(pg, ops.mul(p, ops.sum(pg, 1, true))), (2 * bound * (1 - K * MIN_BIN)) / B);
  }

  /** (1/B)·∂⟨derivativesOf(ud), g⟩/∂ud = (1/B)·(g·Eᵀ) ⊙ σ(ud), σ(u) = (1 + tanh(u/2))/2 = softplus'(u). */
  private derivativesPullBack(ud: Tensor, g: Tensor, B: number): Tensor {
    const sigmoid = ops.affine(ops.tanh(ops.mul(ud, 0.5)), 0.5 / B, 0.5 / B);
    return ops.mul(ops.matmul(g, this.constants.interior, { transB: true }), sigmoid);
  }

  /**
   * knotsOf outside a tape: the backend's one-pass kernel where it has one (else the composite),
   * reused while the same parameters' knots are alive (a step's forward pass, then its backward).
   */
  private knots([uw, uh, ud]: readonly Tensor[]): SplineKnots {
    const hit = this.cache.get(uw);
    if (hit !== undefined && hit.uh === uh && hit.ud === ud && !hit.knots.xs.isDisposed && !hit.knots.ys.isDisposed && !hit.knots.ds.isDisposed) return hit.knots;
    const knots = splineKnots(uw, uh, ud, this.knotOptions) ?? this.knotsOf(uw, uh, ud);
    this.cache.set(uw, { uh, ud, knots });
    return knots;
  }

  map(x: Tensor, params: readonly Tensor[]): Tensor {
    if (isRecording([x, ...params])) return this.composite(x, params).y;
    return splinePass('value', x, this.knots(params), { bound: this.shape.bound });
  }

  forward(x: Tensor, params: readonly Tensor[]): LayerForward {
    if (isRecording([x, ...params])) return this.composite(x, params);
    const knots = this.knots(params);
    const { bound } = this.shape;
    return { y: splinePass('value', x, knots, { bound }), logDet: ops.sum(splinePass('log-derivative', x, knots, { bound }), 1) };
  }

  /**
   * G_in = G_out ⊙ f'(x) - ∂log f'/∂x and the knots' gradient Σ_n ∂E_n/∂knots (E_n = G_out,n·f(x_n)
   * - log f'(x_n)) from one kernel pass ('backward'; 'knot-gradient' alone for the bottom layer),
   * then (1/B)·the knots' gradient pulled back to the parameters by hand (edgesPullBack, derivativesPullBack).
   */
  backward(x: Tensor, _y: Tensor, params: readonly Tensor[], gOut: Tensor, needInput: boolean): LayerBackward {
    if (isRecording([x, gOut, ...params])) throw new Error('spline layer: the hand-written backward runs outside a tape (differentiate the loss instead)');
    const [uw, uh, ud] = params;
    const { dim: D, bins: K, bound } = this.shape;
    const knots = this.knots(params);
    const n = x.size;
    const S = D * (K + 1);
    // 'backward' holds G_in (n values) then the knots' gradient [3, D, K+1]; 'knot-gradient' only the latter
    const flat = ops.reshape(splinePass(needInput ? 'backward' : 'knot-gradient', x, knots, { bound, back: gOut }), [-1]);
    const offset = needInput ? n : 0;
    const part = (which: number): Tensor => ops.reshape(ops.slice(flat, [offset + which * S], [S]), [D, K + 1]);
    const B = x.shape[0];
    // the backend's one-pass pull-back where it has one, else the composite (the same functions)
    const knotGradient = (): Tensor => (offset === 0 ? flat : ops.slice(flat, [offset], [3 * S]));
    const fused = x.backend.kernels.splineKnots === undefined ? undefined : splineKnotsBackward(uw, uh, ud, knotGradient(), { ...this.knotOptions, scale: 1 / B });
    const grads = fused ?? [this.edgesPullBack(uw, part(0), B), this.edgesPullBack(uh, part(1), B), this.derivativesPullBack(ud, part(2), B)];
    return { gIn: needInput ? ops.reshape(ops.slice(flat, [0], [n]), x.shape) : null, grads };
  }

  /** Closed-form inverse per bin; the residual max |f(x) - y| is measured (one number read back). */
  inverse(y: Tensor, params: readonly Tensor[]): { x: Tensor; maxResidual: number } {
    const knots = this.knots(params);
    const { bound } = this.shape;
    const x = splinePass('inverse', y, knots, { bound });
    const maxResidual = y.size === 0 ? 0 : ops.max(ops.abs(ops.sub(splinePass('value', x, knots, { bound }), y))).item();
    return { x, maxResidual };
  }

  /** The same spline from differentiable engine ops (spline-composite.ts), the bin mask from the knots on the host. */
  private composite(x: Tensor, [uw, uh, ud]: readonly Tensor[]): LayerForward {
    const hostXs = knotsFromParams(uw.dataSync(), uh.dataSync(), ud.dataSync(), this.shape).xs;
    return splineComposite(x, this.knotsOf(uw, uh, ud), hostXs, this.shape);
  }
}

/** The spline layer type. Data-dependent start: the identity (its own initialisation). */
export const splineLayer: LayerDefinition<ResolvedSplineSpec> = {
  type: 'spline',
  description: 'a monotone rational-quadratic spline per unit on [-bound, bound], identity outside',
  options: ['bins', 'bound', 'context'],
  resolve(spec: StoredLayerSpec, where: string): ResolvedSplineSpec {
    const { bins = 8, bound = 4, context } = spec as SplineSpec;
    if (!Number.isInteger(bins) || bins < 2 || bins > 256) throw new Error(`${where}: spline layer: bins must be an integer in [2, 256], got ${String(bins)}`);
    if (typeof bound !== 'number' || !(bound > 0) || !Number.isFinite(bound)) throw new Error(`${where}: spline layer: bound must be a positive number, got ${String(bound)}`);
    return context === undefined ? { type: 'spline', bins, bound } : { type: 'spline', bins, bound, context: resolveConditioner(context, `${where}: spline layer`) };
  },
  parameters: (spec, dim, contextDim = 0) => [
    { name: 'widths', shape: [dim, spec.bins] },
    { name: 'heights', shape: [dim, spec.bins] },
    { name: 'derivatives', shape: [dim, spec.bins - 1] },
    ...(spec.context === undefined ? [] : conditionerLayout(spec.context, contextDim, dim * (3 * spec.bins - 1))),
  ],
  label: (spec) => `spline(${spec.bins} bins, ±${spec.bound})${conditionerLabel(spec.context)}`,
  build: (spec, ctx) => (spec.context === undefined ? new SplineLayer(spec, ctx) : new ConditionalSplineLayer({ ...spec, context: spec.context }, ctx, new SplineLayer({ type: 'spline', bins: spec.bins, bound: spec.bound }, ctx))),
  initFromData: (layer) => layer.initParams(0).slice(0, 3), // the identity; a conditioner is kept
};
