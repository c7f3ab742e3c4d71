// The spline layer's knots from its parameters, and the knot gradient pulled back to them, in one
// pass over the dim·K parameters each (engine/backend.ts, SplineKnotParams; the differentiable
// composite of the same functions is flow/layers/spline.ts knotsOf, edgesPullBack and
// derivativesPullBack, the reference the conformance test compares against). Per unit j:
//   p = softmax(u_j),  x_k = -bound + Σ_{i<k} (f + c·p_i),  c = 2·bound·(1 − K·minBin), f = 2·bound·minBin
//   ∂⟨x, g⟩/∂u_i = c·p_i·(a_i − Σ_l p_l a_l),  a_i = Σ_{k>i} g_k                       (softmax Jacobian)
//   d_k = minDerivative + softplus(ud_{k−1}),  ∂⟨d, g⟩/∂ud_i = g_{i+1}·σ(ud_i)
// Sums in float64 whatever the storage dtype. O(dim·K) per pass. Where the runtime gives a
// KnotRunner (arrays in its shared memory) the whole pass runs as SIMD kernels
// (wasm/knot-kernels.ts, the same operations in the same order); otherwise this JavaScript pass,
// its exponentials (softmax, softplus, σ) over whole arrays by the SIMD maps where the runtime
// gives a VectorMap.

import type { SplineKnotParams } from '../../engine/backend.js';
import { dtypeOfArray, type TypedArray } from '../../engine/dtype.js';
import type { Alloc } from './pool.js';
import { mapInPlace, type VectorMap } from './vector-maps.js';

/** softmax of each unit's K entries of u ([dim, K]), in float64. */
function softmaxRows(u: TypedArray, dim: number, K: number, vector: VectorMap | undefined): Float64Array {
  const p = new Float64Array(dim * K);
  for (let j = 0; j < dim; j++) {
    let max = -Infinity;
    for (let i = 0; i < K; i++) max = Math.max(max, u[j * K + i]);
    for (let i = 0; i < K; i++) p[j * K + i] = u[j * K + i] - max;
  }
  mapInPlace('exp', p, vector);
  for (let j = 0; j < dim; j++) {
    let sum = 0;
    for (let i = 0; i < K; i++) sum += p[j * K + i];
    for (let i = 0; i < K; i++) p[j * K + i] /= sum;
  }
  return p;
}

/** f(u) for every entry of u, in float64. */
function mapped(map: 'softplus' | 'sigmoid', u: TypedArray, vector: VectorMap | undefined): Float64Array {
  const out = new Float64Array(u); // converts (Float64Array.from walks an iterator: ~10× slower)
  mapInPlace(map, out, vector);
  return out;
}

/**
 * Runs a pass into `outs` (allocated by the caller) by the SIMD kernels (wasm/knot-kernels.ts);
 * false when it does not, and the JavaScript pass runs instead.
 */
export type KnotRunner = (
  pass: 'knots' | 'knots-backward', uw: TypedArray, uh: TypedArray, ud: TypedArray, g: TypedArray | null, p: SplineKnotParams,
  outs: readonly [TypedArray, TypedArray, TypedArray],
) => boolean;

/** One pass: 'knots' gives [xs, ys, ds] ([dim, K+1] each); 'knots-backward' gives [∂uw, ∂uh, ∂ud] (× scale). */
export function splineKnots(
  pass: 'knots' | 'knots-backward', uw: TypedArray, uh: TypedArray, ud: TypedArray, g: TypedArray | null, p: SplineKnotParams, alloc: Alloc,
  vector?: VectorMap, kernel?: KnotRunner,
): [TypedArray, TypedArray, TypedArray] {
  const { dim, bins: K, bound, minBin, minDerivative, scale } = p;
  const dtype = dtypeOfArray(uw);
  const c = 2 * bound * (1 - K * minBin);
  const f = 2 * bound * minBin;
  const S = dim * (K + 1);
  if (pass === 'knots-backward' && g === null) throw new Error("splineKnots: the 'knots-backward' pass needs the knot gradient");
  const outs: [TypedArray, TypedArray, TypedArray] = pass === 'knots'
    ? [alloc(dtype, S), alloc(dtype, S), alloc(dtype, S)]
    : [alloc(dtype, dim * K), alloc(dtype, dim * K), alloc(dtype, dim * (K - 1))];
  if (kernel?.(pass, uw, uh, ud, g, p, outs) === true) return outs;
  const pw = softmaxRows(uw, dim, K, vector);
  const ph = softmaxRows(uh, dim, K, vector);
  if (pass === 'knots') {
    const [xs, ys, ds] = outs;
    const sp = mapped('softplus', ud, vector);
    const edges = (prob: Float64Array, out: TypedArray, j: number): void => {
      const o = j * (K + 1);
      let edge = -bound;
      out[o] = edge;
      for (let k = 1; k <= K; k++) out[o + k] = edge += f + c * prob[j * K + k - 1];
    };
    for (let j = 0; j < dim; j++) {
      const o = j * (K + 1);
      edges(pw, xs, j);
      edges(ph, ys, j);
      ds[o] = 1;
      ds[o + K] = 1;
      for (let k = 1; k < K; k++) ds[o + k] = minDerivative + sp[j * (K - 1) + k - 1];
    }
    return [xs, ys, ds];
  }
  if (g === null) throw new Error("splineKnots: the 'knots-backward' pass needs the knot gradient");
  const [gw, gh, gd] = outs;
  const sg = mapped('sigmoid', ud, vector);
  const suffix = new Float64Array(K);
  const pullBack = (prob: Float64Array, out: TypedArray, j: number, at: number): void => {
    // a_i = Σ_{k>i} g_k, from the top down; pa = Σ_i p_i a_i
    let a = 0;
    let pa = 0;
    for (let i = K - 1; i >= 0; i--) {
      a += g[at + i + 1];
      pa += prob[j * K + i] * a;
      suffix[i] = a;
    }
    for (let i = 0; i < K; i++) out[j * K + i] = scale * c * prob[j * K + i] * (suffix[i] - pa);
  };
  for (let j = 0; j < dim; j++) {
    const o = j * (K + 1);
    pullBack(pw, gw, j, o);
    pullBack(ph, gh, j, S + o);
    for (let i = 0; i < K - 1; i++) gd[j * (K - 1) + i] = scale * g[2 * S + o + i + 1] * sg[j * (K - 1) + i];
  }
  return [gw, gh, gd];
}
