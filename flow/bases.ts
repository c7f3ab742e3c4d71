// Factorised base densities p_s of the flow (docs/method.md, "The model"): log-density, score, and a sampler.

import * as ops from '../engine/ops.js';
import type { Rng } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';

/** The factorised base densities p_s: 'normal', 'hypsecant', 'laplace' and 'logistic' (each unit independent). */
export type BaseName = 'normal' | 'hypsecant' | 'laplace' | 'logistic';
/** Every `BaseName`. */
export const BASES: readonly BaseName[] = ['normal', 'hypsecant', 'laplace', 'logistic'];

/** A factorised base density p_s: element-wise log-density (nats), score ∂ log p_s/∂s, and a host sampler. */
export interface BaseDensity {
  readonly name: BaseName;
  /** log p_s(s) element-wise */
  logProb(s: Tensor): Tensor;
  /** ∂ log p_s(s)/∂s element-wise */
  score(s: Tensor): Tensor;
  /** -∂ log p_s(s)/∂s = δ_L, the top layer's error, in the fewest passes */
  negScore(s: Tensor): Tensor;
  sample(rng: Rng): number;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The base density of the given name. */
export function makeBase(name: BaseName): BaseDensity {
  switch (name) {
    // log p = -s²/2 - log(2π)/2; score -s
    case 'normal':
      return {
        name,
        logProb: (s) => ops.sub(ops.mul(ops.square(s), -0.5), HALF_LOG_2PI),
        score: (s) => ops.neg(s),
        negScore: (s) => s,
        sample: (rng) => rng.normal(),
      };
    // p = ½ sech(πs/2): log p = -log 2 - log cosh(πs/2); score -(π/2) tanh(πs/2)
    case 'hypsecant':
      return {
        name,
        logProb: (s) => ops.sub(ops.neg(ops.logcosh(ops.mul(s, Math.PI / 2))), Math.LN2),
        score: (s) => ops.mul(ops.tanh(ops.mul(s, Math.PI / 2)), -Math.PI / 2),
        negScore: (s) => ops.mul(ops.tanh(ops.mul(s, Math.PI / 2)), Math.PI / 2),
        // inverse CDF: s = (2/π) log tan(πu/2)
        sample: (rng) => (2 / Math.PI) * Math.log(Math.tan((Math.PI / 2) * openUniform(rng))),
      };
    // p = ½ e^{-|s|}: log p = -|s| - log 2; score -sign(s)
    case 'laplace':
      return {
        name,
        logProb: (s) => ops.sub(ops.neg(ops.abs(s)), Math.LN2),
        score: (s) => ops.neg(ops.sign(s)),
        negScore: (s) => ops.sign(s),
        sample: (rng) => {
          const u = openUniform(rng) - 0.5;
          return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
        },
      };
    // p = σ(s)σ(-s): log p = -softplus(s) - softplus(-s); score 1 - 2σ(s)
    case 'logistic':
      return {
        name,
        logProb: (s) => ops.neg(ops.add(ops.softplus(s), ops.softplus(ops.neg(s)))),
        score: (s) => ops.sub(1, ops.mul(ops.sigmoid(s), 2)),
        negScore: (s) => ops.affine(ops.sigmoid(s), 2, -1),
        sample: (rng) => {
          const u = openUniform(rng);
          return Math.log(u / (1 - u));
        },
      };
    default:
      throw new Error(`unknown base density '${String(name)}'; expected one of ${BASES.join(', ')}`);
  }
}

function openUniform(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.uniform();
  return u;
}
