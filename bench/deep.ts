// Suite 'deep': the deep model's relative gradient and full Adam training step (gradient, Adam,
// reading every new parameter back, as the step and throughput suites do), B = 100, for
// deepStack({ depth }) (affine → spline → (dense → spline) × depth; dense layers by the relative
// gradient, splines by the backend's spline kernels) over depths, D and dtypes, each cell in its
// own process as the gradient suite's.

import { runCell, type Caps, type CellResult } from './lib/cell-runner.js';
import { fmtSeconds, writeReport } from './lib/report.js';

export async function deepSuite(o: {
  dims: number[]; depths: number[]; dtypes: ('float32' | 'float64')[]; backends: ('cpu' | 'gpu')[]; gpuMode?: string; caps: Caps; budgetSeconds: number; log: (l: string) => void;
}): Promise<{ cells: CellResult[]; files: string[] }> {
  const cells: CellResult[] = [];
  const rows: (string | number)[][] = [];
  for (const backend of o.backends) {
    for (const dtype of o.dtypes) {
      if (backend === 'gpu' && dtype === 'float64') continue; // GPU.js computes in float32
      for (const depth of o.depths) {
        for (const dim of o.dims) {
          const row: (string | number)[] = [backend, dtype, depth, dim];
          for (const task of ['gradient', 'train-step'] as const) {
            o.log(`deep: ${backend} ${dtype} depth ${depth} D=${dim} ${task} ...`);
            const r = await runCell({ backend, gpuMode: o.gpuMode, method: 'relative', task, dim, batch: 100, layers: depth, depth, dtype, seed: 0, budgetSeconds: o.budgetSeconds, maxRuns: 30 }, o.caps);
            cells.push(r);
            row.push(r.status === 'ok' ? fmtSeconds(r.median) : r.status);
          }
          rows.push(row);
        }
      }
    }
  }
  const files = writeReport({
    name: 'deep',
    title: 'Deep flow (affine → spline → (dense → spline) × depth), relative gradient, B = 100',
    config: { dims: o.dims, depths: o.depths, dtypes: o.dtypes, batch: 100, caps: o.caps },
    results: cells,
    table: { header: ['backend', 'dtype', 'depth', 'D', 'gradient', 'Adam step'], rows },
  });
  return { cells, files };
}
