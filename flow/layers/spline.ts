// A learnable element-wise monotone layer: one rational-quadratic spline per unit on
// [-bound, bound] with identity tails (spline-math.ts; docs/layers.md, "Spline"). Parameters per
// unit: K width logits, K height logits, K-1 derivative pre-activations; the Euclidean gradient
// trains them. Outside a tape the forward and backward passes are host loops (one pass over B×D);
// under a tape the same function is built from engine ops so that the autodiff baseline and `grad`
// of the loss differentiate through it: every bin is evaluated and the sample's bin picked by a
// one-hot mask (a constant: the bin index is piecewise constant in x and the parameters).

import { fromHost } from '../../engine/create.js';
import * as ops from '../../engine/ops.js';
import { isRecording } from '../../engine/tape.js';
import type { Tensor } from '../../engine/tensor.js';
import type { LayerDefinition } from './definition.js';
import type { Layer, LayerBackward, LayerContext, LayerForward, StoredLayerSpec } from './layer.js';
import { identityParams, knotsFromParams, MIN_BIN, MIN_DERIVATIVE, splineBackward, splineForward, splineInverse, type Knots, type SplineShape } from './spline-math.js';

export interface SplineSpec {
  type: 'spline';
  /** bins K per unit (default 8) */
  bins?: number;
  /** the spline covers [-bound, bound]; identity outside (default 4) */
  bound?: number;
}

export type ResolvedSplineSpec = Required<SplineSpec>;

export class SplineLayer implements Layer {
  readonly type = 'spline' as const;
  readonly spec: ResolvedSplineSpec;
  readonly paramNames: readonly string[] = ['widths', 'heights', 'derivatives'];
  readonly paramShapes: readonly (readonly number[])[];
  private readonly shape: SplineShape;
  private readonly ctx: LayerContext;
  /** knots per parameter tensor triple (tensors are immutable, so the first identifies the value) */
  private readonly knotCache = new WeakMap<Tensor, { params: readonly Tensor[]; knots: Knots }>();

  constructor(spec: ResolvedSplineSpec, ctx: LayerContext) {
    this.spec = spec;
    const { bins, bound } = spec;
    this.ctx = ctx;
    this.shape = { dim: ctx.dim, bins, bound };
    this.paramShapes = [[ctx.dim, bins], [ctx.dim, bins], [ctx.dim, bins - 1]];
  }

  initParams(): Float64Array[] {
    return identityParams(this.shape);
  }

  private knots(params: readonly Tensor[]): Knots {
    const hit = this.knotCache.get(params[0]);
    if (hit !== undefined && hit.params[1] === params[1] && hit.params[2] === params[2]) return hit.knots;
    const knots = knotsFromParams(params[0].dataSync(), params[1].dataSync(), params[2].dataSync(), this.shape);
    this.knotCache.set(params[0], { params: [...params], knots });
    return knots;
  }

  private upload(values: Float64Array, shape: readonly number[]): Tensor {
    return fromHost(values, shape, { dtype: this.ctx.dtype, backend: this.ctx.backend });
  }

  map(x: Tensor, params: readonly Tensor[]): Tensor {
    if (isRecording([x, ...params])) return this.composite(x, params).y;
    return this.upload(splineForward(x.dataSync(), x.shape[0], this.knots(params), this.shape, false).y, x.shape);
  }

  forward(x: Tensor, params: readonly Tensor[]): LayerForward {
    if (isRecording([x, ...params])) return this.composite(x, params);
    const rows = x.shape[0];
    const { y, logDet } = splineForward(x.dataSync(), rows, this.knots(params), this.shape);
    return { y: this.upload(y, x.shape), logDet: this.upload(logDet, [rows]) };
  }

  backward(x: Tensor, _y: Tensor, params: readonly Tensor[], gOut: Tensor, needInput: boolean): LayerBackward {
    if (isRecording([x, gOut, ...params])) throw new Error('spline layer: the hand-written backward runs outside a tape (differentiate the loss instead)');
    const g = splineBackward(x.dataSync(), gOut.dataSync(), x.shape[0], this.knots(params), this.shape, needInput);
    return {
      gIn: g.gIn === null ? null : this.upload(g.gIn, x.shape),
      grads: [this.upload(g.gw, this.paramShapes[0]), this.upload(g.gh, this.paramShapes[1]), this.upload(g.gd, this.paramShapes[2])],
    };
  }

  /** Closed-form inverse per bin; the residual max |f(x) - y| is measured. */
  inverse(y: Tensor, params: readonly Tensor[]): { x: Tensor; maxResidual: number } {
    const { x, maxResidual } = splineInverse(y.dataSync(), y.shape[0], this.knots(params), this.shape);
    return { x: this.upload(x, y.shape), maxResidual };
  }

  /**
   * The same spline from differentiable engine ops: knots by softmax and a cumulative sum (a
   * product with an upper-triangular matrix of ones), every bin's rational-quadratic at once
   * ([B, D, K]), the sample's bin chosen by a constant one-hot mask, identity outside the interval.
   */
  private composite(x: Tensor, [uw, uh, ud]: readonly Tensor[]): LayerForward {
    const { dim: D, bins: K, bound } = this.shape;
    const B = x.shape[0];
    const opts = { dtype: x.dtype, backend: x.backend };
    const cumulative = new Float64Array(K * (K + 1)); // U[i, k] = 1 for i < k
    for (let i = 0; i < K; i++) for (let k = i + 1; k <= K; k++) cumulative[i * (K + 1) + k] = 1;
    const U = fromHost(cumulative, [K, K + 1], opts);
    const edges = (u: Tensor): Tensor => ops.sub(ops.matmul(ops.add(ops.mul(ops.softmax(u, 1), 2 * bound * (1 - K * MIN_BIN)), 2 * bound * MIN_BIN), U), bound);
    const xs = edges(uw);
    const ys = edges(uh);
    const one = fromHost(new Float64Array(D).fill(1), [D, 1], opts);
    const ds = ops.concat([one, ops.add(ops.softplus(ud), MIN_DERIVATIVE), one], 1);
    const lower = (t: Tensor): Tensor => ops.slice(t, [0, 0], [D, K]);
    const upper = (t: Tensor): Tensor => ops.slice(t, [0, 1], [D, K]);
    const x0 = lower(xs);
    const w = ops.sub(upper(xs), x0);
    const y0 = lower(ys);
    const h = ops.sub(upper(ys), y0);
    const s = ops.div(h, w);
    const d0 = lower(ds);
    const d1 = upper(ds);
    // the constant bin mask, from the same knots on the host
    const kn = this.knots([uw, uh, ud]);
    const xv = x.dataSync();
    const mask = new Float64Array(B * D * K);
    const inside = new Float64Array(B * D);
    for (let n = 0; n < B; n++) {
      for (let j = 0; j < D; j++) {
        const v = xv[n * D + j];
        if (!(v >= -bound && v < bound)) continue;
        inside[n * D + j] = 1;
        let k = 0;
        while (k < K - 1 && kn.xs[j * (K + 1) + k + 1] <= v) k++;
        mask[(n * D + j) * K + k] = 1;
      }
    }
    const M = fromHost(mask, [B, D, K], opts);
    const inTensor = fromHost(inside, [B, D], opts);
    const xi = ops.clip(ops.div(ops.sub(ops.reshape(x, [B, D, 1]), x0), w), 0, 1);
    const om = ops.sub(1, xi);
    const t = ops.mul(xi, om);
    const xi2 = ops.square(xi);
    const den = ops.add(s, ops.mul(ops.sub(ops.add(d0, d1), ops.mul(s, 2)), t));
    const f = ops.add(y0, ops.div(ops.mul(h, ops.add(ops.mul(s, xi2), ops.mul(d0, t))), den));
    const c = ops.add(ops.add(ops.mul(d1, xi2), ops.mul(ops.mul(s, 2), t)), ops.mul(d0, ops.square(om)));
    const logDeriv = ops.sub(ops.add(ops.mul(ops.log(s), 2), ops.log(c)), ops.mul(ops.log(den), 2));
    const y = ops.add(ops.sum(ops.mul(M, f), 2), ops.mul(ops.sub(1, inTensor), x));
    return { y, logDet: ops.sum(ops.mul(M, logDeriv), [1, 2]) };
  }
}

/** The spline layer type. Data-dependent start: the identity (its own initialisation). */
export const splineLayer: LayerDefinition<ResolvedSplineSpec> = {
  type: 'spline',
  description: 'a monotone rational-quadratic spline per unit on [-bound, bound], identity outside',
  options: ['bins', 'bound'],
  resolve(spec: StoredLayerSpec, where: string): ResolvedSplineSpec {
    const { bins = 8, bound = 4 } = spec as SplineSpec;
    if (!Number.isInteger(bins) || bins < 2 || bins > 256) throw new Error(`${where}: spline layer: bins must be an integer in [2, 256], got ${String(bins)}`);
    if (typeof bound !== 'number' || !(bound > 0) || !Number.isFinite(bound)) throw new Error(`${where}: spline layer: bound must be a positive number, got ${String(bound)}`);
    return { type: 'spline', bins, bound };
  },
  parameters: (spec, dim) => [
    { name: 'widths', shape: [dim, spec.bins] },
    { name: 'heights', shape: [dim, spec.bins] },
    { name: 'derivatives', shape: [dim, spec.bins - 1] },
  ],
  label: (spec) => `spline(${spec.bins} bins, ±${spec.bound})`,
  build: (spec, ctx) => new SplineLayer(spec, ctx),
  initFromData: (layer) => layer.initParams(0),
};
