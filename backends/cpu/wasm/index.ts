// The single-threaded WebAssembly SIMD GEMM tier: emits and compiles the kernel module once,
// gives it a private linear memory sized for the packing scratch, and runs the blocked driver.
// Returns undefined where the engine lacks WebAssembly 128-bit SIMD (the caller falls back).

import type { Gemm } from '../gemm.js';
import { runGemm, scratchPlan } from './core.js';
import { compileKernels, simdSupported } from './emit.js';
import { defaultTiles, kernelModuleBytes, PAGE, type GemmTiles, type KernelExports } from './kernel.js';

export { simdSupported } from './emit.js';
export { defaultTiles, FMA_TILES, PLAIN_TILES, type GemmTiles, type TileParams } from './kernel.js';

/** Bytes of scratch one thread needs for either dtype. */
export function scratchBytes(tiles: GemmTiles): number {
  return Math.max(scratchPlan(tiles.f64, 8).bytes, scratchPlan(tiles.f32, 4).bytes);
}

export interface WasmGemmOptions {
  /** Register and cache blocking; defaults to defaultTiles(). */
  tiles?: GemmTiles;
}

/** The WebAssembly SIMD GEMM (one thread), or undefined when SIMD is unavailable. */
export function createWasmGemm(options: WasmGemmOptions = {}): Gemm | undefined {
  if (!simdSupported()) return undefined;
  const tiles = options.tiles ?? defaultTiles();
  const module = compileKernels(kernelModuleBytes(tiles, { shared: false }));
  const memory = new WebAssembly.Memory({ initial: Math.ceil(scratchBytes(tiles) / PAGE) });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports as unknown as KernelExports;
  return (g) => runGemm(exports, memory, 0, tiles, g);
}
