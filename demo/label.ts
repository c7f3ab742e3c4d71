// Words for the page's status line: what trains (from the worker's backend description, and for
// GPU.js the WebGL renderer string, which names SwiftShader or llvmpipe when the "GPU" is software
// rendering on the CPU), and a run's progress ("epoch 12 · 0.04 s/epoch · CPU (WebAssembly SIMD, 1 thread)").
import type { BackendInfo } from '../index.js';

/** Renderer strings of software rasterisers (WebGL on the CPU). */
const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** The WebGL2 renderer string here ('' in Node or without WebGL2): names the GPU, or a software rasteriser. */
export function webglRenderer(): string {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (gl === null) return '';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext === null ? gl.RENDERER : ext.UNMASKED_RENDERER_WEBGL));
  } catch {
    return '';
  }
}

/** Whether a WebGL renderer string names a software rasteriser. */
export function isSoftwareRenderer(renderer: string): boolean {
  return SOFTWARE.test(renderer);
}

/**
 * "CPU (WebAssembly SIMD, 1 thread)", "CPU (WebAssembly SIMD, 4 threads)", "CPU (JavaScript)",
 * "GPU.js WebGL2 (software rendering: SwiftShader)" or "GPU.js WebGL2 (NVIDIA GeForce …)".
 */
export function backendLabel(info: BackendInfo, renderer = ''): string {
  if (info.name === 'gpu') {
    const mode = String(info.details?.mode ?? 'webgl2').replace(/^webgl2$/, 'WebGL2').replace(/^webgl$/, 'WebGL').replace(/^webgpu$/, 'WebGPU');
    const short = renderer.replace(/^ANGLE \((.*)\)$/, '$1');
    const where = renderer === '' ? '' : isSoftwareRenderer(renderer) ? ` (software rendering: ${/swiftshader/i.test(renderer) ? 'SwiftShader' : short})` : ` (${short})`;
    return `GPU.js ${mode}${where}`;
  }
  if (info.name !== 'cpu') return info.name;
  const gemm = String(info.details?.gemm ?? '');
  const threads = /threads\((\d+)/.exec(gemm);
  if (threads) return `CPU (WebAssembly SIMD, ${threads[1]} threads)`;
  if (gemm.startsWith('wasm')) return 'CPU (WebAssembly SIMD, 1 thread)';
  return 'CPU (JavaScript, 1 thread)';
}

/** The status line while a run goes: "epoch 12 · 0.04 s/epoch · CPU (WebAssembly SIMD, 1 thread)". */
export function progressLine(epoch: number, secondsPerEpoch: number | null, backend: string): string {
  const pace = secondsPerEpoch === null ? '' : ` · ${secondsPerEpoch < 10 ? secondsPerEpoch.toPrecision(2) : secondsPerEpoch.toFixed(0)} s/epoch`;
  return `epoch ${epoch}${pace} · ${backend}`;
}
