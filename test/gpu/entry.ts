// Entry for one GPU path (a Node child or a Chromium page, see tools/launch.ts):
// creates the GPU backend in the requested mode and returns the GPU-vs-CPU check report, plus
// what `setBackend('gpu')` (the engine's own loader) selected.

import { hostLinalg } from '../../backends/cpu/index.js';
import { createGpuBackend } from '../../backends/gpu/index.js';
import { setBackend, tensor, getBackend, mul } from '../../index.js';
import type { GpuMode } from '../../backends/gpu/options.js';
import { runGpuChecks, type CheckReport } from './checks.js';

export interface EntryReport extends CheckReport {
  /** Through setBackend('gpu', { mode }): the kernel class and a default-dtype product. */
  viaSetBackend: { kernelClass: string; dtype: string; values: number[] };
}

export async function main(args: { mode: GpuMode }): Promise<EntryReport> {
  const report = await runGpuChecks(await createGpuBackend({ mode: args.mode }, hostLinalg()));
  await setBackend('gpu', { mode: args.mode });
  const x = tensor([1, 2, 3]);
  const y = mul(x, x);
  const viaSetBackend = {
    kernelClass: String(getBackend().describe().details?.kernelClass),
    dtype: y.dtype,
    values: Array.from(await y.data()),
  };
  await setBackend('cpu');
  return { ...report, viaSetBackend };
}
