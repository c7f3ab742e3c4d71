// Monotone rational-quadratic splines (Durkan et al., "Neural Spline Flows", NeurIPS 2019), one per
// unit, on [-bound, bound] with identity tails; the host loops behind the spline layer
// (docs/layers.md, "Spline"). Per unit j: K bins with knots (x_k, y_k) and derivatives d_k,
//   widths  w_k = 2·bound·(m + (1 - K·m)·softmax(uw_j)_k),   x_0 = -bound, x_k = x_0 + Σ_{i<k} w_i
//   heights the same from uh_j,  d_0 = d_K = 1,  d_k = m_d + softplus(ud_j,k-1)   (0 < k < K)
// In bin k, with w = x_{k+1} - x_k, h = y_{k+1} - y_k, s = h/w, ξ = (x - x_k)/w, t = ξ(1 - ξ):
//   f(x)  = y_k + h·(s ξ² + d_k t) / (s + (d_k + d_{k+1} - 2s) t)
//   f'(x) = s²·(d_{k+1} ξ² + 2 s t + d_k (1 - ξ)²) / (s + (d_k + d_{k+1} - 2s) t)²
// uw = uh = 0 and d_k = 1 give f(x) = x exactly: the layer starts as the identity.
// Cost O(B·D·log K) forward and backward, O(D·K) to turn knot gradients into parameter gradients.

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

/** The bin k of v in knots[o .. o+K] (knots[o] ≤ v < knots[o+K] assumed): largest k with knots[o+k] ≤ v. */
function findBin(knots: Float64Array, o: number, K: number, v: number): number {
  let lo = 0;
  let hi = K - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (knots[o + mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** y = f(x) and, unless `withLogDet` is false (the gradients' forward pass), Σ_j log f'(x_j) per row. */
export function splineForward(x: ArrayLike<number>, rows: number, kn: Knots, { dim, bins: K, bound }: SplineShape, withLogDet = true): { y: Float64Array; logDet: Float64Array } {
  const y = new Float64Array(rows * dim);
  const logDet = new Float64Array(rows);
  const { xs, ys, ds } = kn;
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let j = 0; j < dim; j++) {
      const idx = r * dim + j;
      const v = x[idx];
      if (!(v >= -bound && v < bound)) {
        y[idx] = v;
        continue;
      }
      const o = j * (K + 1);
      const k = o + findBin(xs, o, K, v);
      const w = xs[k + 1] - xs[k];
      const h = ys[k + 1] - ys[k];
      const s = h / w;
      const d0 = ds[k];
      const d1 = ds[k + 1];
      const xi = (v - xs[k]) / w;
      const om = 1 - xi;
      const t = xi * om;
      const den = s + (d0 + d1 - 2 * s) * t;
      y[idx] = ys[k] + (h * (s * xi * xi + d0 * t)) / den;
      if (withLogDet) acc += Math.log((s * s * (d1 * xi * xi + 2 * s * t + d0 * om * om)) / (den * den));
    }
    logDet[r] = acc;
  }
  return { y, logDet };
}

export interface SplineGradients {
  gIn: Float64Array | null;
  gw: Float64Array;
  gh: Float64Array;
  gd: Float64Array;
}

/**
 * For E_n = Σ_j [G_nj·f(x_nj) - log f'(x_nj)]: G_in = ∂E/∂x, and (1/B) Σ_n ∂E_n/∂(uw, uh, ud).
 * Per element the six knot values of its bin get their partials (chain rule through ξ, s, h;
 * docs/layers.md); per unit they are pushed through the cumulative sum, softmax and softplus.
 */
export function splineBackward(x: ArrayLike<number>, gOut: ArrayLike<number>, rows: number, kn: Knots, shape: SplineShape, needInput: boolean): SplineGradients {
  const { dim, bins: K, bound } = shape;
  const { xs, ys, ds } = kn;
  const gIn = needInput ? new Float64Array(rows * dim) : null;
  const gx = new Float64Array(dim * (K + 1));
  const gy = new Float64Array(dim * (K + 1));
  const gdk = new Float64Array(dim * (K + 1));
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) {
      const idx = r * dim + j;
      const v = x[idx];
      const g = gOut[idx];
      if (!(v >= -bound && v < bound)) {
        if (gIn !== null) gIn[idx] = g;
        continue;
      }
      const o = j * (K + 1);
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
      const den2 = den * den;
      const A = s * xi * xi + d0 * t;
      const C = d1 * xi * xi + 2 * s * t + d0 * om * om;
      // f - y_k = h·A/den
      const denXi = e * (1 - 2 * xi);
      const denS = 1 - 2 * t;
      const fXi = (h * ((2 * s * xi + d0 * (1 - 2 * xi)) * den - A * denXi)) / den2;
      const fS = (h * (xi * xi * den - A * denS)) / den2;
      const fH = A / den;
      const fD0 = (h * t * (den - A)) / den2;
      const fD1 = (-h * A * t) / den2;
      // log f' = 2 log s + log C - 2 log den
      const lXi = (2 * d1 * xi - 2 * d0 * om + 2 * s * (1 - 2 * xi)) / C - (2 * denXi) / den;
      const lS = 2 / s + (2 * t) / C - (2 * denS) / den;
      const lD0 = (om * om) / C - (2 * t) / den;
      const lD1 = (xi * xi) / C - (2 * t) / den;
      const eXi = g * fXi - lXi;
      const eS = g * fS - lS;
      const eH = g * fH;
      if (gIn !== null) gIn[idx] = (g * s * s * C) / den2 - lXi / w;
      // ξ = (v - x_k)/w, w = x_{k+1} - x_k, s = h/w, h = y_{k+1} - y_k (f also holds y_k itself)
      gx[k] += (eXi * (xi - 1)) / w + (eS * s) / w;
      gx[k + 1] += (-eXi * xi) / w - (eS * s) / w;
      gy[k] += g - eH - eS / w;
      gy[k + 1] += eH + eS / w;
      gdk[k] += g * fD0 - lD0;
      gdk[k + 1] += g * fD1 - lD1;
    }
  }
  const gw = new Float64Array(dim * K);
  const gh = new Float64Array(dim * K);
  const gd = new Float64Array(dim * (K - 1));
  const scale = (2 * bound * (1 - K * MIN_BIN)) / rows;
  for (let j = 0; j < dim; j++) {
    const o = j * (K + 1);
    toSoftmaxParams(gx, o, kn.pw, j * K, K, scale, gw);
    toSoftmaxParams(gy, o, kn.ph, j * K, K, scale, gh);
    for (let k = 1; k < K; k++) gd[j * (K - 1) + k - 1] = (gdk[o + k] * kn.sd[j * (K - 1) + k - 1]) / rows;
  }
  return { gIn, gw, gh, gd };
}

/**
 * Knot gradients g_k (k = 0..K) of one unit → gradients of its softmax logits: x_k = x_0 + Σ_{i<k} w_i
 * gives ∂/∂w_i = Σ_{k>i} g_k; w_i = c·p_i + const; ∂/∂u_i = p_i (c·∂/∂w_i - Σ_l p_l c·∂/∂w_l).
 */
function toSoftmaxParams(gKnots: Float64Array, o: number, p: Float64Array, at: number, K: number, c: number, out: Float64Array): void {
  let suffix = 0;
  const gwi = new Float64Array(K);
  for (let i = K - 1; i >= 0; i--) {
    suffix += gKnots[o + i + 1];
    gwi[i] = c * suffix;
  }
  let dot = 0;
  for (let i = 0; i < K; i++) dot += p[at + i] * gwi[i];
  for (let i = 0; i < K; i++) out[at + i] = p[at + i] * (gwi[i] - dot);
}

/** x = f⁻¹(y) in closed form (the root in [0, 1] of the bin's quadratic), and max |f(x) - y|. */
export function splineInverse(y: ArrayLike<number>, rows: number, kn: Knots, shape: SplineShape): { x: Float64Array; maxResidual: number } {
  const { dim, bins: K, bound } = shape;
  const { xs, ys, ds } = kn;
  const x = new Float64Array(rows * dim);
  for (let idx = 0; idx < rows * dim; idx++) {
    const v = y[idx];
    if (!(v >= -bound && v < bound)) {
      x[idx] = v;
      continue;
    }
    const j = idx % dim;
    const o = j * (K + 1);
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
    const xi = Math.min(1, Math.max(0, (2 * c) / (-b - Math.sqrt(disc))));
    x[idx] = xs[k] + xi * w;
  }
  const back = splineForward(x, rows, kn, shape, false).y;
  let maxResidual = 0;
  for (let i = 0; i < back.length; i++) maxResidual = Math.max(maxResidual, Math.abs(back[i] - y[i]));
  return { x, maxResidual };
}
