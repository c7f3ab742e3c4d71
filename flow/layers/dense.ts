// The dense layer of the paper: y = x Wᵀ + 1bᵀ (rows are samples), log|det J| = log|det W| for
// every sample. Its backward offers both parameter gradients (docs/layers.md, "Dense"):
//   ordinary:  dW = (1/B) G_outᵀ X - W⁻ᵀ,            db = (1/B) G_outᵀ 1         O(B·D² + D³)
//   relative:  dW = (1/B) G_outᵀ (Y W) - W,          db = (1/B) G_outᵀ (Y b) + (1/B) G_outᵀ 1 - b
// The relative one is the ordinary gradient of Ŵ = [[W, b], [0, 1]] times ŴᵀŴ without its last
// row (Gresele et al., NeurIPS 2020): no inverse, O(B·D²). G_in = G_out W either way.

import { customGrad } from '../../engine/autodiff.js';
import { fromHost } from '../../engine/create.js';
import { gemm } from '../../engine/fused.js';
import { keep } from '../../engine/scope.js';
import * as ops from '../../engine/ops.js';
import { isRecording } from '../../engine/tape.js';
import type { Tensor } from '../../engine/tensor.js';
import { nearIdentityHost } from '../../engine/random.js';
import { orthogonalHost } from '../../engine/random.js';
import { cholesky, invertLower, meanCovariance } from '../covariance.js';
import { dependentColumns } from '../data/collinearity.js';
import { ConditionalDenseLayer } from './dense-conditional.js';
import { conditionerLabel, conditionerLayout, resolveConditioner, type ConditionerSpec, type ResolvedConditionerSpec } from './conditioner.js';
import type { LayerDefinition } from './definition.js';
import type { Layer, LayerBackward, LayerContext, LayerForward, StoredLayerSpec } from './layer.js';

/** Spec of a dense layer: y = x Wᵀ + b with W [D, D] and optional b [D]; log|det J| = log|det W|. */
export interface DenseSpec {
  type: 'dense';
  /** a bias vector b (default true) */
  bias?: boolean;
  /** initial W: 'orthogonal' (Haar, default), 'near-identity' (I + 0.1·G/√D) or 'identity' */
  init?: 'orthogonal' | 'near-identity' | 'identity';
  /** a conditioner: the bias gets a per-sample offset Δb(c) from an MLP of the context; W never depends on it */
  context?: ConditionerSpec;
}

/** A dense spec with its defaults filled in. */
export type ResolvedDenseSpec = { type: 'dense'; bias: boolean; init: 'orthogonal' | 'near-identity' | 'identity'; context?: ResolvedConditionerSpec };

const DENSE_INITS = ['orthogonal', 'near-identity', 'identity'] as const;

/**
 * The paper's dense layer y = x Wᵀ + 1bᵀ (rows are samples, [B, D]); log|det J| = log|det W| for every sample.
 * Offers the ordinary (O(B·D² + D³)) and the relative (O(B·D²), no inverse) gradient.
 */
export class DenseLayer implements Layer {
  readonly type = 'dense' as const;
  readonly spec: ResolvedDenseSpec;
  readonly paramNames: readonly string[];
  readonly paramShapes: readonly (readonly number[])[];
  private readonly ctx: LayerContext;
  /** log|det W| per weight tensor (tensors are immutable, so the tensor identifies the value) */
  private readonly logDetCache = new WeakMap<Tensor, number>();

  /** the scalar 1 as a [1] tensor (the relative bias direction's Y b + 1), uploaded once */
  private readonly one: Tensor;

  constructor(spec: ResolvedDenseSpec, ctx: LayerContext) {
    this.spec = spec;
    this.one = keep(fromHost(new Float64Array([1]), [1], { dtype: ctx.dtype, backend: ctx.backend }));
    this.ctx = ctx;
    this.paramNames = this.spec.bias ? ['W', 'b'] : ['W'];
    this.paramShapes = this.spec.bias ? [[ctx.dim, ctx.dim], [ctx.dim]] : [[ctx.dim, ctx.dim]];
  }

  get hasBias(): boolean {
    return this.spec.bias;
  }

  initParams(seed: number): Float64Array[] {
    const d = this.ctx.dim;
    let w: Float64Array;
    if (this.spec.init === 'identity') {
      w = new Float64Array(d * d);
      for (let i = 0; i < d; i++) w[i * d + i] = 1;
    } else {
      w = this.spec.init === 'near-identity' ? nearIdentityHost(d, seed) : orthogonalHost(d, seed);
    }
    return this.spec.bias ? [w, new Float64Array(d)] : [w];
  }

  forward(x: Tensor, params: readonly Tensor[]): LayerForward {
    return { y: this.map(x, params), logDet: this.logAbsDet(params[0]) };
  }

  map(x: Tensor, params: readonly Tensor[]): Tensor {
    const [W, b] = params;
    if (!isRecording([x, ...params])) return gemm(x, W, { transB: true, bias: b }); // one fused product
    const lin = ops.matmul(x, W, { transB: true });
    return b === undefined ? lin : ops.add(lin, b);
  }

  /** log|det W| from the cache or by one LU; its gradient is W⁻ᵀ (a custom-gradient op). */
  logAbsDet(W: Tensor): Tensor {
    const op = customGrad(
      (w) => fromHost(new Float64Array([this.cachedLogDet(w)]), [], { dtype: w.dtype, backend: w.backend }),
      (g, [w]) => [ops.mul(g, ops.swapLastAxes(ops.inv(w)))],
    );
    return op(W);
  }

  private cachedLogDet(w: Tensor): number {
    let v = this.logDetCache.get(w);
    if (v === undefined) {
      const { sign, logabsdet } = ops.slogdet(w);
      v = sign.item() === 0 ? -Infinity : logabsdet.item();
      this.logDetCache.set(w, v);
    }
    return v;
  }

  backward(x: Tensor, _y: Tensor, params: readonly Tensor[], gOut: Tensor, needInput: boolean): LayerBackward {
    const [W] = params;
    const B = x.shape[0];
    const invT = ops.swapLastAxes(ops.inv(W));
    const dW = isRecording([gOut, x, invT])
      ? ops.sub(ops.div(ops.matmul(gOut, x, { transA: true }), B), invT)
      : gemm(gOut, x, { transA: true, alpha: 1 / B, c: invT, beta: -1 }); // one fused product
    const grads = this.spec.bias ? [dW, ops.mean(gOut, 0)] : [dW];
    return { gIn: needInput ? ops.matmul(gOut, W) : null, grads };
  }

  /** The relative gradient (header); same G_in as `backward`. */
  relativeBackward(y: Tensor, params: readonly Tensor[], gOut: Tensor, needInput: boolean): LayerBackward {
    const [W, b] = params;
    const B = y.shape[0];
    const yW = ops.matmul(y, W);
    const dW = isRecording([gOut, yW, W])
      ? ops.sub(ops.div(ops.matmul(gOut, yW, { transA: true }), B), W)
      : gemm(gOut, yW, { transA: true, alpha: 1 / B, c: W, beta: -1 }); // one fused product
    const grads = [dW];
    if (b !== undefined) {
      const column = ops.reshape(b, [this.ctx.dim, 1]);
      if (isRecording([gOut, y, b])) {
        const yb = ops.matmul(y, column); // [B, 1]
        const term = ops.reshape(ops.div(ops.matmul(gOut, yb, { transA: true }), B), [this.ctx.dim]);
        grads.push(ops.sub(ops.add(term, ops.mean(gOut, 0)), b));
      } else {
        // db = (1/B) G_outᵀ (Y b + 1) - b: two fused products, Y b + 1 and the rest
        const yb1 = gemm(y, column, { bias: this.one });
        grads.push(ops.reshape(gemm(gOut, yb1, { transA: true, alpha: 1 / B, c: column, beta: -1 }), [this.ctx.dim]));
      }
    }
    return { gIn: needInput ? ops.matmul(gOut, W) : null, grads };
  }

  /** x = (y - b) W⁻ᵀ: one LU for every sample. Exact up to rounding, so maxResidual 0. */
  inverse(y: Tensor, params: readonly Tensor[]): { x: Tensor; maxResidual: number } {
    const [W, b] = params;
    const centred = b === undefined ? y : ops.sub(y, b);
    return { x: ops.swapLastAxes(ops.solve(W, ops.swapLastAxes(centred))), maxResidual: 0 };
  }

  /** Frees the layer's constant. */
  dispose(): void {
    this.one.dispose();
  }

  /** A regular W (one LU, which also fills the log|det| cache). */
  checkParams(params: readonly Tensor[], where: string): void {
    const w = params[0];
    const { sign, logabsdet } = ops.slogdet(w);
    const s = sign.item();
    const v = logabsdet.item();
    if (s === 0 || !Number.isFinite(v)) throw new Error(`${where} is singular (log|det| = ${v})`);
    this.logDetCache.set(w, v);
  }
}

/**
 * The dense layer type. Data-dependent start (docs/layers.md, "Starting at the Gaussian"): the
 * first dense layer of a stack whitens the data arriving there by the full-covariance Gaussian's
 * maximum-likelihood fit, W = C⁻¹ (Σ = C Cᵀ, Cholesky), b = -W μ (O(N·D²) + O(D³)); later ones
 * start at the identity.
 */
export const denseLayer: LayerDefinition<ResolvedDenseSpec> = {
  type: 'dense',
  description: 'y = x Wᵀ + b with a dense, unconstrained W (the relative gradient trains W and b)',
  options: ['bias', 'init', 'context'],
  resolve(spec: StoredLayerSpec, where: string): ResolvedDenseSpec {
    const { bias = true, init = 'orthogonal', context } = spec as DenseSpec;
    if (typeof bias !== 'boolean') throw new Error(`${where}: dense bias must be true or false, got ${JSON.stringify(bias)}`);
    if (!DENSE_INITS.includes(init)) throw new Error(`${where}: unknown dense init ${JSON.stringify(init)}; expected ${DENSE_INITS.join(', ')}`);
    if (context === undefined) return { type: 'dense', bias, init };
    if (!bias) throw new Error(`${where}: a dense layer with a context needs its bias (the context moves the bias); leave out bias: false`);
    return { type: 'dense', bias, init, context: resolveConditioner(context, `${where}: dense layer`) };
  },
  parameters: (spec, dim, contextDim = 0) => [
    { name: 'W', shape: [dim, dim] },
    ...(spec.bias ? [{ name: 'b', shape: [dim] }] : []),
    ...(spec.context === undefined ? [] : conditionerLayout(spec.context, contextDim, dim)),
  ],
  label: (spec) => `${spec.bias ? 'dense' : 'dense(no bias)'}${conditionerLabel(spec.context)}`,
  build: (spec, ctx) => (spec.context === undefined
    ? new DenseLayer(spec, ctx)
    : new ConditionalDenseLayer({ ...spec, context: spec.context }, ctx, new DenseLayer({ type: 'dense', bias: true, init: spec.init }, ctx))),
  initFromData(layer, input, { sameTypeBefore }) {
    const d = layer.paramShapes[0][0];
    const W = new Float64Array(d * d);
    const b = new Float64Array(d);
    if (sameTypeBefore === 0) {
      const rows = input();
      const { mean, cov } = meanCovariance(rows);
      let lower: Float64Array;
      try {
        lower = cholesky(cov, d);
      } catch (err) {
        // name the columns that make the covariance singular (copies or linear combinations)
        const which = dependentColumns(rows).map((c) => `column ${c.column + 1} is ${c.duplicate ? 'a copy' : 'a linear combination'} of ${c.of.map((o) => `column ${o + 1}`).join(', ')}`);
        throw new Error(`the rows reaching the first dense layer have a singular covariance${which.length > 0 ? ` (${which.join('; ')}; 1-based)` : ''}: drop such columns`, { cause: err });
      }
      W.set(invertLower(lower, d));
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j <= i; j++) s += W[i * d + j] * mean[j];
        b[i] = -s;
      }
    } else {
      for (let i = 0; i < d; i++) W[i * d + i] = 1;
    }
    return (layer.spec as ResolvedDenseSpec).bias ? [W, b] : [W]; // a conditioner is kept
  },
};
