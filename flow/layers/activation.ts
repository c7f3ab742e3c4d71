// A fixed element-wise activation layer (the paper's σ; flow/activations.ts): y = σ(x) per unit,
// log|det J| = Σ_j log σ'(x_j) per sample, no parameters. Backward (docs/layers.md):
//   G_in = σ'(X) ⊙ G_out - σ''(X)/σ'(X)
// in one fused pass outside a tape.

import { pointwisePass } from '../../engine/fused.js';
import * as ops from '../../engine/ops.js';
import { isRecording } from '../../engine/tape.js';
import { fromHost } from '../../engine/create.js';
import type { Tensor } from '../../engine/tensor.js';
import { ACTIVATIONS, makeActivation, type Activation, type ActivationName } from '../activations.js';
import { invertActivation } from '../inverse.js';
import type { LayerDefinition } from './definition.js';
import type { Layer, LayerBackward, LayerForward, StoredLayerSpec } from './layer.js';

/** Spec of a fixed element-wise activation layer y = σ(x): which σ and its parameters. */
export interface ActivationSpec {
  type: 'activation';
  /** default smooth-leaky-relu */
  name?: ActivationName;
  /** smooth-leaky-relu slope for x → -∞ (default 0.3) */
  alpha?: number;
  /** leaky-tanh: σ(x) = tanh(βx) + γx (defaults 1, 0.1) */
  beta?: number;
  gamma?: number;
}

export type ResolvedActivationSpec = Required<ActivationSpec>;

/** A fixed element-wise activation layer y = σ(x) on [B, D]; log|det J| = Σ_j log σ'(x_j) per sample, no parameters. */
export class ActivationLayer implements Layer {
  readonly type = 'activation' as const;
  readonly spec: ResolvedActivationSpec;
  readonly paramNames: readonly string[] = [];
  readonly paramShapes: readonly (readonly number[])[] = [];
  readonly activation: Activation;

  constructor(spec: ResolvedActivationSpec) {
    this.spec = spec;
    this.activation = makeActivation(this.spec);
  }

  initParams(): Float64Array[] {
    return [];
  }

  map(x: Tensor): Tensor {
    return isRecording([x]) ? this.activation.apply(x) : pointwisePass('value', this.activation.kernel, x);
  }

  forward(x: Tensor): LayerForward {
    const logDeriv = isRecording([x]) ? this.activation.logDeriv(x) : pointwisePass('log-derivative', this.activation.kernel, x);
    return { y: this.map(x), logDet: ops.sum(logDeriv, 1) };
  }

  backward(x: Tensor, _y: Tensor, _params: readonly Tensor[], gOut: Tensor, needInput: boolean): LayerBackward {
    if (!needInput) return { gIn: null, grads: [] };
    if (isRecording([x, gOut])) {
      const { deriv, dLogDeriv } = this.activation.derivatives(x);
      return { gIn: ops.sub(ops.mul(deriv, gOut), dLogDeriv), grads: [] };
    }
    return { gIn: pointwisePass('input-gradient', this.activation.kernel, x, gOut), grads: [] }; // one fused pass
  }

  /** σ⁻¹ by safeguarded Newton on the host (flow/inverse.ts). */
  inverse(y: Tensor): { x: Tensor; maxResidual: number } {
    const inv = invertActivation(this.activation, y.dataSync());
    return { x: fromHost(inv.x, y.shape, { dtype: y.dtype, backend: y.backend }), maxResidual: inv.maxResidual };
  }
}

/** The fixed activation layer type (no parameters; no data-dependent start). */
export const activationLayer: LayerDefinition<ResolvedActivationSpec> = {
  type: 'activation',
  description: "y = σ(x) per unit, a fixed activation (the paper's smooth leaky ReLU or leaky tanh)",
  options: ['name', 'alpha', 'beta', 'gamma'],
  resolve(spec: StoredLayerSpec, where: string): ResolvedActivationSpec {
    const { name = 'smooth-leaky-relu', alpha = 0.3, beta = 1, gamma = 0.1 } = spec as ActivationSpec;
    if (!ACTIVATIONS.includes(name)) throw new Error(`${where}: unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATIONS.join(', ')}`);
    for (const [key, v] of Object.entries({ alpha, beta, gamma })) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: activation ${key} must be a finite number, got ${JSON.stringify(v)}`);
    }
    return { type: 'activation', name, alpha, beta, gamma };
  },
  parameters: () => [],
  label: (spec) => spec.name,
  build: (spec) => new ActivationLayer(spec),
};
