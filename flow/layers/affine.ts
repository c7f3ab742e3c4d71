// Element-wise affine layer (ActNorm, Kingma & Dhariwal 2018): y = x ⊙ e^u + t per unit, with
// log-scale u and shift t; log|det J| = Σ_j u_j for every sample. Backward (docs/layers.md):
//   G_in = G_out ⊙ e^u,   du = e^u ⊙ (1/B) Σ_n G_out,n ⊙ x_n - 1,   dt = (1/B) Σ_n G_out,n
// Starts as the identity; data-dependent initialisation (flow/init-data.ts) sets it so that the
// training data leave it with zero mean and unit variance per unit.

import * as ops from '../../engine/ops.js';
import type { Tensor } from '../../engine/tensor.js';
import { ConditionalAffineLayer, type ConditionalAffineSpec } from './affine-conditional.js';
import { conditionerLabel, conditionerLayout, resolveConditioner, type ConditionerSpec } from './conditioner.js';
import type { LayerDefinition } from './definition.js';
import type { Layer, LayerBackward, LayerContext, LayerForward, StoredLayerSpec } from './layer.js';

/** Spec of an element-wise affine (ActNorm) layer; `context` makes u and t functions of the context (docs/conditional.md). */
export interface AffineSpec {
  type: 'affine';
  /** a conditioner: u and t get per-sample offsets from an MLP of the context */
  context?: ConditionerSpec;
}

/**
 * Element-wise affine layer (ActNorm, Kingma & Dhariwal 2018): y = x ⊙ eᵘ + t on [B, D], u and t [D];
 * log|det J| = Σ_j u_j for every sample. Starts as the identity.
 */
export class AffineLayer implements Layer {
  readonly type = 'affine' as const;
  readonly spec: AffineSpec = { type: 'affine' };
  readonly paramNames: readonly string[] = ['logScale', 'shift'];
  readonly paramShapes: readonly (readonly number[])[];
  private readonly dim: number;

  constructor(ctx: LayerContext) {
    this.dim = ctx.dim;
    this.paramShapes = [[ctx.dim], [ctx.dim]];
  }

  initParams(): Float64Array[] {
    return [new Float64Array(this.dim), new Float64Array(this.dim)];
  }

  map(x: Tensor, [u, t]: readonly Tensor[]): Tensor {
    return ops.add(ops.mul(x, ops.exp(u)), t);
  }

  forward(x: Tensor, params: readonly Tensor[]): LayerForward {
    return { y: this.map(x, params), logDet: ops.sum(params[0]) };
  }

  backward(x: Tensor, _y: Tensor, [u]: readonly Tensor[], gOut: Tensor, needInput: boolean): LayerBackward {
    const scale = ops.exp(u);
    const du = ops.sub(ops.mul(ops.mean(ops.mul(gOut, x), 0), scale), 1);
    return { gIn: needInput ? ops.mul(gOut, scale) : null, grads: [du, ops.mean(gOut, 0)] };
  }

  /** x = (y - t) ⊙ e^{-u}: exact. */
  inverse(y: Tensor, [u, t]: readonly Tensor[]): { x: Tensor; maxResidual: number } {
    return { x: ops.mul(ops.sub(y, t), ops.exp(ops.neg(u))), maxResidual: 0 };
  }
}

/**
 * The affine layer type. Data-dependent start: per-unit standardisation of the rows arriving at
 * its input, u = -log std, t = -mean/std (a unit with zero variance keeps scale 1).
 */
export const affineLayer: LayerDefinition<AffineSpec> = {
  type: 'affine',
  description: 'y = x ⊙ e^u + t per unit (ActNorm), log|det J| = Σ u; u, t may depend on a context',
  options: ['context'],
  resolve: (spec: StoredLayerSpec, where: string) => {
    const raw = (spec as AffineSpec).context;
    return raw === undefined ? { type: 'affine' } : { type: 'affine', context: resolveConditioner(raw, `${where}: affine layer`) };
  },
  parameters: (spec, dim, contextDim = 0) => [
    { name: 'logScale', shape: [dim] },
    { name: 'shift', shape: [dim] },
    ...(spec.context === undefined ? [] : conditionerLayout(resolveConditioner(spec.context, 'affine'), contextDim, 2 * dim)),
  ],
  label: (spec) => `affine${conditionerLabel(spec.context === undefined ? undefined : resolveConditioner(spec.context, 'affine'))}`,
  build: (spec, ctx) => (spec.context === undefined ? new AffineLayer(ctx) : new ConditionalAffineLayer(spec as ConditionalAffineSpec, ctx)),
  initFromData(_layer, input) {
    const { rows: n, cols: d, data } = input();
    const u = new Float64Array(d);
    const t = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let mean = 0;
      for (let r = 0; r < n; r++) mean += data[r * d + j];
      mean /= n;
      let variance = 0;
      for (let r = 0; r < n; r++) variance += (data[r * d + j] - mean) ** 2;
      variance /= n; // divisor N, as the Gaussian's fit
      const std = Math.sqrt(variance);
      const scale = std > 0 ? 1 / std : 1;
      u[j] = Math.log(scale);
      t[j] = -mean * scale;
    }
    return [u, t]; // a conditional layer keeps its conditioner (its Δ(c) is zero at the start)
  },
};
