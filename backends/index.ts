// The built-in backends by name: one typed table from name to factory. The package root hands it to
// the engine (provideBackends), its keys are the names setBackend accepts and the CLI's --backend
// choices, and each factory's parameter is that backend's options. The GPU backend's code (and
// GPU.js, an optional peer dependency) is imported only when its factory runs.

import type { Backend } from '../engine/backend.js';
import type { BackendTable } from '../engine/state.js';
import { createCpuBackend } from './cpu/index.js';
import { hostLinalg } from './cpu/lu-blocked.js';
import type { GpuBackendOptions } from './gpu/options.js';

/**
 * Name → factory of every built-in backend: 'cpu' (typed arrays, WebAssembly SIMD and a worker
 * thread where available; created on first use) and 'gpu' (GPU.js on WebGL or WebGPU; solve, inv
 * and slogdet read back and run the CPU backend's blocked LU).
 */
export const BACKENDS = {
  cpu: (): Backend => createCpuBackend({ tier: 'auto' }),
  gpu: async (options: GpuBackendOptions = {}): Promise<Backend> =>
    (await import('./gpu/index.js')).createGpuBackend(options, hostLinalg()),
} as const satisfies BackendTable;

/** Names of the built-in backends, the keys of BACKENDS: 'cpu' | 'gpu'. */
export type BackendName = keyof typeof BACKENDS;

/** The options each built-in backend takes (`undefined` for 'cpu'). */
export type BackendOptions<N extends BackendName> = Parameters<(typeof BACKENDS)[N]>[0];

/** The built-in backend names in table order (e.g. a command line's --backend choices). */
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];
