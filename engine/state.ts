// The current backend. A closed choice of names ('cpu' | 'gpu'), no registry. The engine knows
// only the Backend interface: whoever picks the backends (the package root, index.ts) passes their
// factories in with provideBackends({ cpu, gpu }). 'cpu' is created on first use; 'gpu' is
// created only when asked for, so a gpu factory that imports GPU.js on demand never loads it
// for programs that do not ask.

import type { Backend } from './backend.js';
import type { DType } from './dtype.js';

/** Names of the built-in backends: 'cpu' (typed arrays) and 'gpu' (GPU.js, WebGL or WebGPU). */
export type BackendName = 'cpu' | 'gpu';

/** The GPU.js kernel class to run on; 'auto' is headlessgl in Node, webgl2 then webgl in a browser. */
export type GpuMode = 'auto' | 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu';

/** Options for `setBackend('gpu', options)`; see backends/gpu for the meaning of each. */
export interface GpuBackendOptions {
  mode?: GpuMode;
  /**
   * A GPU.js `GPU` instance to use (its mode must match `mode`). Typed structurally so that the
   * package's declarations do not need gpu.js installed (it is an optional peer dependency).
   */
  gpu?: { createKernel: (...args: never[]) => unknown };
  /** Storage dtype; only 'float32' is accepted (anything else throws). */
  dtype?: DType;
  /** mode 'webgpu' in Node: Dawn toggles (default ['backend=opengles']). */
  dawnFlags?: readonly string[];
  /** mode 'webgpu' in Node: adapter feature level (default 'compatibility'). */
  webgpuFeatureLevel?: 'core' | 'compatibility';
}

/** The factories behind the backend names. */
export interface BackendProviders {
  /** Creates the CPU backend: on first use, and on each setBackend('cpu'). */
  cpu: () => Backend;
  /** Creates the GPU backend on setBackend('gpu', options); rejects when it cannot run. */
  gpu: (options: GpuBackendOptions) => Promise<Backend>;
}

let providers: BackendProviders | undefined;
let current: Backend | undefined;

/**
 * Gives the engine the factories behind 'cpu' and 'gpu'. The package root ('relgrad') does this
 * when it loads; call it only when using the engine without the root. The backend in use is kept.
 */
export function provideBackends(given: BackendProviders): void {
  providers = given;
}

function providersFor(caller: string): BackendProviders {
  if (providers === undefined) {
    throw new Error(
      `${caller}: no backends provided to the engine; import relgrad from its package root ('relgrad', which provides ` +
        "the CPU and GPU backends), call provideBackends({ cpu, gpu }) first, or pass a Backend object to setBackend",
    );
  }
  return providers;
}

/** The backend in use; the CPU backend is created on the first call unless `setBackend` chose another. */
export function getBackend(): Backend {
  if (current === undefined) current = providersFor('getBackend').cpu();
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
    current = providersFor("setBackend('cpu')").cpu();
    return current;
  }
  if (choice === 'gpu') {
    current = await providersFor("setBackend('gpu')").gpu(options);
    return current;
  }
  throw new Error(`setBackend: unknown backend '${String(choice)}'; expected 'cpu' or 'gpu'`);
}
