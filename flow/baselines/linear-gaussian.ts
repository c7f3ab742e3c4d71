// The conditional baseline of a conditional flow: the linear-Gaussian model x | c ~ N(A c + μ, Σ),
// fitted by maximum likelihood in closed form: [A, μ] by least squares of x on [c, 1] (the normal
// equations ZᵀZ β = ZᵀX, Z = [c 1], by Cholesky), Σ = (1/N) Σ_n r_n r_nᵀ the residuals' covariance.
// log p(x | c) = −(D/2) log 2π − ½ log|Σ| − ½ rᵀ Σ⁻¹ r, r = x − A c − μ. Cost O(N·(C+D)² + (C+D)³).

import { summarize, type Evaluation } from '../evaluate.js';
import type { HostMatrix } from '../matrix.js';
import { cholesky, invertLower } from '../covariance.js';

/** A fitted x | c ~ N(A c + μ, Σ): A [D, C] row-major, μ [D], Σ [D, D], and Σ's lower Cholesky factor. */
export interface LinearGaussian {
  A: Float64Array;
  mu: Float64Array;
  cov: Float64Array;
  dim: number;
  contextDim: number;
}

/** The maximum-likelihood linear-Gaussian fit of rows x [N, D] on their context rows c [N, C] (header). */
export function fitLinearGaussian(x: HostMatrix, c: HostMatrix): LinearGaussian {
  if (x.rows !== c.rows) throw new Error(`fitLinearGaussian: x has ${x.rows} rows, the context ${c.rows}`);
  const { rows: n, cols: d } = x;
  const q = c.cols + 1; // [c, 1]
  if (n < q) throw new Error(`fitLinearGaussian: needs at least ${q} rows for ${c.cols} context columns, got ${n}`);
  const z = (r: number, j: number): number => (j < c.cols ? c.data[r * c.cols + j] : 1);
  const ztz = new Float64Array(q * q);
  const ztx = new Float64Array(q * d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < q; i++) {
      const zi = z(r, i);
      for (let j = 0; j < q; j++) ztz[i * q + j] += zi * z(r, j);
      for (let j = 0; j < d; j++) ztx[i * d + j] += zi * x.data[r * d + j];
    }
  }
  // β = (ZᵀZ)⁻¹ ZᵀX = L⁻ᵀ L⁻¹ ZᵀX with ZᵀZ = L Lᵀ
  let lower: Float64Array;
  try {
    lower = cholesky(ztz, q);
  } catch (err) {
    throw new Error('fitLinearGaussian: the context columns (with a constant) are linearly dependent: drop constant or repeated columns', { cause: err });
  }
  const li = invertLower(lower, q);
  const beta = new Float64Array(q * d); // [q, d]
  for (let i = 0; i < q; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < q; k++) {
        let inv = 0; // (ZᵀZ)⁻¹[i][k] = Σ_m L⁻¹[m][i] L⁻¹[m][k]
        for (let m = Math.max(i, k); m < q; m++) inv += li[m * q + i] * li[m * q + k];
        s += inv * ztx[k * d + j];
      }
      beta[i * d + j] = s;
    }
  }
  const A = new Float64Array(d * c.cols);
  const mu = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < c.cols; i++) A[j * c.cols + i] = beta[i * d + j];
    mu[j] = beta[c.cols * d + j];
  }
  const model = { A, mu, cov: new Float64Array(d * d), dim: d, contextDim: c.cols };
  const res = residuals(model, x, c);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) model.cov[i * d + j] += (res[r * d + i] * res[r * d + j]) / n;
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) model.cov[j * d + i] = model.cov[i * d + j];
  return model;
}

/** r_n = x_n − A c_n − μ, [N, D]. */
function residuals(m: LinearGaussian, x: HostMatrix, c: HostMatrix): Float64Array {
  const { dim: d, contextDim: k } = m;
  const out = new Float64Array(x.rows * d);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < d; j++) {
      let mean = m.mu[j];
      for (let i = 0; i < k; i++) mean += m.A[j * k + i] * c.data[r * k + i];
      out[r * d + j] = x.data[r * d + j] - mean;
    }
  }
  return out;
}

/** log p(x_n | c_n) per row under the fitted model, nats (header). */
export function linearGaussianLogProbs(m: LinearGaussian, x: HostMatrix, c: HostMatrix): Float64Array {
  if (x.cols !== m.dim || c.cols !== m.contextDim || x.rows !== c.rows) {
    throw new Error(`linearGaussianLogProbs: x [${x.rows}, ${x.cols}] and context [${c.rows}, ${c.cols}] do not fit a model of dim ${m.dim}, context ${m.contextDim}`);
  }
  const d = m.dim;
  const lower = cholesky(m.cov, d);
  const li = invertLower(lower, d);
  let logDet = 0;
  for (let i = 0; i < d; i++) logDet += 2 * Math.log(lower[i * d + i]);
  const res = residuals(m, x, c);
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let quad = 0; // |L⁻¹ r|²
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j <= i; j++) s += li[i * d + j] * res[r * d + j];
      quad += s * s;
    }
    out[r] = -0.5 * d * Math.log(2 * Math.PI) - 0.5 * logDet - 0.5 * quad;
  }
  return out;
}

/** The linear-Gaussian baseline's mean log p(x | c) ± 2·std/√N on `{ x, context }` rows (like evaluate()). */
export function evaluateLinearGaussian(m: LinearGaussian, data: { x: HostMatrix; context: HostMatrix }): Evaluation {
  return summarize(linearGaussianLogProbs(m, data.x, data.context));
}
