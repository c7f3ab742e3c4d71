// Entry for bench/gpu-paths.ts (run in a Node child or a Chromium page by tools/launch.ts): times an
// n×n float32 matmul on the GPU backend through a read-back (GPU.js calls only queue work), and
// its max error against the CPU backend. Inputs are uploaded before the clock starts; one
// untimed run compiles the kernel first.

import { createCpuBackend, hostLinalg } from '../../backends/cpu/index.js';
import { createGpuBackend } from '../../backends/gpu/index.js';
import type { MatmulParams } from '../../engine/backend.js';
import type { GpuMode } from '../../backends/gpu/options.js';

export interface MatmulTiming {
  n: number;
  reps: number;
  /** Median of the timed runs, matmul + read-back, in ms. */
  medianMs: number;
  minMs: number;
  gflops: number;
  maxAbsErr: number;
  /** max |C| for scale. */
  maxAbs: number;
}

export interface PathResult {
  mode: GpuMode;
  kernelClass: string;
  implementation: string;
  timings: MatmulTiming[];
}

function uniform(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export async function main(args: { mode: GpuMode; sizes: number[]; reps: number[] }): Promise<PathResult> {
  const gpu = await createGpuBackend({ mode: args.mode }, hostLinalg());
  const cpu = createCpuBackend();
  const timings: MatmulTiming[] = [];
  for (const [i, n] of args.sizes.entries()) {
    const p: MatmulParams = { batch: 1, m: n, n, k: n, transA: false, transB: false };
    const a = uniform(n * n, 1 + n);
    const b = uniform(n * n, 2 + n);
    const da = gpu.upload(a, 'float32');
    const db = gpu.upload(b, 'float32');
    const warm = gpu.kernels.matmul(da, db, p);
    const got = await gpu.read(warm, 'float32', n * n); // compiles; the result is checked below
    gpu.free(warm);
    const times: number[] = [];
    const reps = args.reps[i] ?? 3;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const c = gpu.kernels.matmul(da, db, p);
      await gpu.read(c, 'float32', n * n);
      times.push(performance.now() - t0);
      gpu.free(c);
    }
    gpu.free(da);
    gpu.free(db);
    const want = cpu.kernels.matmul(a, b, p);
    let maxAbsErr = 0;
    let maxAbs = 0;
    for (let j = 0; j < want.length; j++) {
      maxAbsErr = Math.max(maxAbsErr, Math.abs(got[j] - want[j]));
      maxAbs = Math.max(maxAbs, Math.abs(want[j]));
    }
    times.sort((x, y) => x - y);
    const medianMs = times[Math.floor(times.length / 2)];
    timings.push({ n, reps, medianMs, minMs: times[0], gflops: (2 * n ** 3) / (medianMs * 1e6), maxAbsErr, maxAbs });
  }
  const info = gpu.describe();
  return { mode: args.mode, kernelClass: String(info.details?.kernelClass), implementation: info.implementation, timings };
}
