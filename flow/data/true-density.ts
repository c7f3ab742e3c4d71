// Exact log-densities of the toy sets whose generating process has one (flow/data/toy.ts), so a
// flow's test log-likelihood can be read against the best any model can reach:
//   mog, checkerboard: in toy.ts;
//   sine:  x₁ ~ U[−4, 4), x₂ | x₁ ~ N(2 sin x₁, 0.25²): log p = −log 8 + log N(x₂; 2 sin x₁, 0.25²);
//   rings: an equal mixture of four rings (radii 3, 2.25, 1.5, 0.75; uniform angle) with N(0, σ²I)
//          noise, σ = 0.08. One ring R at radius r = |x|, averaging the Gaussian over the angle:
//          p_R(x) = exp(−(r² + R²)/2σ²) I₀(rR/σ²) / (2πσ²)
//                 = exp(−(r − R)²/2σ²) · I₀e(rR/σ²) / (2πσ²),   I₀e(z) = e^{−z} I₀(z),
//          which stays finite for rR/σ² in the thousands. I₀e by Abramowitz & Stegun 9.8.1–9.8.2
//          (relative error below 1e-6). O(N) each.
// moons and 2spirals have no closed form (their generators place points on curves by rank).

import type { HostMatrix } from '../matrix.js';
import { checkerboardLogDensity, mogLogDensity, type ToyName } from './toy.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** e^{−z}·I₀(z) for z ≥ 0 (A&S 9.8.1 for z ≤ 3.75, 9.8.2 above). */
export function besselI0Scaled(z: number): number {
  const a = Math.abs(z);
  if (a <= 3.75) {
    const t = (a / 3.75) ** 2;
    const i0 = 1 + t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))));
    return i0 * Math.exp(-a);
  }
  const t = 3.75 / a;
  const poly = 0.39894228 + t * (0.01328592 + t * (0.00225319 + t * (-0.00157565 + t * (0.00916281 + t * (-0.02057706 + t * (0.02635537 + t * (-0.01647633 + t * 0.00392377)))))));
  return poly / Math.sqrt(a);
}

/** The radii and noise of `rings` (toy.ts). */
const RING_RADII: readonly number[] = [3, 2.25, 1.5, 0.75];
const RING_NOISE = 0.08;

function checkPoints(name: string, x: HostMatrix<Float64Array>): void {
  if (x.cols !== 2) throw new Error(`${name}: expected N×2 points, got ${x.rows}×${x.cols}`);
}

/** Exact log-density of `rings` (header). */
export function ringsLogDensity(x: HostMatrix<Float64Array>): Float64Array {
  checkPoints('ringsLogDensity', x);
  const s2 = RING_NOISE * RING_NOISE;
  const out = new Float64Array(x.rows);
  const terms = new Float64Array(RING_RADII.length);
  for (let i = 0; i < x.rows; i++) {
    const r = Math.hypot(x.data[2 * i], x.data[2 * i + 1]);
    let max = -Infinity;
    RING_RADII.forEach((R, c) => {
      terms[c] = -((r - R) ** 2) / (2 * s2) + Math.log(besselI0Scaled((r * R) / s2));
      max = Math.max(max, terms[c]);
    });
    let sum = 0;
    for (const v of terms) sum += Math.exp(v - max);
    out[i] = max + Math.log(sum / RING_RADII.length) - LOG_2PI - Math.log(s2);
  }
  return out;
}

/** Exact log-density of `sine` (header); −∞ outside x₁ ∈ [−4, 4). */
export function sineLogDensity(x: HostMatrix<Float64Array>): Float64Array {
  checkPoints('sineLogDensity', x);
  const sd = 0.25;
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    const a = x.data[2 * i];
    const z = (x.data[2 * i + 1] - 2 * Math.sin(a)) / sd;
    out[i] = a >= -4 && a < 4 ? -Math.log(8) - 0.5 * LOG_2PI - Math.log(sd) - 0.5 * z * z : -Infinity;
  }
  return out;
}

/** The exact log-density of a toy set, where its generating process has one (else undefined). */
export function trueLogDensity(name: ToyName): ((x: HostMatrix<Float64Array>) => Float64Array) | undefined {
  const table: Partial<Record<ToyName, (x: HostMatrix<Float64Array>) => Float64Array>> = {
    mog: mogLogDensity,
    checkerboard: checkerboardLogDensity,
    rings: ringsLogDensity,
    sine: sineLogDensity,
  };
  return table[name];
}
