// Suite 1 (the paper's Figure 1): seconds per gradient evaluation vs D for the relative, ordinary
// and autodiff methods on every requested backend; two layers, B = 100 random normal points.
// Each cell runs in a worker with time and memory caps; a method stopped at some D is not tried at
// larger D (recorded as skipped, with the reason). Ratios ordinary/relative and autodiff/relative
// are measured in the same run. Suite 2 (memory) reads the same cells' allocation counts.

import { GRADIENT_METHODS, type GradientMethod } from '../flow/model.js';
import type { ChartSeries } from '../flow/figure/figures.js';
import { runCell, type Caps, type CellResult } from './lib/cell-runner.js';
import { fmtSeconds, writeReport } from './lib/report.js';
import type { CellRequest } from './cell-worker.js';

export interface GradientSuiteOptions {
  dims: number[];
  backends: ('cpu' | 'gpu')[];
  gpuMode?: string;
  methods?: GradientMethod[];
  batch?: number;
  layers?: number;
  caps: Caps;
  budgetSeconds: number;
  /** largest D measured on the gpu backend (GPU.js runs in software on machines without a GPU) */
  maxGpuDim?: number;
  log: (line: string) => void;
}

export async function gradientSuite(o: GradientSuiteOptions): Promise<{ cells: CellResult[]; files: string[] }> {
  const methods = o.methods ?? [...GRADIENT_METHODS];
  const cells: CellResult[] = [];
  for (const backend of o.backends) {
    for (const method of methods) {
      let stoppedAt: CellResult | undefined;
      for (const dim of o.dims) {
        const request: CellRequest = {
          backend, gpuMode: o.gpuMode, method, task: 'gradient', dim, batch: o.batch ?? 100, layers: o.layers ?? 2,
          seed: 0, budgetSeconds: o.budgetSeconds, maxRuns: 15,
        };
        if (backend === 'gpu' && o.maxGpuDim !== undefined && dim > o.maxGpuDim) {
          cells.push({ request, status: 'skipped', reason: `not run: D > --max-gpu-dim ${o.maxGpuDim}` });
          continue;
        }
        if (stoppedAt) {
          cells.push({ request, status: 'skipped', reason: `not run: ${method} was stopped at D=${stoppedAt.request.dim} (${stoppedAt.reason})` });
          continue;
        }
        o.log(`gradients: ${backend} ${method} D=${dim} ...`);
        const r = await runCell(request, o.caps);
        cells.push(r);
        o.log(`gradients: ${backend} ${method} D=${dim}: ${r.status === 'ok' ? fmtSeconds(r.median) : `${r.status} (${r.reason})`}`);
        if (r.status !== 'ok') stoppedAt = r;
      }
    }
  }
  const find = (backend: string, method: string, dim: number): CellResult | undefined =>
    cells.find((c) => c.request.backend === backend && c.request.method === method && c.request.dim === dim);
  const show = (c: CellResult | undefined): string => (c === undefined ? '-' : c.status === 'ok' ? fmtSeconds(c.median) : c.status);
  const ratio = (a?: CellResult, b?: CellResult): number | null => (a?.status === 'ok' && b?.status === 'ok' && a.median && b.median ? a.median / b.median : null);
  const rows: (string | number)[][] = [];
  const ratios: { backend: string; dim: number; ordinaryOverRelative: number | null; autodiffOverRelative: number | null }[] = [];
  for (const backend of o.backends) {
    for (const dim of o.dims) {
      const rel = find(backend, 'relative', dim);
      const ord = find(backend, 'ordinary', dim);
      const aut = find(backend, 'autodiff', dim);
      const r1 = ratio(ord, rel);
      const r2 = ratio(aut, rel);
      ratios.push({ backend, dim, ordinaryOverRelative: r1, autodiffOverRelative: r2 });
      rows.push([backend, dim, show(rel), show(ord), show(aut), r1 === null ? '-' : `${r1.toFixed(1)}×`, r2 === null ? '-' : `${r2.toFixed(1)}×`]);
    }
  }
  const series: ChartSeries[] = [];
  for (const backend of o.backends) {
    for (const method of methods) {
      const points = o.dims.flatMap((d) => {
        const c = find(backend, method, d);
        return c?.status === 'ok' && c.median ? [[d, c.median] as [number, number]] : [];
      });
      series.push({ name: `${method} ${backend}`, points });
    }
  }
  const stops = cells.filter((c) => c.status !== 'ok').map((c) => `${c.request.backend} ${c.request.method} D=${c.request.dim}: ${c.status}: ${c.reason}`);
  const memoryRows = cells.filter((c) => c.status === 'ok' && c.allocation).map((c) => [
    c.request.backend, c.request.method, c.request.dim,
    ((c.allocation?.peakLiveBytes ?? 0) / 2 ** 20).toFixed(1),
    ((c.paramBytes ?? 0) / 2 ** 20).toFixed(2),
    ((c.allocation?.peakLiveBytes ?? 0) / (c.paramBytes ?? 1)).toFixed(1),
    (c.peakRssGrowthMB ?? 0).toFixed(0),
  ]);
  const config = { dims: o.dims, backends: o.backends, methods, batch: o.batch ?? 100, layers: o.layers ?? 2, caps: o.caps, budgetSeconds: o.budgetSeconds };
  const files = writeReport({
    name: 'gradients',
    title: 'Gradient cost vs D (B=100, L=2)',
    config,
    results: { cells, ratios },
    table: { header: ['backend', 'D', 'relative', 'ordinary', 'autodiff', 'ordinary/relative', 'autodiff/relative'], rows },
    notes: stops,
    plot: { series, xLabel: 'D', yLabel: 'seconds per gradient' },
  });
  files.push(...writeReport({
    name: 'memory',
    title: 'Peak live engine memory of one gradient evaluation (CPU backend)',
    config,
    results: memoryRows,
    table: { header: ['backend', 'method', 'D', 'peak live MB', 'param MB', 'peak/param', 'process RSS growth MB'], rows: memoryRows },
    notes: ['peak live MB: the largest total of tensor storage alive at once during one evaluation, counted by a wrapper around the backend; RSS growth: the whole process, sampled every 25 ms.'],
  }));
  return { cells, files };
}
