// The spline kernel family on the CPU (engine/backend.ts, SplinePass): monotone rational-quadratic
// splines per unit (Durkan et al., "Neural Spline Flows", NeurIPS 2019) over typed arrays, in place
// in the backend's storage (no copies in or out). Knots: x-knots, y-knots, derivatives, [dim, K+1] each.
// In bin k, with w = x_{k+1} - x_k, h = y_{k+1} - y_k, s = h/w, ξ = (x - x_k)/w, t = ξ(1 - ξ):
//   f(x)  = y_k + h·(s ξ² + d_k t) / (s + (d_k + d_{k+1} - 2s) t)
//   f'(x) = s²·(d_{k+1} ξ² + 2 s t + d_k (1 - ξ)²) / (s + (d_k + d_{k+1} - 2s) t)²
// Cost O(rows·dim·log K) per pass; the knot gradient accumulates per unit (O(dim·K) output).

import type { SplineParams, SplinePass } from '../../engine/backend.js';
import { allocHost, dtypeOfArray, type TypedArray } from '../../engine/dtype.js';
import type { Alloc } from './pool.js';

/** The bin k of v among knots[o .. o+K] (knots[o] ≤ v < knots[o+K]): the largest k with knots[o+k] ≤ v. */
function findBin(knots: TypedArray, o: number, K: number, v: number): number {
  let lo = 0;
  let hi = K - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (knots[o + mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Spline knots of every unit, [dim, K+1] each. */
export interface SplineKnotArrays {
  xs: TypedArray;
  ys: TypedArray;
  ds: TypedArray;
}

/**
 * A faster way to run a spline pass (the threads' WebAssembly SIMD kernels, split by rows): fills
 * `out` as `spline` would and returns true, or returns false to leave the pass to JavaScript.
 */
export type SplineRunner = (pass: SplinePass, x: TypedArray, knots: SplineKnotArrays, back: TypedArray | null, out: TypedArray, p: SplineParams) => boolean;

/** One spline pass; see SplinePass. `runner` (optional) may take it over. */
export function spline(pass: SplinePass, x: TypedArray, knots: SplineKnotArrays, back: TypedArray | null, p: SplineParams, alloc: Alloc = allocHost, runner?: SplineRunner): TypedArray {
  const { rows, dim, bins: K } = p;
  const stride = dim * (K + 1); // the knot gradient holds xs at 0, ys at stride, ds at 2·stride
  const needsBack = pass === 'input-gradient' || pass === 'knot-gradient' || pass === 'backward';
  if (needsBack && back === null) throw new Error(`spline: the '${pass}' pass needs the back-propagated error`);
  const n = rows * dim;
  const out = alloc(dtypeOfArray(x), pass === 'knot-gradient' ? 3 * stride : pass === 'backward' ? n + 3 * stride : n);
  if (runner !== undefined && runner(pass, x, knots, back, out, p)) return out;
  const gradAt = pass === 'knot-gradient' ? 0 : n;
  if (pass === 'knot-gradient' || pass === 'backward') out.fill(0, gradAt, gradAt + 3 * stride);
  splineRange(pass, x, knots, back, out, p, 0, rows, 0, dim, gradAt);
  return out;
}

/**
 * Rows [r0, r1) and units [j0, j1) of a pass in JavaScript: element outputs in `out` at their
 * own indices; for the gradient passes, the knot gradient *added* into `out` from `gradAt`
 * (layout [3, dim, K+1]). The runner calls it for the units its SIMD kernels leave.
 */
export function splineRange(pass: SplinePass, x: TypedArray, knots: SplineKnotArrays, back: TypedArray | null, out: TypedArray, p: SplineParams, r0: number, r1: number, j0: number, j1: number, gradAt: number): void {
  const { xs, ys, ds } = knots;
  const range = { r0, r1, j0, j1 };
  if (pass === 'inverse') inverse(x, xs, ys, ds, out, p, range);
  else if (pass === 'knot-gradient') gradients(x, back as TypedArray, xs, ys, ds, out, -1, gradAt, p, range);
  else if (pass === 'backward') gradients(x, back as TypedArray, xs, ys, ds, out, 0, gradAt, p, range);
  else elementwise(pass, x, back, xs, ys, ds, out, p, range);
}

/** Rows [r0, r1) and units [j0, j1). */
interface Range {
  r0: number;
  r1: number;
  j0: number;
  j1: number;
}

/** x = f⁻¹(y): the root in [0, 1] of the bin's quadratic a ξ² + b ξ + c = 0, in its stable form. */
function inverse(y: TypedArray, xs: TypedArray, ys: TypedArray, ds: TypedArray, out: TypedArray, p: SplineParams, { r0, r1, j0, j1 }: Range): void {
  const { dim, bins: K, bound } = p;
  for (let r = r0; r < r1; r++) for (let j = j0, o = j0 * (K + 1), i = r * dim + j0; j < j1; j++, o += K + 1, i++) {
    const v = y[i];
    if (!(v >= -bound && v < bound)) {
      out[i] = v;
      continue;
    }
    const k = o + findBin(ys, o, K, v);
    const w = xs[k + 1] - xs[k];
    const h = ys[k + 1] - ys[k];
    const s = h / w;
    const d0 = ds[k];
    const d1 = ds[k + 1];
    const dy = v - ys[k];
    const e = d0 + d1 - 2 * s;
    const a = h * (s - d0) + dy * e;
    const b = h * d0 - dy * e;
    const c = -s * dy;
    const disc = Math.max(0, b * b - 4 * a * c);
    out[i] = xs[k] + Math.min(1, Math.max(0, (2 * c) / (-b - Math.sqrt(disc)))) * w;
  }
}

const VALUE = 0;
const LOG_DERIVATIVE = 1;

/** 'value', 'log-derivative' or 'input-gradient', element by element. */
function elementwise(pass: SplinePass, x: TypedArray, back: TypedArray | null, xs: TypedArray, ys: TypedArray, ds: TypedArray, out: TypedArray, p: SplineParams, { r0, r1, j0, j1 }: Range): void {
  const { dim, bins: K, bound } = p;
  const mode = pass === 'value' ? VALUE : pass === 'log-derivative' ? LOG_DERIVATIVE : 2;
  for (let r = r0; r < r1; r++) for (let j = j0, o = j0 * (K + 1), i = r * dim + j0; j < j1; j++, o += K + 1, i++) {
    const v = x[i];
    if (!(v >= -bound && v < bound)) {
      out[i] = mode === VALUE ? v : mode === LOG_DERIVATIVE ? 0 : (back as TypedArray)[i];
      continue;
    }
    const k = o + findBin(xs, o, K, v);
    const w = xs[k + 1] - xs[k];
    const h = ys[k + 1] - ys[k];
    const s = h / w;
    const d0 = ds[k];
    const d1 = ds[k + 1];
    const xi = (v - xs[k]) / w;
    const om = 1 - xi;
    const t = xi * om;
    const e = d0 + d1 - 2 * s;
    const den = s + e * t;
    if (mode === VALUE) {
      out[i] = ys[k] + (h * (s * xi * xi + d0 * t)) / den;
      continue;
    }
    const C = d1 * xi * xi + 2 * s * t + d0 * om * om;
    if (mode === LOG_DERIVATIVE) {
      out[i] = Math.log((s * s * C) / (den * den));
      continue;
    }
    // log f' = 2 log s + log C - 2 log den, differentiated in ξ
    const lXi = (2 * d1 * xi - 2 * d0 * om + 2 * s * (1 - 2 * xi)) / C - (2 * e * (1 - 2 * xi)) / den;
    out[i] = ((back as TypedArray)[i] * s * s * C) / (den * den) - lXi / w;
  }
}

/**
 * Σ_rows of the partials of E = g·f - log f' in the six knot values of each element's bin (chain
 * rule through ξ = (v - x_k)/w, w = x_{k+1} - x_k, s = h/w, h = y_{k+1} - y_k; f holds y_k itself),
 * added into `out` from `at`; and, when `inputAt` ≥ 0, the input gradient g·f' − ∂log f'/∂x from
 * `inputAt` (the 'backward' pass: both from one bin search per element).
 */
function gradients(x: TypedArray, back: TypedArray, xs: TypedArray, ys: TypedArray, ds: TypedArray, out: TypedArray, inputAt: number, at: number, p: SplineParams, { r0, r1, j0, j1 }: Range): void {
  const { dim, bins: K, bound } = p;
  const stride = dim * (K + 1);
  const withInput = inputAt >= 0;
  for (let r = r0; r < r1; r++) for (let j = j0, o = j0 * (K + 1), i = r * dim + j0; j < j1; j++, o += K + 1, i++) {
    const v = x[i];
    if (!(v >= -bound && v < bound)) {
      if (withInput) out[inputAt + i] = back[i];
      continue;
    }
    const k = o + findBin(xs, o, K, v);
    const w = xs[k + 1] - xs[k];
    const h = ys[k + 1] - ys[k];
    const s = h / w;
    const d0 = ds[k];
    const d1 = ds[k + 1];
    const xi = (v - xs[k]) / w;
    const om = 1 - xi;
    const t = xi * om;
    const e = d0 + d1 - 2 * s;
    const den = s + e * t;
    const A = s * xi * xi + d0 * t;
    const C = d1 * xi * xi + 2 * s * t + d0 * om * om;
    const g = back[i];
    const den2 = den * den;
    const denXi = e * (1 - 2 * xi);
    const lXi = (2 * d1 * xi - 2 * d0 * om + 2 * s * (1 - 2 * xi)) / C - (2 * denXi) / den;
    const denS = 1 - 2 * t;
    const fXi = (h * ((2 * s * xi + d0 * (1 - 2 * xi)) * den - A * denXi)) / den2;
    const fS = (h * (xi * xi * den - A * denS)) / den2;
    const fH = A / den;
    const fD0 = (h * t * (den - A)) / den2;
    const fD1 = (-h * A * t) / den2;
    const lS = 2 / s + (2 * t) / C - (2 * denS) / den;
    const lD0 = (om * om) / C - (2 * t) / den;
    const lD1 = (xi * xi) / C - (2 * t) / den;
    const eXi = g * fXi - lXi;
    const eS = g * fS - lS;
    const eH = g * fH;
    if (withInput) out[inputAt + i] = (g * s * s * C) / den2 - lXi / w;
    out[at + k] += (eXi * (xi - 1)) / w + (eS * s) / w;
    out[at + k + 1] += (-eXi * xi) / w - (eS * s) / w;
    out[at + stride + k] += g - eH - eS / w;
    out[at + stride + k + 1] += eH + eS / w;
    out[at + 2 * stride + k] += g * fD0 - lD0;
    out[at + 2 * stride + k + 1] += g * fD1 - lD1;
  }
}
