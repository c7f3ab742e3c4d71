// Monotone rational-quadratic splines (Durkan et al., "Neural Spline Flows", NeurIPS 2019), one per
// unit, on [-bound, bound] with identity tails (docs/layers.md, "Spline"): the parametrisation's
// constants, the identity's parameters and the knots on the host (the composite path's bin mask).
// The passes themselves are the backends' spline kernels (backends/cpu/spline.ts and the GPU.js
// shaders). Per unit j: K bins with knots (x_k, y_k) and derivatives d_k,
//   widths  w_k = 2·bound·(m + (1 - K·m)·softmax(uw_j)_k),   x_0 = -bound, x_k = x_0 + Σ_{i<k} w_i
//   heights the same from uh_j,  d_0 = d_K = 1,  d_k = m_d + softplus(ud_j,k-1)   (0 < k < K)
// In bin k, with w = x_{k+1} - x_k, h = y_{k+1} - y_k, s = h/w, ξ = (x - x_k)/w, t = ξ(1 - ξ):
//   f(x)  = y_k + h·(s ξ² + d_k t) / (s + (d_k + d_{k+1} - 2s) t)
//   f'(x) = s²·(d_{k+1} ξ² + 2 s t + d_k (1 - ξ)²) / (s + (d_k + d_{k+1} - 2s) t)²
// uw = uh = 0 and d_k = 1 give f(x) = x exactly: the layer starts as the identity.

/** smallest bin width/height as a fraction of the interval, and smallest interior derivative */
export const MIN_BIN = 1e-3;
export const MIN_DERIVATIVE = 1e-3;

export interface SplineShape {
  dim: number;
  bins: number;
  bound: number;
}

/** Knots of every unit (row j holds unit j), with the softmax and sigmoid values the gradients reuse. */
export interface Knots {
  xs: Float64Array; // dim × (K+1)
  ys: Float64Array; // dim × (K+1)
  ds: Float64Array; // dim × (K+1)
  pw: Float64Array; // dim × K, softmax(uw)
  ph: Float64Array; // dim × K, softmax(uh)
  sd: Float64Array; // dim × (K-1), sigmoid(ud) = ∂softplus/∂ud
}

const softplus = (v: number): number => (v > 30 ? v : Math.log1p(Math.exp(v)));
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** The unconstrained parameters of the identity map: uw = uh = 0, softplus(ud) = 1 - MIN_DERIVATIVE. */
export function identityParams({ dim, bins }: SplineShape): [Float64Array, Float64Array, Float64Array] {
  const ud = new Float64Array(dim * (bins - 1)).fill(Math.log(Math.expm1(1 - MIN_DERIVATIVE)));
  return [new Float64Array(dim * bins), new Float64Array(dim * bins), ud];
}

function softmaxRow(u: ArrayLike<number>, at: number, n: number, out: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, u[at + i]);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[at + i] = Math.exp(u[at + i] - max);
  for (let i = 0; i < n; i++) out[at + i] /= sum;
}

export function knotsFromParams(uw: ArrayLike<number>, uh: ArrayLike<number>, ud: ArrayLike<number>, { dim, bins: K, bound }: SplineShape): Knots {
  const pw = new Float64Array(dim * K);
  const ph = new Float64Array(dim * K);
  const sd = new Float64Array(dim * (K - 1));
  const xs = new Float64Array(dim * (K + 1));
  const ys = new Float64Array(dim * (K + 1));
  const ds = new Float64Array(dim * (K + 1));
  const scale = 2 * bound * (1 - K * MIN_BIN);
  const floor = 2 * bound * MIN_BIN;
  for (let j = 0; j < dim; j++) {
    softmaxRow(uw, j * K, K, pw);
    softmaxRow(uh, j * K, K, ph);
    const o = j * (K + 1);
    xs[o] = -bound;
    ys[o] = -bound;
    for (let k = 1; k < K; k++) {
      xs[o + k] = xs[o + k - 1] + floor + scale * pw[j * K + k - 1];
      ys[o + k] = ys[o + k - 1] + floor + scale * ph[j * K + k - 1];
    }
    xs[o + K] = bound;
    ys[o + K] = bound;
    ds[o] = 1;
    ds[o + K] = 1;
    for (let k = 1; k < K; k++) {
      const u = ud[j * (K - 1) + k - 1];
      ds[o + k] = MIN_DERIVATIVE + softplus(u);
      sd[j * (K - 1) + k - 1] = sigmoid(u);
    }
  }
  return { xs, ys, ds, pw, ph, sd };
}

/**
 * x = f⁻¹(y) element-wise on the host (float64) for knots given per element: row r of xs, ys, ds
 * ((K+1) values each) holds the knots of element r of y (the conditional spline's per-sample
 * knots). In bin k (found by the y knots) ξ is the root in [0, 1] of a ξ² + b ξ + c = 0 with
 *   a = h(s − d_k) + Δ(d_k + d_{k+1} − 2s),  b = h d_k − Δ(d_k + d_{k+1} − 2s),  c = −s Δ,  Δ = y − y_k,
 * ξ = 2c / (−b − √(b² − 4ac)) (Durkan et al. 2019, eq. 6–8); identity outside [-bound, bound].
 * Returns x and the worst residual |f(x) − y| (f evaluated by the definition). O(n·K).
 */
export function invertPerElement(y: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number>, ds: ArrayLike<number>, K: number, bound: number): { x: Float64Array; maxResidual: number } {
  const x = new Float64Array(y.length);
  let maxResidual = 0;
  for (let r = 0; r < y.length; r++) {
    const v = y[r];
    if (!(v >= -bound && v < bound)) {
      x[r] = v;
      continue;
    }
    const o = r * (K + 1);
    let k = 0;
    while (k < K - 1 && ys[o + k + 1] <= v) k++;
    const w = xs[o + k + 1] - xs[o + k];
    const h = ys[o + k + 1] - ys[o + k];
    const s = h / w;
    const d0 = ds[o + k];
    const d1 = ds[o + k + 1];
    const delta = v - ys[o + k];
    const sum = d0 + d1 - 2 * s;
    const a = h * (s - d0) + delta * sum;
    const b = h * d0 - delta * sum;
    const c = -s * delta;
    const xi = Math.min(1, Math.max(0, (2 * c) / (-b - Math.sqrt(Math.max(0, b * b - 4 * a * c)))));
    x[r] = xs[o + k] + xi * w;
    const t = xi * (1 - xi);
    const f = ys[o + k] + (h * (s * xi * xi + d0 * t)) / (s + sum * t);
    maxResidual = Math.max(maxResidual, Math.abs(f - v));
  }
  return { x, maxResidual };
}
