// Issue 22 (smaller): `eval` says which epoch's parameters it scores — a training checkpoint holds
// the last completed epoch's, the run's model.json the best epoch's — and `info` on a training
// checkpoint names its data set (from the run record) instead of null.
import t from 'tap';
import { join } from 'node:path';
import { loadCheckpoint } from '../../flow/checkpoint.js';
import { relgradHere, tempFolder } from './cli-helper.js';

t.test('eval names the scored epoch; info names the data set of a training checkpoint', async (t) => {
  const dir = tempFolder(t, 'eval-epoch');
  const run = await relgradHere(dir, 'train', '--dataset', 'moons', '--epochs', '3', '--model', 'paper', '--out', 'run', '--json');
  t.equal(run.code, 0, run.stderr);
  const ck = await loadCheckpoint(join(dir, 'run', 'checkpoint.json'));
  const model = await loadCheckpoint(join(dir, 'run', 'model.json'));
  const bestEpoch = (model.meta?.result as { bestEpoch: number }).bestEpoch;
  const last = JSON.parse((await relgradHere(dir, 'eval', '--checkpoint', join('run', 'checkpoint.json'))).stdout) as { epoch: number; parameters: string };
  t.same({ epoch: last.epoch, parameters: last.parameters }, { epoch: ck.training?.epoch, parameters: 'last epoch' }, 'checkpoint.json: the last completed epoch');
  const evalModel = await relgradHere(dir, 'eval', '--checkpoint', join('run', 'model.json'));
  const best = JSON.parse(evalModel.stdout) as { epoch: number; parameters: string };
  t.same({ epoch: best.epoch, parameters: best.parameters }, { epoch: bestEpoch, parameters: 'best epoch' }, 'model.json: the best epoch');
  t.match(evalModel.stderr, new RegExp(`eval: scoring the best epoch's parameters \\(epoch ${bestEpoch}\\)`));
  const info = JSON.parse((await relgradHere(dir, 'info', '--checkpoint', join('run', 'checkpoint.json'))).stdout) as { dataset: string | null };
  t.equal(info.dataset, 'moons', 'info on the training checkpoint names its data set');
});
