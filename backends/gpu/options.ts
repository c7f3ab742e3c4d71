// The options of the GPU backend (createGpuBackend, setBackend('gpu', options)): types only, so the
// package root can name them without loading GPU.js or any of the backend's code.

import type { DType } from '../../engine/dtype.js';

/** The GPU.js kernel class to run on; 'auto' is headlessgl in Node, webgl2 then webgl in a browser. */
export type GpuMode = 'auto' | 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu';

/** Options for `setBackend('gpu', options)` and `createGpuBackend(options)`. */
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
