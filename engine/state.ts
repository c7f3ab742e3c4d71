// The current backend. A closed choice of names ('cpu' | 'gpu'), no registry: 'cpu' is created
// on first use; 'gpu' loads GPU.js on demand, so programs that never ask for it never load it.

import type { Backend } from './backend.js';
import { createCpuBackend } from '../backends/cpu/index.js';

export type BackendName = 'cpu' | 'gpu';

/** Options for `setBackend('gpu', options)`; see backends/gpu for the meaning of each. */
export interface GpuBackendOptions {
  mode?: string;
  [key: string]: unknown;
}

let current: Backend | undefined;

export function getBackend(): Backend {
  if (current === undefined) current = createCpuBackend();
  return current;
}

/**
 * Selects the backend for tensors created from now on. A Backend object is used as given.
 * Resolves to the backend in use; 'gpu' rejects with a clear error when no GPU.js kernel can run.
 */
export async function setBackend(choice: BackendName | Backend, options: GpuBackendOptions = {}): Promise<Backend> {
  if (typeof choice === 'object') {
    current = choice;
    return choice;
  }
  if (choice === 'cpu') {
    current = createCpuBackend();
    return current;
  }
  if (choice === 'gpu') {
    const gpuModule = '../backends/gpu/index.js';
    const gpu = (await import(gpuModule)) as {
      createGpuBackend(options: GpuBackendOptions): Promise<Backend>;
    };
    current = await gpu.createGpuBackend(options);
    return current;
  }
  throw new Error(`setBackend: unknown backend '${String(choice)}'; expected 'cpu' or 'gpu'`);
}
