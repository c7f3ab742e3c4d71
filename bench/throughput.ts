// Suite 3: samples/s of relative-gradient Adam training at the MNIST shape (D = 784, B = 100)
// on random data, and the implied time of one MNIST epoch (50,000 samples); then, on the CPU
// backend, one real MNIST epoch in float32 through the library's `train` (500 Adam steps plus
// the per-epoch evaluation of the training subset and the 10,000 validation rows), timed as
// the epoch record reports it, for the paper's model and for the deep model (deepStack, depth 3,
// the `relgrad experiment` default). Checkpoint writing (the CLI's, once per epoch) is not included.

import { runCell, type Caps, type CellResult } from './lib/cell-runner.js';
import { fmtSeconds, writeReport } from './lib/report.js';

export async function throughputSuite(o: {
  backends: ('cpu' | 'gpu')[]; gpuMode?: string; caps: Caps; budgetSeconds: number; dim?: number; mnistEpoch?: boolean; log: (l: string) => void;
}): Promise<{ cells: CellResult[]; files: string[] }> {
  const dim = o.dim ?? 784;
  const cells: CellResult[] = [];
  for (const backend of o.backends) {
    o.log(`throughput: ${backend} D=${dim} ...`);
    const r = await runCell({ backend, gpuMode: o.gpuMode, method: 'relative', task: 'train-step', dim, batch: 100, layers: 2, seed: 0, budgetSeconds: o.budgetSeconds, maxRuns: 30 }, o.caps);
    cells.push(r);
    o.log(`throughput: ${backend}: ${r.status === 'ok' ? `${fmtSeconds(r.median)} per step` : `${r.status}: ${r.reason}`}`);
  }
  const epochs = o.mnistEpoch && o.backends.includes('cpu') ? [await mnistEpoch('paper', o.log), await mnistEpoch('deep', o.log)] : [];
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
    notes: epochs.map((epoch) => (typeof epoch === 'string' ? `real MNIST epoch: ${epoch}` :
      `real MNIST epoch (CPU, float32, ${epoch.model}, B = 100, Adam lr ${epoch.lr}, relative gradient, incl. evaluating ${epoch.evaluated} rows): ` +
      `${epoch.seconds.toFixed(1)} s (${epoch.implementation}); validation loss after it ${epoch.validationLoss.toFixed(2)}`)),
  });
  return { cells, files };
}

/** One real MNIST epoch on the CPU backend (the paper's model or the deep one), or why it could not run. */
async function mnistEpoch(kind: 'paper' | 'deep', log: (l: string) => void): Promise<{ model: string; lr: number; seconds: number; evaluated: number; validationLoss: number; implementation: string } | string> {
  const { deepStack, Flow, initializeFromData, loadMnist, train } = await import('../flow/index.js');
  const { getBackend, setBackend } = await import('../index.js');
  let data: ReturnType<typeof loadMnist>;
  try {
    data = loadMnist({ seed: 0 });
  } catch (err) {
    return `not run (${err instanceof Error ? err.message : String(err)})`;
  }
  await setBackend('cpu');
  log(`throughput: one real MNIST epoch (float32, CPU, ${kind} model) ...`);
  const flow = kind === 'paper'
    ? Flow.create({ dim: 784, layers: 2, dtype: 'float32', seed: 0 })
    : Flow.fromLayers(deepStack({ depth: 3 }), { dim: 784, dtype: 'float32', seed: 0 });
  if (kind === 'deep') initializeFromData(flow, data.train); // the Gaussian start, as `relgrad experiment`
  const lr = kind === 'paper' ? 1e-4 : 1e-3;
  const r = await train(flow, { train: data.train, validation: data.validation }, { epochs: 1, batchSize: 100, lr, optimizer: 'adam', method: 'relative', seed: 0 });
  const record = r.history[0];
  flow.dispose();
  log(`throughput: MNIST epoch (${kind} model) ${record.seconds.toFixed(1)} s`);
  const evaluated = data.validation.rows + Math.min(2000, data.train.rows); // train() scores 2000 training rows per epoch by default
  const model = kind === 'paper' ? 'paper model, L = 2' : 'deep model, depth 3';
  return { model, lr, seconds: record.seconds, evaluated, validationLoss: record.validationLoss ?? NaN, implementation: getBackend().describe().implementation };
}
