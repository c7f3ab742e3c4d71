// Blocked LU with partial pivoting (right-looking, LAPACK getrf order) on the fast GEMM, and the
// solve / inv / slogdet kernels built on it, with the same signatures as lu-ml-matrix.ts.
// Per NB-column panel: unblocked factorisation of the panel (O(n·NB²)), a unit-lower triangular
// solve for the U12 block row, then the trailing update A22 -= L21·U12 as one GEMM: almost all
// of the (2/3)n³ flops go through the GEMM. The triangular solves for solve/inv are blocked the
// same way (GEMM for the off-diagonal blocks, 2·n²·nrhs flops). Computes in float64 and returns
// the input's dtype. Golub & Van Loan, Matrix Computations, §3.2.9 and §3.4.

import type { HostLinalg, LuKernels, SquareParams } from '../../engine/backend.js';
import { allocHost, dtypeOfArray, type TypedArray } from '../../engine/dtype.js';
import { gemmJs, type Gemm } from './gemm.js';
import { signedLogDet, swapsSign } from './signed-log-det.js';
import { createWasmGemm } from './wasm/index.js';

const NB = 64; // panel width: the GEMM's k for the trailing update

export interface LuFactors {
  /** Row-major n×n: L below the diagonal (unit diagonal implied), U on and above. */
  lu: Float64Array;
  /** Row i was swapped with row piv[i] at step i. */
  piv: Int32Array;
  /** Some U_ii is exactly 0. */
  singular: boolean;
}

/** Panels narrower than this are factorised column by column (scalar code). */
const BASE = 8;

/**
 * Recursive LU of the panel: columns j0..j0+w of rows j0..n (LAPACK's getrf2 order). The left
 * half is factorised, the right half gets U12 = L11⁻¹·A12 and A22 -= L21·U12 (one GEMM), then
 * the right half's lower part is factorised. Each pivot swaps whole rows (all n columns), so the
 * columns left and right of the panel stay consistent without a separate row-interchange pass.
 * Returns true when some pivot is exactly 0.
 */
function panelLu(gemm: Gemm, lu: Float64Array, n: number, piv: Int32Array, j0: number, w: number): boolean {
  if (w <= BASE) {
    let singular = false;
    const jEnd = j0 + w;
    for (let j = j0; j < jEnd; j++) {
      let p = j;
      let best = Math.abs(lu[j * n + j]);
      for (let i = j + 1; i < n; i++) {
        const v = Math.abs(lu[i * n + j]);
        if (v > best) { best = v; p = i; }
      }
      piv[j] = p;
      if (p !== j) {
        for (let c = 0; c < n; c++) {
          const t = lu[j * n + c];
          lu[j * n + c] = lu[p * n + c];
          lu[p * n + c] = t;
        }
      }
      const d = lu[j * n + j];
      if (d === 0) { singular = true; continue; }
      const inv = 1 / d;
      for (let i = j + 1; i < n; i++) {
        const row = i * n;
        const l = (lu[row + j] *= inv);
        if (l === 0) continue;
        for (let c = j + 1; c < jEnd; c++) lu[row + c] -= l * lu[j * n + c];
      }
    }
    return singular;
  }
  const w1 = Math.floor(w / 2);
  const w2 = w - w1;
  const jm = j0 + w1;
  let singular = panelLu(gemm, lu, n, piv, j0, w1);
  // U12 = L11⁻¹·A12: unit lower triangular solve on the w1×w2 block row
  for (let r = j0 + 1; r < jm; r++) {
    for (let q = j0; q < r; q++) {
      const l = lu[r * n + q];
      if (l === 0) continue;
      for (let c = jm; c < j0 + w; c++) lu[r * n + c] -= l * lu[q * n + c];
    }
  }
  // A22 -= L21·U12 over the panel's right half
  if (jm < n) {
    gemm({
      transA: false, transB: false, m: n - jm, n: w2, k: w1, alpha: -1,
      a: lu, aOffset: jm * n + j0, lda: n,
      b: lu, bOffset: j0 * n + jm, ldb: n,
      beta: 1, c: lu, cOffset: jm * n + jm, ldc: n,
    });
  }
  if (panelLu(gemm, lu, n, piv, jm, w2)) singular = true;
  return singular;
}

/** Factorises a copy of matrix `b` of the batch: P·A = L·U. Refuses non-finite entries. */
export function luFactor(gemm: Gemm, op: string, a: TypedArray, b: number, n: number): LuFactors {
  const lu = new Float64Array(n * n);
  const start = b * n * n;
  for (let q = 0; q < n * n; q++) {
    const v = a[start + q];
    if (!Number.isFinite(v)) {
      throw new Error(`${op}: matrix ${b} of the batch has a non-finite entry ${v} at [${Math.floor(q / n)},${q % n}]`);
    }
    lu[q] = v;
  }
  const piv = new Int32Array(n);
  let singular = false;
  for (let j0 = 0; j0 < n; j0 += NB) {
    const jb = Math.min(NB, n - j0);
    const jEnd = j0 + jb;
    // panel: columns j0..jEnd, rows j0..n, recursively
    if (panelLu(gemm, lu, n, piv, j0, jb)) singular = true;
    if (jEnd >= n) break;
    // U12 = L11⁻¹·A12 (unit lower triangular): a product with L11⁻¹ when the block row is wide
    const rest = n - jEnd;
    if (rest >= WIDE) {
      const linv = unitLowerInverse(lu, n, j0, jb);
      const tmp = new Float64Array(jb * rest);
      gemm({
        transA: false, transB: false, m: jb, n: rest, k: jb, alpha: 1,
        a: linv, aOffset: 0, lda: jb, b: lu, bOffset: j0 * n + jEnd, ldb: n, beta: 0, c: tmp, cOffset: 0, ldc: rest,
      });
      for (let r = 0; r < jb; r++) lu.set(tmp.subarray(r * rest, (r + 1) * rest), (j0 + r) * n + jEnd);
    } else {
      for (let r = j0 + 1; r < jEnd; r++) {
        for (let q = j0; q < r; q++) {
          const l = lu[r * n + q];
          if (l === 0) continue;
          for (let c = jEnd; c < n; c++) lu[r * n + c] -= l * lu[q * n + c];
        }
      }
    }
    // A22 -= L21·U12
    gemm({
      transA: false, transB: false, m: rest, n: rest, k: jb, alpha: -1,
      a: lu, aOffset: jEnd * n + j0, lda: n,
      b: lu, bOffset: j0 * n + jEnd, ldb: n,
      beta: 1, c: lu, cOffset: jEnd * n + jEnd, ldc: n,
    });
  }
  return { lu, piv, singular };
}

/** Solves L·U·X = P·B in place for row-major B (n × nrhs), blocked by NB rows. */
function luSolveInPlace(gemm: Gemm, f: LuFactors, n: number, x: Float64Array, nrhs: number): void {
  const { lu, piv } = f;
  for (let i = 0; i < n; i++) {
    const p = piv[i];
    if (p === i) continue;
    for (let c = 0; c < nrhs; c++) {
      const t = x[i * nrhs + c];
      x[i * nrhs + c] = x[p * nrhs + c];
      x[p * nrhs + c] = t;
    }
  }
  // forward: L unit lower
  for (let i0 = 0; i0 < n; i0 += NB) {
    const ib = Math.min(NB, n - i0);
    if (i0 > 0) {
      gemm({
        transA: false, transB: false, m: ib, n: nrhs, k: i0, alpha: -1,
        a: lu, aOffset: i0 * n, lda: n, b: x, bOffset: 0, ldb: nrhs, beta: 1, c: x, cOffset: i0 * nrhs, ldc: nrhs,
      });
    }
    if (nrhs >= WIDE) {
      multiplyBlockRows(gemm, unitLowerInverse(lu, n, i0, ib), ib, x, i0, nrhs);
      continue;
    }
    for (let r = i0 + 1; r < i0 + ib; r++) {
      for (let q = i0; q < r; q++) {
        const l = lu[r * n + q];
        if (l !== 0) for (let c = 0; c < nrhs; c++) x[r * nrhs + c] -= l * x[q * nrhs + c];
      }
    }
  }
  // backward: U upper, blocks from the bottom
  const blocks = Math.ceil(n / NB);
  for (let bi = blocks - 1; bi >= 0; bi--) {
    const i0 = bi * NB;
    const iEnd = Math.min(n, i0 + NB);
    if (iEnd < n) {
      gemm({
        transA: false, transB: false, m: iEnd - i0, n: nrhs, k: n - iEnd, alpha: -1,
        a: lu, aOffset: i0 * n + iEnd, lda: n, b: x, bOffset: iEnd * nrhs, ldb: nrhs, beta: 1, c: x, cOffset: i0 * nrhs, ldc: nrhs,
      });
    }
    if (nrhs >= WIDE) {
      multiplyBlockRows(gemm, upperInverse(lu, n, i0, iEnd - i0), iEnd - i0, x, i0, nrhs);
      continue;
    }
    for (let r = iEnd - 1; r >= i0; r--) {
      for (let q = r + 1; q < iEnd; q++) {
        const u = lu[r * n + q];
        if (u !== 0) for (let c = 0; c < nrhs; c++) x[r * nrhs + c] -= u * x[q * nrhs + c];
      }
      const d = lu[r * n + r];
      for (let c = 0; c < nrhs; c++) x[r * nrhs + c] /= d;
    }
  }
}

/**
 * With many right-hand sides a diagonal block is solved as a product with its inverse (LAPACK's
 * trsm on a GPU does the same): the ib³/3 flops of inverting the triangle are scalar, the
 * ib²·nrhs flops of applying it go through the GEMM instead of a scalar substitution.
 */
const WIDE = 48;

/** Inverse of the unit lower triangle L[i0:i0+ib, i0:i0+ib] of the factors, row-major ib×ib. */
function unitLowerInverse(lu: Float64Array, n: number, i0: number, ib: number): Float64Array {
  const inv = new Float64Array(ib * ib);
  for (let j = 0; j < ib; j++) {
    // column j: forward substitution on e_j
    inv[j * ib + j] = 1;
    for (let r = j + 1; r < ib; r++) {
      let acc = 0;
      const row = (i0 + r) * n + i0;
      for (let q = j; q < r; q++) acc -= lu[row + q] * inv[q * ib + j];
      inv[r * ib + j] = acc;
    }
  }
  return inv;
}

/** Inverse of the upper triangle U[i0:i0+ib, i0:i0+ib] (diagonal included), row-major ib×ib. */
function upperInverse(lu: Float64Array, n: number, i0: number, ib: number): Float64Array {
  const inv = new Float64Array(ib * ib);
  for (let j = ib - 1; j >= 0; j--) {
    // column j: back substitution on e_j
    inv[j * ib + j] = 1 / lu[(i0 + j) * n + i0 + j];
    for (let r = j - 1; r >= 0; r--) {
      let acc = 0;
      const row = (i0 + r) * n + i0;
      for (let q = r + 1; q <= j; q++) acc -= lu[row + q] * inv[q * ib + j];
      inv[r * ib + j] = acc / lu[row + r];
    }
  }
  return inv;
}

/** x[i0:i0+ib, :] ← T·x[i0:i0+ib, :] for an ib×ib matrix T (one GEMM into a temporary). */
function multiplyBlockRows(gemm: Gemm, t: Float64Array, ib: number, x: Float64Array, i0: number, nrhs: number): void {
  const tmp = new Float64Array(ib * nrhs);
  gemm({
    transA: false, transB: false, m: ib, n: nrhs, k: ib, alpha: 1,
    a: t, aOffset: 0, lda: ib, b: x, bOffset: i0 * nrhs, ldb: nrhs, beta: 0, c: tmp, cOffset: 0, ldc: nrhs,
  });
  x.set(tmp, i0 * nrhs);
}

export type { LuKernels } from '../../engine/backend.js';

/** solve / inv / slogdet on a given GEMM (float64 products). */
export function createLu(gemm: Gemm): LuKernels {
  const regular = (op: string, a: TypedArray, b: number, n: number): LuFactors => {
    const f = luFactor(gemm, op, a, b, n);
    if (f.singular) throw new Error(`${op}: matrix ${b} of the batch ([${n},${n}]) is singular`);
    return f;
  };
  const solve = (a: TypedArray, rhs: TypedArray, p: SquareParams, nrhs: number): TypedArray => {
    const out = allocHost(dtypeOfArray(a), p.batch * p.n * nrhs);
    for (let b = 0; b < p.batch; b++) {
      const f = regular('solve', a, b, p.n);
      const x = new Float64Array(p.n * nrhs);
      for (let q = 0; q < x.length; q++) {
        const v = rhs[b * p.n * nrhs + q];
        if (!Number.isFinite(v)) throw new Error(`solve: right-hand side ${b} of the batch has a non-finite entry ${v} at [${Math.floor(q / nrhs)},${q % nrhs}]`);
        x[q] = v;
      }
      luSolveInPlace(gemm, f, p.n, x, nrhs);
      out.set(x, b * p.n * nrhs);
    }
    return out;
  };
  const inv = (a: TypedArray, p: SquareParams): TypedArray => {
    const { n } = p;
    const out = allocHost(dtypeOfArray(a), p.batch * n * n);
    for (let b = 0; b < p.batch; b++) {
      const f = regular('inv', a, b, n);
      const x = new Float64Array(n * n);
      for (let i = 0; i < n; i++) x[i * n + i] = 1;
      luSolveInPlace(gemm, f, n, x, n);
      out.set(x, b * n * n);
    }
    return out;
  };
  /** det A = sign(P)·Π U_ii, so log|det| = Σ log|U_ii| (no overflow). */
  const slogdet = (a: TypedArray, p: SquareParams): { sign: TypedArray; logabsdet: TypedArray } => {
    const sign = allocHost(dtypeOfArray(a), p.batch);
    const logabsdet = allocHost(dtypeOfArray(a), p.batch);
    for (let b = 0; b < p.batch; b++) {
      // luFactor's `singular` (a zero pivot) is a zero U_ii, which signedLogDet turns into sign 0, -Infinity
      const { lu, piv } = luFactor(gemm, 'slogdet', a, b, p.n);
      const r = signedLogDet((i) => lu[i * p.n + i], p.n, swapsSign(piv));
      sign[b] = r.sign;
      logabsdet[b] = r.logabsdet;
    }
    return { sign, logabsdet };
  };
  return { solve, inv, slogdet };
}

let defaultKernels: LuKernels | undefined;
let defaultName = '';

/** The default kernels run on the single-threaded WebAssembly GEMM (plain TS without SIMD); built on first use. */
function kernels(): LuKernels {
  if (!defaultKernels) {
    const wasm = createWasmGemm();
    defaultKernels = createLu(wasm ?? gemmJs);
    defaultName = `blocked LU (NB ${NB}) on ${wasm ? 'wasm-simd' : 'js-tiled-4x4'} gemm`;
  }
  return defaultKernels;
}

/** Names the default kernels' GEMM (for benchmark reports). */
export function luName(): string {
  kernels();
  return defaultName;
}

/**
 * The default kernels with their name: the host linear algebra the package root hands the GPU
 * backend (backends/index.ts), which reads back and runs them for solve, inv and slogdet.
 */
export function hostLinalg(): HostLinalg {
  return { ...kernels(), name: defaultName };
}

export function solve(a: TypedArray, rhs: TypedArray, p: SquareParams, nrhs: number): TypedArray {
  return kernels().solve(a, rhs, p, nrhs);
}

export function inv(a: TypedArray, p: SquareParams): TypedArray {
  return kernels().inv(a, p);
}

export function slogdet(a: TypedArray, p: SquareParams): { sign: TypedArray; logabsdet: TypedArray } {
  return kernels().slogdet(a, p);
}
