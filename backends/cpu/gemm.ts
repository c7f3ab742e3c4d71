// GEMM on flat row-major typed arrays: C = alpha·op(A)·op(B) + beta·C, op = transpose when flagged.
// Plain TypeScript tier: A and B are packed into k-major panels of 4 rows / 4 columns, then a
// 4×4 register-tiled micro-kernel runs over k-blocks that stay in cache. Cost 2·m·n·k flops.
// This is the interface a faster tier (WebAssembly SIMD, worker threads) implements too.

import type { TypedArray } from '../../engine/dtype.js';

/**
 * The scalar arguments of one GEMM, in the order a worker thread's job slot stores them
 * (threads/worker.ts): the single list both GemmArgs and the worker's job are derived from.
 */
export const GEMM_SCALARS = ['transA', 'transB', 'm', 'n', 'k', 'alpha', 'beta', 'aOffset', 'lda', 'bOffset', 'ldb', 'cOffset', 'ldc'] as const;

/** GemmArgs without its arrays: the two transpose flags, sizes, scales, offsets and leading dimensions. */
export type GemmScalars = { [F in (typeof GEMM_SCALARS)[number]]: F extends 'transA' | 'transB' ? boolean : number };

/**
 * Arguments of one GEMM C = α·op(A)·op(B) + β·C on row-major typed arrays: the arrays, and
 * (GEMM_SCALARS) sizes m, n, k, scales, offsets and leading dimensions;
 * op(A)[i, p] = transA ? a[aOffset + p·lda + i] : a[aOffset + i·lda + p], B and C alike.
 */
export interface GemmArgs extends GemmScalars {
  a: TypedArray;
  b: TypedArray;
  c: TypedArray;
}

/** A GEMM kernel C = α·op(A)·op(B) + β·C, writing into `args.c`; the interface every CPU tier implements. */
export type Gemm = (args: GemmArgs) => void;

const KC = 256; // k-block: a 4×KC and a KC×4 panel of doubles stay in L1

/** Packs rows i0..i0+3 of op(A) for k in [k0, k0+kc) as ap[p·4 + r]; rows past m are zero. */
function packA(g: GemmArgs, i0: number, k0: number, kc: number, ap: Float64Array): void {
  const { a, aOffset, lda, transA, m } = g;
  for (let r = 0; r < 4; r++) {
    const i = i0 + r;
    if (i >= m) {
      for (let p = 0; p < kc; p++) ap[p * 4 + r] = 0;
    } else if (transA) {
      for (let p = 0; p < kc; p++) ap[p * 4 + r] = a[aOffset + (k0 + p) * lda + i];
    } else {
      const row = aOffset + i * lda + k0;
      for (let p = 0; p < kc; p++) ap[p * 4 + r] = a[row + p];
    }
  }
}

/** Packs the whole k-block of op(B) as panels of 4 columns: bp[(j/4)·kc·4 + p·4 + c]. */
function packB(g: GemmArgs, k0: number, kc: number, bp: Float64Array): void {
  const { b, bOffset, ldb, transB, n } = g;
  const panels = Math.ceil(n / 4);
  for (let jp = 0; jp < panels; jp++) {
    const base = jp * kc * 4;
    for (let c = 0; c < 4; c++) {
      const j = jp * 4 + c;
      if (j >= n) {
        for (let p = 0; p < kc; p++) bp[base + p * 4 + c] = 0;
      } else if (transB) {
        const row = bOffset + j * ldb + k0;
        for (let p = 0; p < kc; p++) bp[base + p * 4 + c] = b[row + p];
      } else {
        for (let p = 0; p < kc; p++) bp[base + p * 4 + c] = b[bOffset + (k0 + p) * ldb + j];
      }
    }
  }
}

/** The plain TypeScript GEMM: packed 4-row/4-column panels and a 4×4 register-tiled micro-kernel. 2·m·n·k flops. */
export const gemmJs: Gemm = (g) => {
  const { m, n, k, alpha, beta, c, cOffset, ldc } = g;
  for (let i = 0; i < m; i++) {
    const row = cOffset + i * ldc;
    if (beta === 0) for (let j = 0; j < n; j++) c[row + j] = 0;
    else if (beta !== 1) for (let j = 0; j < n; j++) c[row + j] *= beta;
  }
  if (k === 0 || alpha === 0 || m === 0 || n === 0) return;
  const panels = Math.ceil(n / 4);
  const ap = new Float64Array(KC * 4);
  const bp = new Float64Array(panels * KC * 4);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = Math.min(KC, k - k0);
    packB(g, k0, kc, bp);
    for (let i0 = 0; i0 < m; i0 += 4) {
      packA(g, i0, k0, kc, ap);
      for (let jp = 0; jp < panels; jp++) {
        const base = jp * kc * 4;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let p = 0; p < kc; p++) {
          const pa = p * 4;
          const pb = base + pa;
          const a0 = ap[pa], a1 = ap[pa + 1], a2 = ap[pa + 2], a3 = ap[pa + 3];
          const b0 = bp[pb], b1 = bp[pb + 1], b2 = bp[pb + 2], b3 = bp[pb + 3];
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
          c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        const rows = Math.min(4, m - i0);
        const cols = Math.min(4, n - jp * 4);
        for (let r = 0; r < rows; r++) {
          const at = cOffset + (i0 + r) * ldc + jp * 4;
          for (let col = 0; col < cols; col++) c[at + col] += alpha * tile[r * 4 + col];
        }
      }
    }
  }
};
