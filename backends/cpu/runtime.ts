// The CPU backend's runtime, chosen once by its GEMM tier: WebAssembly SIMD on worker threads,
// WebAssembly SIMD on the calling thread, or the plain TypeScript kernel, whichever is the fastest
// this engine supports. A tier brings more than its GEMM: the threaded tier also gives the shared
// element-wise kernels (pointwise maps, Adam, spline, sums) and the arena storage they read without copies.
// The choice and the reason for any fallback are returned (and reported by describe()); a tier
// can be forced so a conformance suite can loop over all of them.

import type { DType, TypedArray } from '../../engine/dtype.js';
import type { AdamRunner, BinaryRunner } from './elementwise.js';
import type { PointwiseRunner } from './fused.js';
import type { SplineRunner } from './spline.js';
import type { VectorMap } from './vector-maps.js';
import type { KnotRunner } from './spline-knots.js';
import type { ColumnSumsRunner } from './reduce.js';
import { gemmJs, type Gemm } from './gemm.js';
import { createThreadedRuntime, DEFAULT_MIN_FLOPS } from './threads/index.js';
import { createWasmGemm, defaultTiles, simdSupported } from './wasm/index.js';

/** A CPU GEMM tier: 'js' (plain TypeScript), 'wasm' (WebAssembly SIMD) or 'wasm-threads' (WebAssembly SIMD on worker threads). */
export type GemmTier = 'js' | 'wasm' | 'wasm-threads';

export interface GemmChoiceOptions {
  /** Force a tier; throws when it is unavailable here. Default: the fastest available. */
  tier?: GemmTier;
  /** Threads for 'wasm-threads' (caller's included); default os.availableParallelism(). */
  threads?: number;
  /** Flops (2·m·n·k) below which 'wasm-threads' stays on the calling thread. */
  minFlops?: number;
}

/** The GEMM tier chosen once for this engine, its kernel, its name for describe() and why any faster tier was not taken. */
export interface GemmChoice {
  tier: GemmTier;
  /** What describe() reports, e.g. 'wasm-simd-threads(2, ≥5e6 flops)'. */
  name: string;
  gemm: Gemm;
  /** Why a faster tier was not taken (empty when the fastest one was). */
  fallbacks: string[];
  /** Ends worker threads, if any (they are unref'ed and never keep the process alive). */
  close: () => Promise<void>;
  /** The WebAssembly micro-kernels that run (FMA or plain SIMD, register tiles); absent for 'js'. */
  kernel?: string;
  /** Element-wise kernels shared with the worker threads (the threaded tier only). */
  elementwise?: { pointwise: PointwiseRunner; adam: AdamRunner; spline: SplineRunner; sumAll: (x: TypedArray) => number | undefined; mapF64: VectorMap; knots: KnotRunner; binary: BinaryRunner; columnSums: ColumnSumsRunner };
  /** Storage the tier reads without copies (the threaded tier's shared memory); undefined when full. */
  place?: (dtype: DType, size: number) => TypedArray | undefined;
  /** Takes back at once a placed array nobody uses any more (the pool's leftovers). */
  unplace?: (a: TypedArray) => void;
}

const noop = async (): Promise<void> => {};

/** What the default WebAssembly kernels are: relaxed-SIMD FMA where validated, else mul + add. */
function kernelName(): string {
  const t = defaultTiles();
  const tiles = `f32 ${t.f32.mr}×${t.f32.nr}, f64 ${t.f64.mr}×${t.f64.nr}`;
  return t.fma ? `relaxed-SIMD FMA (${tiles})` : `SIMD mul + add (${tiles}; relaxed SIMD unavailable)`;
}

function tryTier(tier: GemmTier, options: GemmChoiceOptions): GemmChoice | string {
  if (tier === 'js') return { tier, name: 'js-tiled-4x4', gemm: gemmJs, fallbacks: [], close: noop };
  if (!simdSupported()) return `${tier}: WebAssembly 128-bit SIMD is unavailable`;
  if (tier === 'wasm') {
    const gemm = createWasmGemm();
    return gemm ? { tier, name: 'wasm-simd', kernel: kernelName(), gemm, fallbacks: [], close: noop } : 'wasm: module failed';
  }
  const threaded = createThreadedRuntime({ threads: options.threads, minFlops: options.minFlops });
  if (!threaded) return 'wasm-threads: needs ≥ 2 cores, SharedArrayBuffer, shared WebAssembly.Memory and Node worker_threads';
  return {
    tier,
    name: `wasm-simd-threads(${threaded.threads}, ≥${threaded.minFlops.toExponential(0)} flops)`,
    kernel: kernelName(),
    gemm: threaded.gemm,
    fallbacks: [],
    close: threaded.close,
    elementwise: { pointwise: threaded.pointwise, adam: threaded.adam, spline: threaded.spline, sumAll: threaded.sumAll, mapF64: threaded.mapF64, knots: threaded.knots, binary: threaded.binary, columnSums: threaded.columnSums },
    place: threaded.alloc,
    unplace: (a: TypedArray) => threaded.arena.freeArray(a),
  };
}

/** Picks the GEMM tier (once per call: keep the result). */
export function chooseGemm(options: GemmChoiceOptions = {}): GemmChoice {
  if (options.tier) {
    const got = tryTier(options.tier, options);
    if (typeof got === 'string') throw new Error(`chooseGemm: forced tier unavailable: ${got}`);
    return got;
  }
  const fallbacks: string[] = [];
  for (const tier of ['wasm-threads', 'wasm', 'js'] as const) {
    const got = tryTier(tier, options);
    if (typeof got !== 'string') return { ...got, fallbacks };
    fallbacks.push(got);
  }
  throw new Error('chooseGemm: unreachable, the js tier is always available');
}

export interface GemmTierEntry {
  name: string;
  gemm: Gemm;
  available: boolean;
}

/**
 * Every tier, for conformance suites. The threaded one is built with minFlops = 0 so that even
 * small test products are split across threads. Unavailable tiers carry the plain kernel and
 * `available: false`.
 */
export function gemmTiers(): GemmTierEntry[] {
  return (['js', 'wasm', 'wasm-threads'] as const).map((tier) => {
    const got = tryTier(tier, tier === 'wasm-threads' ? { minFlops: 0 } : {});
    return typeof got === 'string'
      ? { name: tier, gemm: gemmJs, available: false }
      : { name: tier === 'js' ? 'js-tiled-4x4' : got.name, gemm: got.gemm, available: true };
  });
}

