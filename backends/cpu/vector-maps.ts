// The float64 maps the spline knots' pass applies to whole arrays (backends/cpu/spline-knots.ts):
// e^u for u ≤ 0, softplus and the logistic function. A VectorMap runs them as SIMD kernels
// (threads/index.ts mapF64, wasm/map-kernels.ts); SCALAR_MAPS are the same functions per element,
// used where no VectorMap is given or it declines.

import type { VectorMapName } from './wasm/map-kernels.js';

export type { VectorMapName } from './wasm/map-kernels.js';

/** Maps `values` in place; false if it did not (the caller then maps them with SCALAR_MAPS). */
export type VectorMap = (map: VectorMapName, values: Float64Array) => boolean;

/** softplus(u) = max(u, 0) + log1p(e^{−|u|}), stable for any u. */
const softplus = (u: number): number => Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));

/** σ(u) = 1 / (1 + e^{−u}). */
const sigmoid = (u: number): number => 1 / (1 + Math.exp(-u));

/** The maps per element (Math.exp, Math.log1p). */
export const SCALAR_MAPS: Readonly<Record<VectorMapName, (u: number) => number>> = { exp: Math.exp, softplus, sigmoid };

/** values[i] ← map(values[i]): by `vector` when given and it accepts, else per element. */
export function mapInPlace(map: VectorMapName, values: Float64Array, vector?: VectorMap): void {
  if (vector?.(map, values) === true) return;
  const f = SCALAR_MAPS[map];
  for (let i = 0; i < values.length; i++) values[i] = f(values[i]);
}
