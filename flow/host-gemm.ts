// A single-threaded float64 GEMM for host-side work of the flow library (orthogonal init, the
// Gaussian's covariance): the WebAssembly SIMD kernels where the engine has them, else plain
// TypeScript. Created once, on first use.

import { gemmJs, type Gemm } from '../backends/cpu/gemm.js';
import { createWasmGemm } from '../backends/cpu/wasm/index.js';

let hostGemm: Gemm | undefined;

export function hostGemm64(): Gemm {
  hostGemm ??= createWasmGemm() ?? gemmJs;
  return hostGemm;
}
