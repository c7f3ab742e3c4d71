// The deep model's training step (bench/deep.ts's 'train-step': relative gradient of
// deepStack({ depth }), Adam on every parameter, every new parameter read back), B = 100, timed
// where this entry runs: a Chromium page (CPU WebAssembly and GPU.js WebGL2) or a Node child (CPU)
// of `npm run bench:browser`. The WebGL renderer string says whether "WebGL2" was software rendering.
import { createCpuBackend } from '../../backends/cpu/index.js';
import { createGpuBackend } from '../../backends/gpu/index.js';
import type { Backend } from '../../engine/backend.js';
import { randn } from '../../engine/random.js';
import { tidy } from '../../engine/scope.js';
import { Flow } from '../../flow/model.js';
import { deepStack } from '../../flow/layers/index.js';
import { makeOptimizer } from '../../flow/optim.js';
import { backendLabel, webglRenderer } from '../../demo/label.js';
import { median, timeRuns } from '../lib/stats.js';

/** One timed cell: a backend, D, dtype. */
export interface DeepStepCell {
  where: 'chromium' | 'node';
  backend: 'cpu' | 'gpu';
  /** the live page's words, e.g. 'CPU (WebAssembly SIMD, 1 thread)', 'GPU.js WebGL2 (software rendering: SwiftShader)' */
  label: string;
  implementation: string;
  dim: number;
  depth: number;
  dtype: 'float32' | 'float64';
  status: 'ok' | 'error';
  samples?: number[];
  median?: number;
  reason?: string;
}

export interface DeepStepArgs {
  where: 'chromium' | 'node';
  dims: number[];
  depth: number;
  backends: ('cpu' | 'gpu')[];
  /** CPU dtypes (GPU.js computes in float32) */
  dtypes: ('float32' | 'float64')[];
  budgetSeconds: number;
  maxRuns: number;
}

/** Seconds per step: gradient, Adam, read-back of every parameter (as bench/cell-worker.ts's train-step). */
async function timeStep(backend: Backend, dim: number, depth: number, dtype: 'float32' | 'float64', o: DeepStepArgs): Promise<number[]> {
  // near-identity dense layers: O(D²) init, as bench/cell-worker.ts
  const stack = deepStack({ depth }).map((s) => (s.type === 'dense' ? { ...s, init: 'near-identity' as const } : s));
  const flow = Flow.fromLayers(stack, { dim, seed: 0, dtype }, { backend });
  const x = randn([100, dim], { seed: 1, backend, dtype });
  const optimizer = makeOptimizer({ name: 'adam', lr: 1e-3 });
  const once = (): void =>
    tidy(() => {
      const g = flow.gradient(x, 'relative');
      const P = flow.layerParams;
      const next = optimizer.step(P.flat(), g.layers.flat());
      for (const t of next) t.dataSync();
      let at = 0;
      flow.replaceLayerParams(P.map((list) => next.slice(at, (at += list.length))));
    });
  try {
    return await timeRuns(once, { budgetSeconds: o.budgetSeconds, minRuns: 3, maxRuns: o.maxRuns, warmup: 1 });
  } finally {
    flow.dispose();
    x.dispose();
  }
}

/** Times every (backend, dtype, D) of `args` here; returns the cells and where they ran. */
export async function main(args: DeepStepArgs): Promise<{ agent: string; renderer: string; cells: DeepStepCell[] }> {
  const cells: DeepStepCell[] = [];
  const gl = args.where === 'chromium' ? webglRenderer() : '';
  for (const name of args.backends) {
    let backend: Backend;
    let label: string;
    try {
      if (name === 'cpu') {
        backend = createCpuBackend({ tier: 'auto' });
      } else {
        backend = (await createGpuBackend({ mode: 'webgl2' })) as Backend;
      }
      // the renderer string names a software rasteriser (SwiftShader, llvmpipe) when WebGL2 runs on the CPU
      label = backendLabel(backend.describe(), gl);
    } catch (err) {
      cells.push({ where: args.where, backend: name, label: name, implementation: '-', dim: 0, depth: args.depth, dtype: 'float32', status: 'error', reason: String(err) });
      continue;
    }
    for (const dtype of name === 'gpu' ? (['float32'] as const) : args.dtypes) {
      for (const dim of args.dims) {
        const cell = { where: args.where, backend: name, label, implementation: backend.describe().implementation, dim, depth: args.depth, dtype };
        try {
          const samples = await timeStep(backend, dim, args.depth, dtype, args);
          cells.push({ ...cell, status: 'ok', samples, median: median(samples) });
        } catch (err) {
          cells.push({ ...cell, status: 'error', reason: String(err) });
        }
      }
    }
  }
  const agent = typeof navigator !== 'undefined' ? navigator.userAgent : `Node ${process.version}`;
  return { agent, renderer: gl, cells };
}
