// Entry for the minification check (test/browser/chromium-minified.test.ts): the usual GPU-vs-CPU
// report, plus the name GPU.js's WebGL2Kernel class carries after bundling, which shows whether
// the minifier really renamed the classes the backend's kernel check must not rely on.

import type { GpuMode } from '../../backends/gpu/options.js';
import { main as checks, type EntryReport } from './entry.js';

export interface MinifiedReport extends EntryReport {
  bundledClassName: string;
}

export async function main(args: { mode: GpuMode }): Promise<MinifiedReport> {
  const gpujs = (await import('gpu.js')) as unknown as { WebGL2Kernel?: { name: string }; default?: { WebGL2Kernel: { name: string } } };
  const cls = gpujs.WebGL2Kernel ?? gpujs.default?.WebGL2Kernel;
  return { ...(await checks(args)), bundledClassName: cls?.name ?? 'missing' };
}
