// σ⁻¹ element-wise by safeguarded Newton (docs/method.md, "Sampling"): a bracket [lo, hi] that must contain the
// root (σ' ≥ minSlope > 0 gives |x - x*| ≤ |σ(x) - y|/minSlope), Newton steps that stay inside
// it, bisection otherwise. Quadratic convergence near the root; never diverges.

import type { Activation } from './activations.js';

/** σ⁻¹(y) element-wise, with the largest residual max_i |σ(x_i) − y_i| and Newton iterations taken. */
export interface InverseResult {
  x: Float64Array;
  /** max_i |σ(x_i) - y_i| */
  maxResidual: number;
  maxIterations: number;
}

/** x = σ⁻¹(y) element-wise by safeguarded Newton (bisection fallback; never diverges) to `tolerance` in y. */
export function invertActivation(act: Activation, y: ArrayLike<number>, tolerance = 1e-13): InverseResult {
  const x = new Float64Array(y.length);
  let maxResidual = 0;
  let maxIterations = 0;
  for (let i = 0; i < y.length; i++) {
    const target = y[i];
    if (!Number.isFinite(target)) throw new Error(`inverse: activation input ${i} is not finite (${target})`);
    const { root, residual, iterations } = solveOne(act, target, tolerance);
    x[i] = root;
    maxResidual = Math.max(maxResidual, residual);
    maxIterations = Math.max(maxIterations, iterations);
  }
  return { x, maxResidual, maxIterations };
}

function solveOne(act: Activation, y: number, tolerance: number): { root: number; residual: number; iterations: number } {
  let x = y >= 0 ? y : y / act.minSlope; // σ(x) ≈ x for large positive x; slope ≥ minSlope below
  let f = act.host(x) - y;
  const radius = Math.abs(f) / act.minSlope;
  let lo = x - radius;
  let hi = x + radius;
  const scale = Math.max(1, Math.abs(y));
  let it = 0;
  let bisectNext = false;
  for (; it < 200 && Math.abs(f) > tolerance * scale; it++) {
    if (f > 0) hi = Math.min(hi, x);
    else lo = Math.max(lo, x);
    const step = x - f / act.hostDeriv(x);
    // Newton inside the bracket while it at least halves |f|; otherwise one bisection step
    x = !bisectNext && step > lo && step < hi ? step : 0.5 * (lo + hi);
    const previous = Math.abs(f);
    f = act.host(x) - y;
    bisectNext = Math.abs(f) > 0.5 * previous;
    if (hi - lo <= 4 * Number.EPSILON * Math.max(1, Math.abs(x))) break;
  }
  return { root: x, residual: Math.abs(f), iterations: it };
}
