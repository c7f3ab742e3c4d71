// An independent float64 reference for the spline kernels: the rational-quadratic spline evaluated
// from its definition (linear bin scan), the inverse by bisection on f (not the closed-form root),
// and both gradient passes by central differences of E = Σ [g·f(x) − log f'(x)] in x and in every
// knot value. Knots [3, dim, K+1] as the kernels take them (x-knots, y-knots, derivatives); and
// the knots from their unconstrained parameters (naiveKnots), for the knot kernels' tests.

export interface SplineCase {
  rows: number;
  dim: number;
  bins: number;
  bound: number;
  knots: Float64Array;
}

/** f(v) and log f'(v) of unit j (identity outside [-bound, bound]). */
export function splineRef(c: SplineCase, knots: ArrayLike<number>, j: number, v: number): { f: number; logDeriv: number } {
  const { dim, bins: K, bound } = c;
  if (!(v >= -bound && v < bound)) return { f: v, logDeriv: 0 };
  const S = dim * (K + 1);
  const o = j * (K + 1);
  let k = 0;
  for (let q = 1; q < K; q++) if (knots[o + q] <= v) k = q;
  const x0 = knots[o + k];
  const w = knots[o + k + 1] - x0;
  const y0 = knots[S + o + k];
  const h = knots[S + o + k + 1] - y0;
  const s = h / w;
  const d0 = knots[2 * S + o + k];
  const d1 = knots[2 * S + o + k + 1];
  const xi = (v - x0) / w;
  const den = s + (d0 + d1 - 2 * s) * xi * (1 - xi);
  const f = y0 + (h * (s * xi * xi + d0 * xi * (1 - xi))) / den;
  const deriv = (s * s * (d1 * xi * xi + 2 * s * xi * (1 - xi) + d0 * (1 - xi) * (1 - xi))) / (den * den);
  return { f, logDeriv: Math.log(deriv) };
}

/** Random monotone knots: widths and heights from positive draws, interior derivatives in [0.3, 3]. */
export function randomSplineCase(rows: number, dim: number, bins: number, bound: number, uniform: () => number): SplineCase {
  const K = bins;
  const S = dim * (K + 1);
  const knots = new Float64Array(3 * S);
  for (let j = 0; j < dim; j++) {
    for (const base of [0, S]) {
      const parts = Array.from({ length: K }, () => 0.2 + uniform());
      const total = parts.reduce((a, b) => a + b, 0);
      let at = -bound;
      knots[base + j * (K + 1)] = -bound;
      for (let k = 1; k < K; k++) knots[base + j * (K + 1) + k] = at += (2 * bound * parts[k - 1]) / total;
      knots[base + j * (K + 1) + K] = bound;
    }
    for (let k = 0; k <= K; k++) knots[2 * S + j * (K + 1) + k] = k === 0 || k === K ? 1 : 0.3 + 2.7 * uniform();
  }
  return { rows, dim, bins, bound, knots };
}

/** Every pass's expected output for x and back (host values as uploaded). */
export function splinePassesRef(c: SplineCase, knots: ArrayLike<number>, x: ArrayLike<number>, back: ArrayLike<number>): Record<'value' | 'log-derivative' | 'inverse' | 'input-gradient' | 'knot-gradient', Float64Array> {
  const { rows, dim } = c;
  const n = rows * dim;
  const value = new Float64Array(n);
  const logDeriv = new Float64Array(n);
  const inverse = new Float64Array(n);
  const inputGradient = new Float64Array(n);
  const h = 1e-6;
  for (let i = 0; i < n; i++) {
    const j = i % dim;
    const r = splineRef(c, knots, j, x[i]);
    value[i] = r.f;
    logDeriv[i] = r.logDeriv;
    const e = (v: number): number => {
      const q = splineRef(c, knots, j, v);
      return back[i] * q.f - q.logDeriv;
    };
    inputGradient[i] = (e(x[i] + h) - e(x[i] - h)) / (2 * h);
    // bisection for f(u) = x[i] (f rises; identity outside the interval)
    const target = x[i];
    if (!(target >= -c.bound && target < c.bound)) inverse[i] = target;
    else {
      let lo = -c.bound;
      let hi = c.bound;
      for (let it = 0; it < 200; it++) {
        const mid = 0.5 * (lo + hi);
        if (splineRef(c, knots, j, mid).f <= target) lo = mid;
        else hi = mid;
      }
      inverse[i] = 0.5 * (lo + hi);
    }
  }
  const knotGradient = new Float64Array(knots.length);
  const moved = Float64Array.from(knots);
  const total = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const q = splineRef(c, moved, i % dim, x[i]);
      s += back[i] * q.f - q.logDeriv;
    }
    return s;
  };
  for (let q = 0; q < knots.length; q++) {
    moved[q] = knots[q] + h;
    const plus = total();
    moved[q] = knots[q] - h;
    const minus = total();
    moved[q] = knots[q];
    knotGradient[q] = (plus - minus) / (2 * h);
  }
  return { value, 'log-derivative': logDeriv, inverse, 'input-gradient': inputGradient, 'knot-gradient': knotGradient };
}

/** The knots' parametrisation: units, bins, interval and floors (docs/layers.md). */
export interface KnotShape {
  dim: number;
  K: number;
  bound: number;
  minBin: number;
  minDerivative: number;
}

/**
 * The knots from the unconstrained parameters by the definition, naive loops in float64:
 * [xs, ys, ds], [dim, K+1] each (w, h [dim, K], d [dim, K−1]).
 */
export function naiveKnots(s: KnotShape, w: ArrayLike<number>, h: ArrayLike<number>, d: ArrayLike<number>): Float64Array[] {
  const { dim, K, bound, minBin, minDerivative } = s;
  const edgesOf = (u: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(dim * (K + 1));
    for (let j = 0; j < dim; j++) {
      const e = Array.from({ length: K }, (_, i) => Math.exp(u[j * K + i]));
      const total = e.reduce((a, v) => a + v, 0);
      for (let k = 0; k <= K; k++) {
        let x = -bound;
        for (let i = 0; i < k; i++) x += 2 * bound * (minBin + (1 - K * minBin) * (e[i] / total));
        out[j * (K + 1) + k] = x;
      }
    }
    return out;
  };
  const ds = new Float64Array(dim * (K + 1));
  for (let j = 0; j < dim; j++) {
    ds[j * (K + 1)] = 1;
    ds[j * (K + 1) + K] = 1;
    for (let k = 1; k < K; k++) ds[j * (K + 1) + k] = minDerivative + Math.log(1 + Math.exp(d[j * (K - 1) + k - 1]));
  }
  return [edgesOf(w), edgesOf(h), ds];
}

/**
 * scale·∂⟨knots(w, h, d), g⟩/∂(w, h, d) by central differences (step eps) of naiveKnots, in
 * float64; g [3, dim, K+1]. Returns [∂w, ∂h, ∂d].
 */
export function knotPullBackByDifferences(s: KnotShape, w: Float64Array, h: Float64Array, d: Float64Array, g: ArrayLike<number>, scale: number, eps = 1e-6): Float64Array[] {
  const S = s.dim * (s.K + 1);
  const inner = (params: Float64Array[]): number =>
    naiveKnots(s, params[0], params[1], params[2]).reduce((acc, a, q) => acc + a.reduce((sum, v, i) => sum + v * g[q * S + i], 0), 0);
  const params = [w, h, d];
  return params.map((p, q) => {
    const fd = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const plus = params.map((a) => a.slice());
      const minus = params.map((a) => a.slice());
      plus[q][i] += eps;
      minus[q][i] -= eps;
      fd[i] = (scale * (inner(plus) - inner(minus))) / (2 * eps);
    }
    return fd;
  });
}
