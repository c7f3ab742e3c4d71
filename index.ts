// relgrad: the engine at the package root, with its backends; the flow lives at 'relgrad/flow'.
// This is where the backends are chosen: the engine (engine/) knows only the Backend interface,
// so the root passes it the table of built-in backends (backends/index.ts). GPU.js (an optional
// peer dependency) is imported only by setBackend('gpu').

import { BACKENDS, type BackendName, type BackendOptions } from './backends/index.js';
import type { Backend } from './engine/backend.js';
import { provideBackends, setBackend as selectBackend } from './engine/state.js';

provideBackends(BACKENDS);

export * from './engine/index.js';
export { BACKEND_NAMES, type BackendName, type BackendOptions } from './backends/index.js';
export type { GpuBackendOptions, GpuMode } from './backends/gpu/options.js';

/**
 * Selects the backend for tensors created from now on: a built-in name ('cpu', or 'gpu' with its
 * GpuBackendOptions) or a Backend object used as given. Resolves to the backend in use; 'gpu'
 * rejects with a clear error when no GPU.js kernel can run.
 */
export function setBackend<N extends BackendName>(choice: N | Backend, options?: BackendOptions<N>): Promise<Backend> {
  return selectBackend(choice, options ?? {});
}
