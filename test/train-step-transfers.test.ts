// A training step of the deep model inside `train()` (draw the batch, gradient, Adam, finiteness
// check) reads back at most two small things (the finiteness flag, the loss) and uploads nothing
// but the batch (issue 19 item 5). Counted on the backend: two runs that differ only in the number
// of training rows (3 vs 8 steps, the same validation rows and training-loss sample), so that the
// per-epoch work cancels and the difference is five steps' transfers.

import t, { type Test } from 'tap';
import { createCpuBackend } from '../backends/cpu/index.js';
import { Flow, deepStack, train } from '../flow/index.js';
import { counting } from './helpers/step-transfers.js';
import { Rng } from '../engine/random.js';
import type { HostMatrix } from '../flow/matrix.js';

const dim = 6;
const rows = (n: number, seed: number): HostMatrix => {
  const rng = new Rng(seed);
  return { rows: n, cols: dim, data: Float64Array.from({ length: n * dim }, () => rng.normal()) };
};
const validation = rows(200, 2);

async function transfers(t: Test, trainRows: number): Promise<{ uploads: number; readBacks: number }> {
  const { backend, counts } = counting(createCpuBackend());
  const flow = Flow.fromLayers(deepStack({ depth: 2 }), { dim, seed: 0, dtype: 'float64' }, { backend });
  const r = await train(flow, { train: rows(trainRows, 1), validation }, { epochs: 1, batchSize: 100, lr: 1e-3, seed: 0, init: 'none', trainLossSamples: 100 });
  t.equal(r.history.length, 1, `${trainRows} rows: one epoch ran`);
  flow.dispose();
  return { ...counts };
}

t.test('per training step: ≤ 2 read-backs, ≤ 1 upload (the batch)', async (t) => {
  const three = await transfers(t, 300);
  const eight = await transfers(t, 800);
  const readBacks = (eight.readBacks - three.readBacks) / 5;
  const uploads = (eight.uploads - three.uploads) / 5;
  t.ok(readBacks <= 2, `read-backs per step: ${readBacks} (3 steps: ${three.readBacks}, 8 steps: ${eight.readBacks})`);
  t.ok(uploads <= 1, `uploads per step: ${uploads} (3 steps: ${three.uploads}, 8 steps: ${eight.uploads})`);
});
