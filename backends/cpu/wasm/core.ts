// The driver of the WebAssembly GEMM: BLIS-style cache blocking and packing in TypeScript around
// the SIMD macro-kernels of kernel.ts. For each chunk of MB rows of C, each NC-column block and
// each KC-deep slice of k: pack op(B) into NR-column panels, pack op(A) into MR-row panels per MC
// rows, and let the kernel accumulate into a padded C buffer in linear memory (which starts as
// beta·C when beta ≠ 0); then copy it back into C. When C itself lives in that memory, whole
// register tiles go straight into C and only the edge tiles through the buffer. Packing costs O(mk·⌈n/NC⌉ + kn·⌈m/MB⌉)
// copies against 2·m·n·k flops.
//
// `runGemm` and `scratchPlan` are self-contained (they reference nothing else from this module
// at run time) because the worker pool evaluates their source text inside each worker.

import type { GemmArgs } from '../gemm.js';
import type { GemmTiles, KernelExports, TileParams } from './kernel.js';

export interface ScratchPlan {
  /** Byte offsets, relative to the scratch base, of packed A, packed B, the C buffer, staging. */
  ap: number;
  bp: number;
  cw: number;
  st: number;
  /** Total bytes of scratch one thread needs for this dtype. */
  bytes: number;
}

/** Scratch one thread needs for one dtype (es = bytes per element); regions 64-byte aligned. */
export function scratchPlan(t: TileParams, es: number): ScratchPlan {
  const align = (x: number): number => Math.ceil(x / 64) * 64;
  const kcp = Math.ceil(t.kc / t.ku) * t.ku;
  const mcp = Math.ceil(t.mc / t.mr) * t.mr;
  const ncp = Math.ceil(t.nc / t.nr) * t.nr;
  const mbp = Math.ceil(t.mb / t.mr) * t.mr;
  const apBytes = align(mcp * kcp * es);
  const bpBytes = align(ncp * kcp * es);
  const cwBytes = align(mbp * ncp * es);
  const stBytes = align(Math.max(mcp, ncp) * kcp * es);
  const cw = apBytes + bpBytes;
  return { ap: 0, bp: apBytes, cw, st: cw + cwBytes, bytes: cw + cwBytes + stBytes };
}

/**
 * C = alpha·op(A)·op(B) + beta·C with the kernels `ex` working in `memory` from byte `scratch`
 * on. a, b, c may be any typed arrays (the caller's, or views of the same shared memory as
 * long as they do not overlap the scratch). The dtype of c selects the kernels.
 * Each block of op(A) / op(B) is first staged row-major (memcpy per row, zero-padded to whole
 * panels and to a multiple of the k unroll), then packed by a WebAssembly copy or transpose;
 * operands that already live in `memory` are packed in place (see aDirect).
 */
export function runGemm(
  ex: KernelExports, memory: WebAssembly.Memory, scratch: number, tiles: GemmTiles, g: GemmArgs,
  resident: (x: GemmArgs['a']) => boolean = (x) => x.buffer === memory.buffer,
): void {
  const { transA, transB, m, n, k, alpha, beta, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc } = g;
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) {
    for (let i = 0; i < m; i++) {
      const row = cOffset + i * ldc;
      if (beta === 0) c.fill(0, row, row + n);
      else if (beta !== 1) for (let j = 0; j < n; j++) c[row + j] *= beta;
    }
    return;
  }
  const f64 = c instanceof Float64Array;
  const t = f64 ? tiles.f64 : tiles.f32;
  const es = f64 ? 8 : 4;
  const plan = scratchPlan(t, es);
  const view = f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
  const kern = f64 ? ex.f64 : ex.f32;
  const copyA = f64 ? ex.f64_copyA : ex.f32_copyA;
  const copyB = f64 ? ex.f64_copyB : ex.f32_copyB;
  const transposeA = f64 ? ex.f64_transposeA : ex.f32_transposeA;
  const transposeB = f64 ? ex.f64_transposeB : ex.f32_transposeB;
  const { mr, nr, ku } = t;
  const apB = scratch + plan.ap;
  const bpB = scratch + plan.bp;
  const cwB = scratch + plan.cw;
  const stB = scratch + plan.st;
  const cwE = cwB / es;
  const stE = stB / es;
  // Operands already in this linear memory (tensors of the threaded tier's arena, its copies)
  // are packed without staging when no k padding is needed (ku = 1) and the lanes that read
  // past a partial panel (at most a register tile of rows) stay inside the memory.
  const limit = memory.buffer.byteLength;
  const over = Math.max(mr, nr) + 1;
  const inPlace = (x: GemmArgs['a'], off: number, ld: number, rows: number, cols: number): boolean =>
    ku === 1 && resident(x) && x.byteOffset + (off + (rows + over) * ld + cols) * es <= limit;
  const aDirect = inPlace(a, aOffset, lda, transA ? k : m, transA ? m : k);
  const bDirect = inPlace(b, bOffset, ldb, transB ? n : k, transB ? k : n);

  /** Copies src[off + r·ld + q] (r < rows, q < cols) to staging, row stride colsPad, zero pad. */
  const stage = (src: GemmArgs['a'], off: number, ld: number, rows: number, cols: number, rowsPad: number, colsPad: number): void => {
    for (let r = 0; r < rows; r++) {
      const s = off + r * ld;
      const d = stE + r * colsPad;
      if (cols >= 16) view.set(src.subarray(s, s + cols), d);
      else for (let q = 0; q < cols; q++) view[d + q] = src[s + q];
      if (colsPad > cols) view.fill(0, d + cols, d + colsPad);
    }
    if (rowsPad > rows) view.fill(0, stE + rows * colsPad, stE + rowsPad * colsPad);
  };

  // C in this memory (a tensor of the threaded tier's arena): whole register tiles are stored
  // straight into C; only the partial tiles at the right and bottom edges go through Cw
  const cDirect = resident(c) && t.mc % mr === 0;
  const cAddr = (i: number, j: number): number => c.byteOffset + (cOffset + i * ldc + j) * es;

  for (let ib = 0; ib < m; ib += t.mb) {
    const mbc = Math.min(t.mb, m - ib);
    const fullRows = cDirect ? mbc - (mbc % mr) : 0; // rows of the block in whole tiles
    for (let jc = 0; jc < n; jc += t.nc) {
      const ncc = Math.min(t.nc, n - jc);
      const nt = Math.ceil(ncc / nr);
      const ncp = nt * nr;
      const nFull = cDirect ? Math.floor(ncc / nr) : 0; // whole column panels stored into C
      const colFull = nFull * nr;
      // beta ≠ 0: what goes through Cw starts as a copy of C (memcpy per row); the first k block
      // adds to beta·C (the kernel scales each tile as it stores it), every later one adds
      if (beta !== 0) {
        for (let i = 0; i < mbc; i++) {
          const crow = cOffset + (ib + i) * ldc + jc;
          const from = i < fullRows ? colFull : 0;
          if (from < ncc) view.set(c.subarray(crow + from, crow + ncc), cwE + i * ncp + from);
        }
      }
      for (let pc = 0; pc < k; pc += t.kc) {
        const kcc = Math.min(t.kc, k - pc);
        const kcp = Math.ceil(kcc / ku) * ku;
        const accumulate = pc > 0 || beta === 1 ? 1 : beta !== 0 ? 2 : 0;
        if (bDirect) {
          // packed straight from linear memory; lanes past ncc read neighbours (their products
          // only reach padding columns of Cw, which are never written back)
          if (!transB) copyB(b.byteOffset + (bOffset + pc * ldb + jc) * es, ldb * es, bpB, kcp, nt);
          else transposeB(b.byteOffset + (bOffset + jc * ldb + pc) * es, ldb * es, bpB, kcp, nt);
        } else if (!transB) {
          stage(b, bOffset + pc * ldb + jc, ldb, kcc, ncc, kcp, ncp);
          copyB(stB, ncp * es, bpB, kcp, nt);
        } else {
          stage(b, bOffset + jc * ldb + pc, ldb, ncc, kcc, ncp, kcp);
          transposeB(stB, kcp * es, bpB, kcp, nt);
        }
        for (let ic = ib; ic < ib + mbc; ic += t.mc) {
          const mcc = Math.min(t.mc, ib + mbc - ic);
          const mt = Math.ceil(mcc / mr);
          const mcp = mt * mr;
          if (aDirect) {
            if (!transA) transposeA(a.byteOffset + (aOffset + ic * lda + pc) * es, lda * es, apB, kcp, mt);
            else copyA(a.byteOffset + (aOffset + pc * lda + ic) * es, lda * es, apB, kcp, mt);
          } else if (!transA) {
            stage(a, aOffset + ic * lda + pc, lda, mcc, kcc, mcp, kcp);
            transposeA(stB, kcp * es, apB, kcp, mt);
          } else {
            stage(a, aOffset + pc * lda + ic, lda, kcc, mcc, kcp, mcp);
            copyA(stB, mcp * es, apB, kcp, mt);
          }
          const cw = cwB + (ic - ib) * ncp * es;
          if (!cDirect) {
            kern(apB, bpB, cw, ncp * es, mt, nt, kcp, accumulate, alpha, beta);
            continue;
          }
          const mFull = Math.floor(mcc / mr);
          if (mFull > 0 && nFull > 0) kern(apB, bpB, cAddr(ic, jc), ldc * es, mFull, nFull, kcp, accumulate, alpha, beta);
          if (nt > nFull) kern(apB, bpB + nFull * kcp * nr * es, cw + colFull * es, ncp * es, mt, nt - nFull, kcp, accumulate, alpha, beta);
          if (mt > mFull && nFull > 0) kern(apB + mFull * kcp * mr * es, bpB, cw + mFull * mr * ncp * es, ncp * es, mt - mFull, nFull, kcp, accumulate, alpha, beta);
        }
      }
      // write back what went through Cw (= alpha·A·B + beta·C; beta = 0 never reads C, so NaN
      // there is overwritten)
      for (let i = 0; i < mbc; i++) {
        const from = i < fullRows ? colFull : 0;
        if (from >= ncc) continue;
        const crow = cOffset + (ib + i) * ldc + jc;
        const wrow = cwE + i * ncp;
        c.set(view.subarray(wrow + from, wrow + ncc), crow + from);
      }
    }
  }
}
