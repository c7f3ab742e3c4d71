// A Gaussian mixture in any dimension with isotropic components: sampler and exact log-density.
// The toy set 'mog' is one instance; tests use small mixtures whose density a dense flow can fit.

import type { Rng } from '../../engine/random.js';
import type { HostMatrix } from './dataset.js';

/** A mixture of isotropic Gaussians in D dimensions: component means [K][D], standard deviations [K] and weights [K]. */
export interface GaussianMixture {
  means: readonly (readonly number[])[];
  /** one standard deviation per component (isotropic) */
  stds: readonly number[];
  weights: readonly number[];
}

function checkMixture(m: GaussianMixture): void {
  const k = m.means.length;
  if (k === 0 || m.stds.length !== k || m.weights.length !== k) throw new Error('gaussian mixture: means, stds and weights must have the same, non-zero length');
  const total = m.weights.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-12) throw new Error(`gaussian mixture: weights sum to ${total}, not 1`);
}

/** n samples [n, D] of a Gaussian mixture, drawn with `rng`. */
export function sampleMixture(m: GaussianMixture, n: number, rng: Rng): HostMatrix<Float64Array> {
  checkMixture(m);
  const d = m.means[0].length;
  const data = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    let u = rng.uniform();
    let c = 0;
    while (c < m.weights.length - 1 && u >= m.weights[c]) u -= m.weights[c++];
    for (let j = 0; j < d; j++) data[r * d + j] = m.means[c][j] + m.stds[c] * rng.normal();
  }
  return { data, rows: n, cols: d };
}

/** log Σ_c w_c N(x; μ_c, σ_c² I), by log-sum-exp. */
export function mixtureLogDensity(m: GaussianMixture, x: HostMatrix<Float64Array>): Float64Array {
  const d = x.cols;
  const out = new Float64Array(x.rows);
  const terms = new Float64Array(m.means.length);
  for (let r = 0; r < x.rows; r++) {
    let top = -Infinity;
    for (let c = 0; c < m.means.length; c++) {
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (x.data[r * d + j] - m.means[c][j]) ** 2;
      const s2 = m.stds[c] * m.stds[c];
      terms[c] = Math.log(m.weights[c]) - sq / (2 * s2) - (d / 2) * Math.log(2 * Math.PI * s2);
      top = Math.max(top, terms[c]);
    }
    let sum = 0;
    for (let c = 0; c < m.means.length; c++) sum += Math.exp(terms[c] - top);
    out[r] = top + Math.log(sum);
  }
  return out;
}
