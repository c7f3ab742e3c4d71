// Browser side of `npm run bench:browser`: the gradient-cost suite run inside a Chromium page on
// the CPU backend and on the GPU backend (GPU.js webgl2), timed through a read-back. No worker
// caps here: a cell whose time, extrapolated from the previous D with the method's cost exponent,
// would pass the cap is skipped and recorded with that reason.

import { createCpuBackend, hostLinalg } from '../../backends/cpu/index.js';
import { createGpuBackend } from '../../backends/gpu/index.js';
import type { Backend } from '../../engine/backend.js';
import { randn } from '../../engine/random.js';
import { tidy } from '../../engine/scope.js';
import { Flow, type GradientMethod } from '../../flow/model.js';
import { median, timeRuns } from '../lib/stats.js';

export interface BrowserCell {
  backend: string;
  implementation: string;
  method: GradientMethod;
  dim: number;
  status: 'ok' | 'skipped' | 'error';
  samples?: number[];
  median?: number;
  reason?: string;
}

export interface BrowserArgs {
  dims: number[];
  methods: GradientMethod[];
  backends: ('cpu' | 'gpu')[];
  capSeconds: number;
  budgetSeconds: number;
}

const EXPONENT: Record<GradientMethod, number> = { relative: 2, ordinary: 3, autodiff: 3 };

export async function main(args: BrowserArgs): Promise<{ userAgent: string; cells: BrowserCell[] }> {
  const cells: BrowserCell[] = [];
  for (const name of args.backends) {
    let backend: Backend;
    try {
      backend = name === 'cpu' ? createCpuBackend({ tier: 'auto' }) : ((await createGpuBackend({ mode: 'webgl2' }, hostLinalg())) as Backend);
    } catch (err) {
      for (const method of args.methods) for (const dim of args.dims) cells.push({ backend: name, implementation: '-', method, dim, status: 'error', reason: String(err) });
      continue;
    }
    const implementation = backend.describe().implementation;
    for (const method of args.methods) {
      let last: { dim: number; median: number } | undefined;
      let stopped: string | undefined;
      for (const dim of args.dims) {
        const predicted = last ? last.median * (dim / last.dim) ** EXPONENT[method] : 0;
        if (stopped || predicted > args.capSeconds) {
          stopped ??= `predicted ${predicted.toFixed(0)} s per evaluation > cap ${args.capSeconds} s`;
          cells.push({ backend: name, implementation, method, dim, status: 'skipped', reason: stopped });
          continue;
        }
        try {
          const flow = Flow.create({ dim, layers: 2, seed: 0, dtype: backend.defaultDtype, init: 'near-identity' }, { backend });
          const x = randn([100, dim], { seed: 1, backend, dtype: backend.defaultDtype });
          const once = (): void =>
            tidy(() => {
              const g = flow.gradient(x, method);
              for (const t of [...g.dW, ...g.db]) t.dataSync();
            });
          const samples = await timeRuns(once, { budgetSeconds: args.budgetSeconds, minRuns: 3, maxRuns: 10, warmup: 1 });
          const m = median(samples);
          cells.push({ backend: name, implementation, method, dim, status: 'ok', samples, median: m });
          last = { dim, median: m };
          flow.dispose();
          x.dispose();
        } catch (err) {
          stopped = `error at D=${dim}: ${String(err)}`;
          cells.push({ backend: name, implementation, method, dim, status: 'error', reason: String(err) });
        }
      }
    }
  }
  return { userAgent: navigator.userAgent, cells };
}
