// The current backend. A closed choice of names ('cpu' | 'gpu'), no registry: 'cpu' (its fastest
// GEMM tier, chosen once and reported by describe()) is created on first use; 'gpu' loads GPU.js on demand, so programs that never ask for it never load it.

import type { GPU } from 'gpu.js';
import type { Backend } from './backend.js';
import type { DType } from './dtype.js';
import { createCpuBackend } from '../backends/cpu/index.js';

export type BackendName = 'cpu' | 'gpu';

/** The GPU.js kernel class to run on; 'auto' is headlessgl in Node, webgl2 then webgl in a browser. */
export type GpuMode = 'auto' | 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu';

/** Options for `setBackend('gpu', options)`; see backends/gpu for the meaning of each. */
export interface GpuBackendOptions {
  mode?: GpuMode;
  /** A GPU.js instance to use (its mode must match `mode`). */
  gpu?: GPU;
  /** Storage dtype; only 'float32' is accepted (anything else throws). */
  dtype?: DType;
  /** mode 'webgpu' in Node: Dawn toggles (default ['backend=opengles']). */
  dawnFlags?: readonly string[];
  /** mode 'webgpu' in Node: adapter feature level (default 'compatibility'). */
  webgpuFeatureLevel?: 'core' | 'compatibility';
}

let current: Backend | undefined;

export function getBackend(): Backend {
  if (current === undefined) current = createCpuBackend({ tier: 'auto' });
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
    current = createCpuBackend({ tier: 'auto' });
    return current;
  }
  if (choice === 'gpu') {
    const gpu = await import('../backends/gpu/index.js');
    current = (await gpu.createGpuBackend(options)) as Backend;
    return current;
  }
  throw new Error(`setBackend: unknown backend '${String(choice)}'; expected 'cpu' or 'gpu'`);
}
