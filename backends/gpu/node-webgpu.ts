// WebGPU for Node: GPU.js's webgpu kernels look for `navigator.gpu`, which Node lacks. This
// installs Dawn (npm `webgpu`) there. Measured on Debian 12: Dawn rejects lavapipe (Vulkan), but
// its OpenGL ES backend runs on llvmpipe when the adapter is asked for `featureLevel:
// 'compatibility'` and EGL runs surfaceless (XDG_RUNTIME_DIR, EGL_PLATFORM=surfaceless).
// Called only by createGpuBackend({ mode: 'webgpu' }) in Node when navigator.gpu is missing.

import { loadOptional } from '../../engine/optional.js';

/** The part of WebGPU's `GPU` object that GPU.js uses. */
interface WebGpuEntry {
  requestAdapter(options?: Record<string, unknown>): Promise<unknown>;
  getPreferredCanvasFormat?(): string;
}

interface DawnModule {
  create(flags: string[]): WebGpuEntry;
  globals: Record<string, unknown>;
}

export interface NodeWebGpuOptions {
  /** Dawn toggles passed to `create`; default ['backend=opengles']. */
  dawnFlags?: readonly string[];
  /** Adapter feature level; default 'compatibility' (what Dawn's GL ES backend offers). */
  featureLevel?: 'core' | 'compatibility';
}

export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

function navigatorGpu(): unknown {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  return nav?.gpu;
}

/** Installs Dawn as navigator.gpu (once). Returns a description of what was installed. */
export async function installNodeWebGpu(options: NodeWebGpuOptions = {}): Promise<string> {
  if (navigatorGpu() !== undefined) return 'navigator.gpu (already present)';
  const flags = [...(options.dawnFlags ?? ['backend=opengles'])];
  const featureLevel = options.featureLevel ?? 'compatibility';
  // Dawn's EGL reads these when the instance is created; keep any value the caller set
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const specifier = 'webgpu';
  // a variable specifier: bundlers leave it alone (browsers have navigator.gpu already)
  const dawn = await loadOptional('webgpu', async () => (await import(specifier)) as DawnModule);
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const entry = dawn.create(flags);
  const gpu: WebGpuEntry = {
    requestAdapter: (adapterOptions) => entry.requestAdapter({ ...adapterOptions, featureLevel }),
    getPreferredCanvasFormat: () => entry.getPreferredCanvasFormat?.() ?? 'rgba8unorm',
  };
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  }
  return `Dawn (npm webgpu) [${flags.join(' ')}], featureLevel ${featureLevel}`;
}
