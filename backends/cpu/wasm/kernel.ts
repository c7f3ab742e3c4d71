// The WebAssembly SIMD macro-kernels of the GEMM, emitted at load time. One exported function
// per dtype computes a whole packed block: for every NR-column panel of packed B (kept in L1)
// and every MR-row panel of packed A (kept in L2), an MR×NR tile of C is accumulated in v128
// registers over kc and then stored into C or a padded C buffer in linear memory: written, added,
// or added to beta·C (beta applied to each tile as it is stored, so beta needs no pass of its own).
// Baseline SIMD has no FMA, so each update is a mul then an add: 2·MR·NR flops per k step for
// NV = NR / lanes loads of B, MR splat-loads of A and MR·NV mul+add pairs.

import { arithmeticKernels, type ArithmeticExports } from './arithmetic-kernels.js';
import { elementwiseKernels, type ElementwiseExports } from './elementwise-kernels.js';
import { knotKernels, type KnotExports } from './knot-kernels.js';
import { mapKernels, type MapExports } from './map-kernels.js';
import { splineKernels, type SplineExports } from './spline-kernels.js';
import { Code, emitModule, F64, I32, relaxedSimdSupported, V128, type FuncDef, type ValType } from './emit.js';

/** Register blocking of one dtype's micro-kernel and the cache blocking around it. */
export interface TileParams {
  /** Rows of the register tile. */
  mr: number;
  /** Columns of the register tile (a multiple of the SIMD lanes). */
  nr: number;
  /** k unroll of the inner loop; packed kc is padded with zeros to a multiple of it. */
  ku: number;
  /** k-block (depth of the packed panels). */
  kc: number;
  /** Rows of a packed A block. */
  mc: number;
  /** Columns of a packed B block. */
  nc: number;
  /** Rows of C accumulated in the scratch C buffer before write-back. */
  mb: number;
}

export interface GemmTiles {
  f64: TileParams;
  f32: TileParams;
  /** Fused multiply-add (relaxed SIMD relaxed_madd) in the micro-kernels instead of mul + add. */
  fma: boolean;
}

/**
 * Defaults measured on a 2-core AVX2 Xeon (48 KiB L1d, 2 MiB L2): a 4×4 f64 tile (8 f64x2
 * accumulators) and a 4×8 f32 tile (8 f32x4 accumulators) fit the 16 xmm registers with room
 * for the B vectors and the A splat.
 */
export const PLAIN_TILES: GemmTiles = {
  f64: { mr: 4, nr: 4, ku: 2, kc: 256, mc: 128, nc: 2048, mb: 512 },
  f32: { mr: 4, nr: 8, ku: 1, kc: 256, mc: 128, nc: 2048, mb: 512 },
  fma: false,
};

/**
 * Tiles for the relaxed-SIMD FMA kernels. FMA latency needs ≥ 8 independent accumulators to keep
 * both FMA pipes busy; V8 keeps at most ~13 v128 values in registers before it spills: f32 3×12
 * (9 accumulators) beat 4×8, and 6×8 and 5×8 spill; f64 4×4 has 8 accumulators (the benchmarks
 * measure the tiles). No k unroll, so operands that already live in linear memory are packed in place.
 */
export const FMA_TILES: GemmTiles = {
  f64: { mr: 4, nr: 4, ku: 1, kc: 256, mc: 128, nc: 2048, mb: 512 },
  f32: { mr: 3, nr: 12, ku: 1, kc: 256, mc: 120, nc: 2040, mb: 480 },
  fma: true,
};

/** The tiles this engine runs best: FMA kernels where relaxed SIMD validates, else plain SIMD. */
export function defaultTiles(): GemmTiles {
  return relaxedSimdSupported() ? FMA_TILES : PLAIN_TILES;
}

/**
 * Signature of an exported macro-kernel (byte addresses into linear memory):
 * C[mt·MR × nt·NR] (row stride ldc bytes) ← alpha·Ap·Bp + (0, 1 or beta)·C with Ap = mt panels of
 * kcp×MR and Bp = nt panels of kcp×NR. `accumulate` = 0 overwrites C (never reads it), 1 adds to
 * it, 2 adds to beta·C (beta applied as the tile is stored: no pass of its own). mt, nt, kcp > 0.
 */
export type MacroKernel = (
  ap: number, bp: number, c: number, ldc: number, mt: number, nt: number, kcp: number, accumulate: number, alpha: number, beta: number,
) => void;

/**
 * Packing routine (byte addresses): reads a staged row-major block S (row stride lds bytes) and
 * writes `np` consecutive panels of `count`×w elements, element (p, q) of panel j at
 * dst + ((j·count + p)·w + q)·es.
 * - copy:      panel element (p, q) = S[p][j·w + q]   (rows of S run along k)
 * - transpose: panel element (p, q) = S[j·w + q][p]   (rows of S run along the panel lanes)
 */
export type PackKernel = (src: number, lds: number, dst: number, count: number, np: number) => void;

export interface KernelExports extends ElementwiseExports, SplineExports, MapExports, KnotExports, ArithmeticExports {
  f64: MacroKernel;
  f64_copyA: PackKernel;
  f64_copyB: PackKernel;
  f64_transposeA: PackKernel;
  f64_transposeB: PackKernel;
  f32: MacroKernel;
  f32_copyA: PackKernel;
  f32_copyB: PackKernel;
  f32_transposeA: PackKernel;
  f32_transposeB: PackKernel;
}

/** Copy packing: per row p of S, np chunks of w·es bytes to panel-strided places (v128 moves). */
function copyPanels(name: string, w: number, es: number): FuncDef {
  const SRC = 0, LDS = 1, DST = 2, COUNT = 3, NP = 4;
  const P = 5, J = 6, S = 7, D = 8, ROW_SRC = 9, ROW_DST = 10, STRIDE = 11;
  const chunk = w * es;
  const c = new Code();
  c.get(COUNT).i32(chunk).i32Mul().set(STRIDE);
  c.get(SRC).set(ROW_SRC).get(DST).set(ROW_DST).get(COUNT).set(P);
  c.loop();
  c.get(ROW_SRC).set(S).get(ROW_DST).set(D).get(NP).set(J);
  c.loop();
  let off = 0;
  for (; off + 16 <= chunk; off += 16) c.get(D).get(S).v128Load(off).v128Store(off);
  for (; off + 8 <= chunk; off += 8) c.get(D).get(S).i64Load(off).i64Store(off);
  for (; off + 4 <= chunk; off += 4) c.get(D).get(S).i32Load(off).i32Store(off);
  c.get(S).i32(chunk).i32Add().set(S);
  c.get(D).get(STRIDE).i32Add().set(D);
  c.get(J).i32(1).i32Sub().tee(J).brIf(0);
  c.end();
  c.get(ROW_SRC).get(LDS).i32Add().set(ROW_SRC);
  c.get(ROW_DST).i32(chunk).i32Add().set(ROW_DST);
  c.get(P).i32(1).i32Sub().tee(P).brIf(0);
  c.end();
  return { name, params: new Array<ValType>(5).fill(I32), results: [], locals: new Array<ValType>(7).fill(I32), body: c };
}

/** Byte indices for i8x16.shuffle that pick lanes (of es bytes) from (a ‖ b), lanes 0–3 of a then of b. */
function laneBytes(lanes: readonly number[], es: number): number[] {
  return lanes.flatMap((l) => Array.from({ length: es }, (_, b) => l * es + b));
}

/**
 * Transpose packing: w rows of S at a time, walked along p. Whole groups of L = 16/es values of p
 * go through SIMD: per group of L rows, L vector loads, an L×L transpose by shuffles (4×4: eight,
 * 2×2: two), L vector stores; the remaining p (fewer than L) by scalar moves of es bytes.
 */
function transposePanels(name: string, w: number, es: number): FuncDef {
  const SRC = 0, LDS = 1, DST = 2, COUNT = 3, NP = 4;
  const J = 5, P = 6, RP = 7, D = 8, PANEL_SRC = 9, firstOff = 10;
  const L = 16 / es;
  const offQ = (q: number): number => firstOff + q - 1; // byte offset q·lds of row q, q ≥ 1
  const firstVec = firstOff + Math.max(0, w - 1);
  const R = (i: number): number => firstVec + i; // the L rows of a group
  const T = (i: number): number => firstVec + L + i; // 4×4 intermediates
  const simd = w % L === 0;
  const c = new Code();
  for (let q = 1; q < w; q++) c.get(LDS).i32(q).i32Mul().set(offQ(q));
  c.get(SRC).set(PANEL_SRC).get(DST).set(D).get(NP).set(J);
  c.loop();
  c.get(PANEL_SRC).set(RP).get(COUNT).set(P);
  if (simd) {
    c.block();
    c.loop();
    c.get(P).i32(L).i32LtU().brIf(1);
    for (let g = 0; g < w / L; g++) {
      for (let i = 0; i < L; i++) {
        const q = g * L + i;
        c.get(RP);
        if (q > 0) c.get(offQ(q)).i32Add();
        c.v128Load(0).set(R(i));
      }
      // outputs: vector j holds element p + j of the group's L rows
      const store = (j: number, push: () => void): void => {
        c.get(D);
        push();
        c.v128Store((j * w + g * L) * es);
      };
      if (L === 2) {
        store(0, () => c.get(R(0)).get(R(1)).i8x16Shuffle(laneBytes([0, 2], 8)));
        store(1, () => c.get(R(0)).get(R(1)).i8x16Shuffle(laneBytes([1, 3], 8)));
      } else {
        c.get(R(0)).get(R(1)).i8x16Shuffle(laneBytes([0, 4, 1, 5], 4)).set(T(0)); // a0 b0 a1 b1
        c.get(R(0)).get(R(1)).i8x16Shuffle(laneBytes([2, 6, 3, 7], 4)).set(T(1)); // a2 b2 a3 b3
        c.get(R(2)).get(R(3)).i8x16Shuffle(laneBytes([0, 4, 1, 5], 4)).set(T(2)); // c0 d0 c1 d1
        c.get(R(2)).get(R(3)).i8x16Shuffle(laneBytes([2, 6, 3, 7], 4)).set(T(3)); // c2 d2 c3 d3
        store(0, () => c.get(T(0)).get(T(2)).i8x16Shuffle(laneBytes([0, 1, 4, 5], 4)));
        store(1, () => c.get(T(0)).get(T(2)).i8x16Shuffle(laneBytes([2, 3, 6, 7], 4)));
        store(2, () => c.get(T(1)).get(T(3)).i8x16Shuffle(laneBytes([0, 1, 4, 5], 4)));
        store(3, () => c.get(T(1)).get(T(3)).i8x16Shuffle(laneBytes([2, 3, 6, 7], 4)));
      }
    }
    c.get(RP).i32(L * es).i32Add().set(RP);
    c.get(D).i32(L * w * es).i32Add().set(D);
    c.get(P).i32(L).i32Sub().set(P);
    c.br(0);
    c.end();
    c.end();
  }
  c.block();
  c.get(P).i32Eqz().brIf(0);
  c.loop();
  for (let q = 0; q < w; q++) {
    c.get(D).get(RP);
    if (q > 0) c.get(offQ(q)).i32Add();
    if (es === 8) c.i64Load(0).i64Store(q * es);
    else c.i32Load(0).i32Store(q * es);
  }
  c.get(RP).i32(es).i32Add().set(RP);
  c.get(D).i32(w * es).i32Add().set(D);
  c.get(P).i32(1).i32Sub().tee(P).brIf(0);
  c.end();
  c.end();
  c.get(PANEL_SRC).get(LDS).i32(w).i32Mul().i32Add().set(PANEL_SRC);
  c.get(J).i32(1).i32Sub().tee(J).brIf(0);
  c.end();
  const locals = [...new Array<ValType>(5 + Math.max(0, w - 1)).fill(I32), ...new Array<ValType>(simd ? 2 * L : 0).fill(V128)];
  return { name, params: new Array<ValType>(5).fill(I32), results: [], locals, body: c };
}

function macroKernel(name: string, lanes: 2 | 4, t: TileParams, fma: boolean): FuncDef {
  const es = lanes === 2 ? 8 : 4;
  const { mr, nr, ku } = t;
  const nv = nr / lanes;
  if (!Number.isInteger(nv) || nv < 1) throw new Error(`wasm gemm ${name}: nr ${nr} is not a multiple of ${lanes}`);
  // params (alpha and beta are f64 for both dtypes)
  const AP = 0, BP = 1, C = 2, LDC = 3, MT = 4, NT = 5, KCP = 6, ACC = 7, ALPHA = 8, BETA = 9;
  // i32 locals
  const JT = 10, IT = 11, PA = 12, PB = 13, K = 14, AP_IT = 15, BP_JT = 16, C_ROW = 17, C_COL = 18, CP = 19;
  const firstVec = 20;
  const acc = (r: number, v: number): number => firstVec + r * nv + v;
  const bReg = (v: number): number => firstVec + mr * nv + v;
  const aReg = firstVec + mr * nv + nv;
  const alphaVec = aReg + 1;
  const betaVec = aReg + 2;
  const locals: ValType[] = [
    ...new Array<ValType>(10).fill(I32),
    ...new Array<ValType>(mr * nv + nv + 3).fill(V128),
  ];
  const add = (c: Code): Code => (lanes === 2 ? c.f64x2Add() : c.f32x4Add());
  const mul = (c: Code): Code => (lanes === 2 ? c.f64x2Mul() : c.f32x4Mul());
  const splat = (c: Code, off: number): Code => (lanes === 2 ? c.v128Load64Splat(off) : c.v128Load32Splat(off));

  const c = new Code();
  c.get(ALPHA);
  if (lanes === 2) c.f64x2Splat();
  else c.f32DemoteF64().f32x4Splat();
  c.set(alphaVec);
  c.get(BETA);
  if (lanes === 2) c.f64x2Splat();
  else c.f32DemoteF64().f32x4Splat();
  c.set(betaVec);
  c.get(BP).set(BP_JT).get(C).set(C_COL).get(NT).set(JT);
  c.loop(); // over column panels jt
  c.get(AP).set(AP_IT).get(C_COL).set(C_ROW).get(MT).set(IT);
  c.loop(); // over row panels it
  for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) c.v128Zero().set(acc(r, v));
  c.get(AP_IT).set(PA).get(BP_JT).set(PB).get(KCP).set(K);
  c.loop(); // over k, unrolled ku times
  for (let u = 0; u < ku; u++) {
    for (let v = 0; v < nv; v++) c.get(PB).v128Load((u * nr + v * lanes) * es).set(bReg(v));
    for (let r = 0; r < mr; r++) {
      splat(c.get(PA), (u * mr + r) * es).set(aReg);
      for (let v = 0; v < nv; v++) {
        if (fma) {
          c.get(aReg).get(bReg(v)).get(acc(r, v));
          if (lanes === 2) c.f64x2RelaxedMadd();
          else c.f32x4RelaxedMadd();
        } else {
          c.get(acc(r, v)).get(aReg).get(bReg(v));
          mul(c);
          add(c);
        }
        c.set(acc(r, v));
      }
    }
  }
  c.get(PA).i32(ku * mr * es).i32Add().set(PA);
  c.get(PB).i32(ku * nr * es).i32Add().set(PB);
  c.get(K).i32(ku).i32Sub().tee(K).brIf(0);
  c.end();
  // scale by alpha, then store the tile: rows at C_ROW + r·ldc, vectors at + v·16 bytes
  for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) mul(c.get(acc(r, v)).get(alphaVec)).set(acc(r, v));
  /** C ← (beta·)C + acc, tile by tile */
  const addInto = (scaled: boolean): void => {
    c.get(C_ROW).set(CP);
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < nv; v++) {
        c.get(CP).get(CP).v128Load(v * 16);
        if (scaled) mul(c.get(betaVec));
        c.get(acc(r, v));
        add(c);
        c.v128Store(v * 16);
      }
      if (r < mr - 1) c.get(CP).get(LDC).i32Add().set(CP);
    }
  };
  c.get(ACC).if();
  c.get(ACC).i32(1).i32Ne().if();
  addInto(true);
  c.else();
  addInto(false);
  c.end();
  c.else();
  c.get(C_ROW).set(CP);
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < nv; v++) c.get(CP).get(acc(r, v)).v128Store(v * 16);
    if (r < mr - 1) c.get(CP).get(LDC).i32Add().set(CP);
  }
  c.end();
  // next row panel: A advanced by exactly kcp·MR elements in the k loop
  c.get(PA).set(AP_IT);
  c.get(C_ROW).get(LDC).i32(mr).i32Mul().i32Add().set(C_ROW);
  c.get(IT).i32(1).i32Sub().tee(IT).brIf(0);
  c.end();
  // next column panel
  c.get(PB).set(BP_JT);
  c.get(C_COL).i32(nr * es).i32Add().set(C_COL);
  c.get(JT).i32(1).i32Sub().tee(JT).brIf(0);
  c.end();
  return { name, params: [...new Array<ValType>(8).fill(I32), F64, F64], results: [], locals, body: c };
}

/** WebAssembly page size in bytes. */
export const PAGE = 65536;

/** The kernel module's functions, in index order (profilers name them wasm-function[index]). */
export function kernelFunctions(tiles: GemmTiles): FuncDef[] {
  const funcs: FuncDef[] = [];
  for (const [dt, lanes, es] of [['f64', 2, 8], ['f32', 4, 4]] as const) {
    const t = tiles[dt];
    funcs.push(
      macroKernel(dt, lanes, t, tiles.fma),
      copyPanels(`${dt}_copyA`, t.mr, es),
      copyPanels(`${dt}_copyB`, t.nr, es),
      transposePanels(`${dt}_transposeA`, t.mr, es),
      transposePanels(`${dt}_transposeB`, t.nr, es),
    );
  }
  // FMA tiles are chosen only where relaxed SIMD validates, so its lane select is there too
  funcs.push(...elementwiseKernels(), ...splineKernels(tiles.fma), ...mapKernels(), ...knotKernels(), ...arithmeticKernels());
  return funcs;
}

/** The kernel module's bytes; it imports its memory as env.memory (shared when asked). */
export function kernelModuleBytes(tiles: GemmTiles, memory: { shared: boolean; maximumPages?: number }): Uint8Array<ArrayBuffer> {
  const funcs = kernelFunctions(tiles);
  return emitModule(
    funcs,
    { module: 'env', field: 'memory', initialPages: 1, maximumPages: memory.maximumPages, shared: memory.shared },
  );
}
