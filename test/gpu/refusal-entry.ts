// Entry for the refusal checks (run in a Node child, see refusal.test.ts): every way of asking
// the GPU backend for something it cannot do must throw a clear error, never fall back.

import { hostLinalg } from '../../backends/cpu/index.js';
import { createGpuBackend } from '../../backends/gpu/index.js';
import type { GpuMode } from '../../backends/gpu/options.js';

async function messageOf(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'no error';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** mode: the mode to open; with `working`, also probes refusals on an open backend. */
export async function main(args: { mode: GpuMode; working: boolean }): Promise<Record<string, string>> {
  const opened = await messageOf(() => createGpuBackend({ mode: args.mode }, hostLinalg()));
  if (!args.working) return { open: opened };
  const backend = await createGpuBackend({ mode: args.mode }, hostLinalg());
  const one = backend.upload(new Float32Array([1]), 'float32');
  return {
    open: opened,
    kernelClass: String(backend.describe().details?.kernelClass),
    float64Upload: await messageOf(() => backend.upload(new Float64Array([1, 2]), 'float64')),
    float64Option: await messageOf(() => createGpuBackend({ mode: args.mode, dtype: 'float64' }, hostLinalg())),
    float64Read: await messageOf(() => backend.read(one, 'float64', 1)),
    tooLarge: await messageOf(() => backend.kernels.expand(one, [1, 1], [5000, 4000])),
    readSync: await messageOf(() => backend.readSync(one, 'float32', 1)),
  };
}
