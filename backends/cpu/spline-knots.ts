// The spline layer's knots from its parameters, and the knot gradient pulled back to them, in one
// pass over the dim·K parameters each (engine/backend.ts, SplineKnotParams; the differentiable
// composite of the same functions is flow/layers/spline.ts knotsOf, edgesPullBack and
// derivativesPullBack, the reference the conformance test compares against). Per unit j:
//   p = softmax(u_j),  x_k = -bound + Σ_{i<k} (f + c·p_i),  c = 2·bound·(1 − K·minBin), f = 2·bound·minBin
//   ∂⟨x, g⟩/∂u_i = c·p_i·(a_i − Σ_l p_l a_l),  a_i = Σ_{k>i} g_k                       (softmax Jacobian)
//   d_k = minDerivative + softplus(ud_{k−1}),  ∂⟨d, g⟩/∂ud_i = g_{i+1}·σ(ud_i)
// Sums in float64 whatever the storage dtype. O(dim·K) per pass.

import type { SplineKnotParams } from '../../engine/backend.js';
import { dtypeOfArray, type TypedArray } from '../../engine/dtype.js';
import type { Alloc } from './pool.js';

/** softplus(u) = max(u, 0) + log1p(e^{−|u|}), stable for any u. */
const softplus = (u: number): number => Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));

/** softmax of u[at .. at+K) into p[0 .. K). */
function softmaxInto(u: TypedArray, at: number, K: number, p: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < K; i++) max = Math.max(max, u[at + i]);
  let sum = 0;
  for (let i = 0; i < K; i++) sum += p[i] = Math.exp(u[at + i] - max);
  for (let i = 0; i < K; i++) p[i] /= sum;
}

/** One pass: 'knots' gives [xs, ys, ds] ([dim, K+1] each); 'knots-backward' gives [∂uw, ∂uh, ∂ud] (× scale). */
export function splineKnots(pass: 'knots' | 'knots-backward', uw: TypedArray, uh: TypedArray, ud: TypedArray, g: TypedArray | null, p: SplineKnotParams, alloc: Alloc): [TypedArray, TypedArray, TypedArray] {
  const { dim, bins: K, bound, minBin, minDerivative, scale } = p;
  const dtype = dtypeOfArray(uw);
  const c = 2 * bound * (1 - K * minBin);
  const f = 2 * bound * minBin;
  const prob = new Float64Array(K);
  const suffix = new Float64Array(K);
  const S = dim * (K + 1);
  if (pass === 'knots') {
    const xs = alloc(dtype, S);
    const ys = alloc(dtype, S);
    const ds = alloc(dtype, S);
    const edges = (u: TypedArray, out: TypedArray, j: number): void => {
      softmaxInto(u, j * K, K, prob);
      const o = j * (K + 1);
      let edge = -bound;
      out[o] = edge;
      for (let k = 1; k <= K; k++) out[o + k] = edge += f + c * prob[k - 1];
    };
    for (let j = 0; j < dim; j++) {
      const o = j * (K + 1);
      edges(uw, xs, j);
      edges(uh, ys, j);
      ds[o] = 1;
      ds[o + K] = 1;
      for (let k = 1; k < K; k++) ds[o + k] = minDerivative + softplus(ud[j * (K - 1) + k - 1]);
    }
    return [xs, ys, ds];
  }
  if (g === null) throw new Error("splineKnots: the 'knots-backward' pass needs the knot gradient");
  const gw = alloc(dtype, dim * K);
  const gh = alloc(dtype, dim * K);
  const gd = alloc(dtype, dim * (K - 1));
  const pullBack = (u: TypedArray, out: TypedArray, j: number, at: number): void => {
    softmaxInto(u, j * K, K, prob);
    // a_i = Σ_{k>i} g_k, from the top down; pa = Σ_i p_i a_i
    let a = 0;
    let pa = 0;
    for (let i = K - 1; i >= 0; i--) {
      a += g[at + i + 1];
      pa += prob[i] * a;
      suffix[i] = a;
    }
    for (let i = 0; i < K; i++) out[j * K + i] = scale * c * prob[i] * (suffix[i] - pa);
  };
  for (let j = 0; j < dim; j++) {
    const o = j * (K + 1);
    pullBack(uw, gw, j, o);
    pullBack(uh, gh, j, S + o);
    for (let i = 0; i < K - 1; i++) {
      const v = ud[j * (K - 1) + i];
      gd[j * (K - 1) + i] = (scale * g[2 * S + o + i + 1]) / (1 + Math.exp(-v));
    }
  }
  return [gw, gh, gd];
}
