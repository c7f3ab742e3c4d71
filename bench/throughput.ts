// Suite 3: samples/s of relative-gradient Adam training at the MNIST shape (D = 784, B = 100)
// on random data, and the implied time of one MNIST epoch (50,000 samples).

import { runCell, type Caps, type CellResult } from './lib/cell-runner.js';
import { fmtSeconds, writeReport } from './lib/report.js';

export async function throughputSuite(o: { backends: ('cpu' | 'gpu')[]; gpuMode?: string; caps: Caps; budgetSeconds: number; dim?: number; log: (l: string) => void }): Promise<{ cells: CellResult[]; files: string[] }> {
  const dim = o.dim ?? 784;
  const cells: CellResult[] = [];
  for (const backend of o.backends) {
    o.log(`throughput: ${backend} D=${dim} ...`);
    const r = await runCell({ backend, gpuMode: o.gpuMode, method: 'relative', task: 'train-step', dim, batch: 100, layers: 2, seed: 0, budgetSeconds: o.budgetSeconds, maxRuns: 30 }, o.caps);
    cells.push(r);
    o.log(`throughput: ${backend}: ${r.status === 'ok' ? `${fmtSeconds(r.median)} per step` : `${r.status}: ${r.reason}`}`);
  }
  const rows = cells.map((c) => {
    const perStep = c.median;
    const sps = c.status === 'ok' && perStep ? 100 / perStep : NaN;
    return [c.request.backend, c.implementation ?? '-', dim, fmtSeconds(perStep), Number.isFinite(sps) ? sps.toFixed(0) : c.status, Number.isFinite(sps) ? `${(50000 / sps).toFixed(1)} s` : '-'];
  });
  const files = writeReport({
    name: 'throughput',
    title: `Relative-gradient Adam training throughput (D=${dim}, B=100, L=2)`,
    config: { dim, batch: 100, layers: 2, caps: o.caps },
    results: cells,
    table: { header: ['backend', 'implementation', 'D', 'per step', 'samples/s', 'MNIST epoch (50k)'], rows },
  });
  return { cells, files };
}
