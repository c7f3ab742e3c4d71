// Element-wise invertible activations σ of the dense flow (docs/method.md, "The model"), with the derivatives the
// hand-written gradients need (σ', σ''/σ') and host versions for Newton inversion (inverse.ts).

import type { PointwiseMap } from '../engine/backend.js';
import * as ops from '../engine/ops.js';
import { sigmoid as hostSigmoid, softplus as hostSoftplus } from './host-math.js';
import type { Tensor } from '../engine/tensor.js';

/** The element-wise activations σ of the paper's flow: 'smooth-leaky-relu' and 'leaky-tanh'. */
export type ActivationName = 'smooth-leaky-relu' | 'leaky-tanh';
/** Every `ActivationName`. */
export const ACTIVATIONS: readonly ActivationName[] = ['smooth-leaky-relu', 'leaky-tanh'];

/** An activation σ and its parameters (α for smooth-leaky-relu; β, γ for leaky-tanh). */
export interface ActivationConfig {
  name: ActivationName;
  /** smooth-leaky-relu slope for x → -∞ (default 0.3). */
  alpha?: number;
  /** leaky-tanh: σ(x) = tanh(βx) + γx (defaults β = 1, γ = 0.1). */
  beta?: number;
  gamma?: number;
}

/**
 * An invertible element-wise activation σ with the derivatives hand-written gradients need (σ', σ''/σ'),
 * as tensor ops, a fused kernel and host functions (for Newton inversion).
 */
export interface Activation {
  readonly config: Required<ActivationConfig>;
  /** The same function as the engine's element-wise map σ(y) = linear·y + outer·φ(inner·y) (pointwisePass), for hand-written gradients. */
  readonly kernel: PointwiseMap;
  apply(y: Tensor): Tensor;
  /** log σ'(y): term 2 of the log-density */
  logDeriv(y: Tensor): Tensor;
  /** σ'(y) and σ''(y)/σ'(y) = d log σ'(y)/dy together, sharing their common subexpression (backprop needs both) */
  derivatives(y: Tensor): { deriv: Tensor; dLogDeriv: Tensor };
  host(x: number): number;
  hostDeriv(x: number): number;
  /** inf σ' > 0: bounds how far the inverse can be from a guess (|Δx| ≤ |Δσ|/minSlope). */
  readonly minSlope: number;
}


/** σ(x) = αx + (1-α)·softplus(x); σ' = α + (1-α)·s(x); σ'' = (1-α)·s(1-s), s = sigmoid. */
function smoothLeakyRelu(alpha: number): Activation {
  if (!(alpha > 0 && alpha < 1)) throw new Error(`activation smooth-leaky-relu: alpha must be in (0, 1), got ${alpha}`);
  const fromSigmoid = (s: Tensor): { deriv: Tensor; dLogDeriv: Tensor } => {
    const deriv = ops.affine(s, 1 - alpha, alpha);
    return { deriv, dLogDeriv: ops.div(ops.mul(ops.mul(s, ops.sub(1, s)), 1 - alpha), deriv) };
  };
  return {
    derivatives: (y) => fromSigmoid(ops.sigmoid(y)),
    config: { name: 'smooth-leaky-relu', alpha, beta: 1, gamma: 0.1 },
    kernel: { base: 'softplus', linear: alpha, outer: 1 - alpha, inner: 1 },
    apply: (y) => ops.add(ops.mul(y, alpha), ops.mul(ops.softplus(y), 1 - alpha)),
    logDeriv: (y) => ops.log(ops.add(ops.mul(ops.sigmoid(y), 1 - alpha), alpha)),
    host: (x) => alpha * x + (1 - alpha) * hostSoftplus(x),
    hostDeriv: (x) => alpha + (1 - alpha) * hostSigmoid(x),
    minSlope: alpha,
  };
}

/** σ(x) = tanh(βx) + γx; σ' = β(1 - tanh²(βx)) + γ; σ'' = -2β² tanh(βx)(1 - tanh²(βx)). */
function leakyTanh(beta: number, gamma: number): Activation {
  if (!(beta > 0) || !(gamma > 0)) throw new Error(`activation leaky-tanh: beta and gamma must be > 0, got ${beta}, ${gamma}`);
  const deriv = (y: Tensor): Tensor => ops.add(ops.mul(ops.sub(1, ops.square(ops.tanh(ops.mul(y, beta)))), beta), gamma);
  return {
    derivatives: (y) => {
      const t = ops.tanh(ops.mul(y, beta));
      const sech2 = ops.sub(1, ops.square(t));
      const d = ops.affine(sech2, beta, gamma);
      return { deriv: d, dLogDeriv: ops.div(ops.mul(ops.mul(t, sech2), -2 * beta * beta), d) };
    },
    config: { name: 'leaky-tanh', alpha: 0.3, beta, gamma },
    kernel: { base: 'tanh', linear: gamma, outer: 1, inner: beta },
    apply: (y) => ops.add(ops.tanh(ops.mul(y, beta)), ops.mul(y, gamma)),
    logDeriv: (y) => ops.log(deriv(y)),
    host: (x) => Math.tanh(beta * x) + gamma * x,
    hostDeriv: (x) => {
      const t = Math.tanh(beta * x);
      return beta * (1 - t * t) + gamma;
    },
    minSlope: gamma,
  };
}

/** The activation σ a config names, with its defaults filled in (α = 0.3; β = 1, γ = 0.1). */
export function makeActivation(config: ActivationConfig): Activation {
  switch (config.name) {
    case 'smooth-leaky-relu':
      return smoothLeakyRelu(config.alpha ?? 0.3);
    case 'leaky-tanh':
      return leakyTanh(config.beta ?? 1, config.gamma ?? 0.1);
    default:
      throw new Error(`unknown activation '${String((config as { name: unknown }).name)}'; expected one of ${ACTIVATIONS.join(', ')}`);
  }
}
