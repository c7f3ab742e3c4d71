// Orthogonal initialisation of the dense layers on the fast GEMM. The matrix is the Q factor
// (with R's diagonal positive) of the same seeded Gaussian matrix that engine/random.ts's
// orthogonalHost uses, so the distribution is Haar and the values agree with it to rounding;
// only the method differs: block classical Gram–Schmidt with reorthogonalisation (BCGS2),
// whose projections are GEMMs, instead of column-by-column scalar Gram–Schmidt.
// Cost 4n³ flops, almost all in GEMM (n = 784: ~2 GFLOP, a fraction of a second on the
// WebAssembly tier; the scalar version took ~3 s). Barlow & Smoktunowicz, Numer. Math. 2013.

import { Rng } from '../engine/random.js';
import { hostGemm64 } from './host-gemm.js';

const BLOCK = 32;

/**
 * A seeded Haar-random n×n orthogonal matrix, row-major. Columns q_j of the Gaussian draw are
 * the rows of `qt` (the layout of orthogonalHost), processed in blocks of BLOCK: twice
 * R = Q_prevᵀ·Q_b, Q_b -= Q_prev·R (two GEMMs each), then two passes of modified Gram–Schmidt
 * inside the block, normalising with the positive norm.
 */
export function orthogonalFast(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const qt = new Float64Array(n * n); // row j = column q_j
  for (let i = 0; i < qt.length; i++) qt[i] = rng.normal();
  const r = new Float64Array(n * BLOCK);
  const g = hostGemm64();
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const nb = Math.min(BLOCK, n - j0);
    const r0 = new Float64Array(nb);
    for (let j = 0; j < nb; j++) r0[j] = norm(qt, (j0 + j) * n, n);
    if (j0 > 0) {
      for (let pass = 0; pass < 2; pass++) {
        // R (j0 × nb) = Q_prevᵀ Q_b = qt[0:j0] · qt[j0:j0+nb]ᵀ
        g({ transA: false, transB: true, m: j0, n: nb, k: n, alpha: 1, a: qt, aOffset: 0, lda: n, b: qt, bOffset: j0 * n, ldb: n, beta: 0, c: r, cOffset: 0, ldc: nb });
        // qt[j0:j0+nb] -= Rᵀ · qt[0:j0]
        g({ transA: true, transB: false, m: nb, n, k: j0, alpha: -1, a: r, aOffset: 0, lda: nb, b: qt, bOffset: 0, ldb: n, beta: 1, c: qt, cOffset: j0 * n, ldc: n });
      }
    }
    for (let j = 0; j < nb; j++) {
      const cj = (j0 + j) * n;
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < j; p++) {
          const cp = (j0 + p) * n;
          let dot = 0;
          for (let i = 0; i < n; i++) dot += qt[cp + i] * qt[cj + i];
          for (let i = 0; i < n; i++) qt[cj + i] -= dot * qt[cp + i];
        }
      }
      const rn = norm(qt, cj, n);
      if (rn < 1e-12 * r0[j]) throw new Error(`orthogonal: degenerate Gaussian draw at column ${j0 + j}`);
      for (let i = 0; i < n; i++) qt[cj + i] /= rn;
    }
  }
  const out = new Float64Array(n * n); // row-major: out[i, j] = q_j[i]
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = qt[j * n + i];
  return out;
}

function norm(x: Float64Array, offset: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[offset + i] * x[offset + i];
  return Math.sqrt(s);
}
