// Issue 22, item 4: a resumed run takes --epochs and --patience from its checkpoint when they are
// left out (as every other setting), so it stops where the uninterrupted run stops.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, type TrainingState } from '../../flow/checkpoint.js';
import { toySplits } from '../../flow/data/toy.js';
import { deepStack } from '../../flow/layers/specs.js';
import { Flow } from '../../flow/model.js';
import { train } from '../../flow/train.js';
import { relgradHere, tempFolder } from './cli-helper.js';

const quick = ['--dataset', 'moons', '--limit', '200'];

interface LogLine {
  epoch: number;
  lr: number;
}
const logOf = (dir: string, run: string): LogLine[] =>
  readFileSync(join(dir, run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
const trainingOf = async (dir: string, run: string, file = 'checkpoint.json'): Promise<TrainingState> => {
  const training = (await loadCheckpoint(join(dir, run, file))).training;
  if (training === undefined) throw new Error('not a training checkpoint');
  return training;
};

t.test('4. resuming a finished run without --epochs trains no further epoch', async (t) => {
  const dir = tempFolder(t, 'resume-epochs');
  const first = await relgradHere(dir, 'train', ...quick, '--epochs', '3', '--out', 'r');
  t.equal(first.code, 0, first.stderr);
  const log = logOf(dir, 'r');
  t.same(log.map((l) => l.epoch), [1, 2, 3]);

  const resumed = await relgradHere(dir, 'train', '--resume', join('r', 'checkpoint.json'));
  t.equal(resumed.code, 0, resumed.stderr);
  t.notMatch(resumed.stdout, /epoch 4\//, 'no epoch past the recorded 3 (the default --epochs is 50)');
  t.same(logOf(dir, 'r'), log, 'the log is unchanged: no epoch with a jumped learning rate');
  const training = await trainingOf(dir, 'r');
  t.equal(training.epoch, 3);
  t.equal(training.options.epochs, 3, 'the checkpoint still records 3 epochs');
});

t.test('4. resuming without --patience stops where the uninterrupted run stops', async (t) => {
  const dir = tempFolder(t, 'resume-patience');
  const settings = [...quick, '--schedule', 'plateau', '--patience', '2'];
  const whole = await relgradHere(dir, 'train', ...settings, '--epochs', '40', '--out', 'whole');
  t.equal(whole.code, 0, whole.stderr);
  const wholeLog = logOf(dir, 'whole');
  t.ok(wholeLog.length < 40, `the uninterrupted run stops early (after ${wholeLog.length} epochs)`);

  // the same run stopped after epoch 2, then resumed with the length but not the patience
  const part = await relgradHere(dir, 'train', ...settings, '--epochs', '2', '--out', 'part');
  t.equal(part.code, 0, part.stderr);
  const resumed = await relgradHere(dir, 'train', '--resume', join('part', 'checkpoint.json'), '--epochs', '40');
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stdout, /early stopping after epoch \d+: no better validation loss for 2 epochs/);
  t.same(logOf(dir, 'part').map((l) => [l.epoch, l.lr]), wholeLog.map((l) => [l.epoch, l.lr]), 'same epochs and learning rates');
  t.equal((await trainingOf(dir, 'part')).options.patience, 2);
});

t.test('4. the library: train() with a resume checkpoint and no epochs keeps the recorded count', async (t) => {
  const dir = tempFolder(t, 'resume-library');
  const data = toySplits('moons', { train: 200, validation: 100, test: 100, seed: 1 });
  const path = join(dir, 'ck.json');
  const flow = Flow.fromLayers(deepStack({ depth: 1 }), { dim: 2, seed: 1 });
  const first = await train(flow, data, { epochs: 2, patience: 7, lr: 0.01, schedule: { kind: 'cosine' }, checkpointPath: path, onNotice: () => undefined });
  t.equal(first.epochs, 2);
  const again = Flow.fromLayers(deepStack({ depth: 1 }), { dim: 2, seed: 1 });
  const resumed = await train(again, data, { lr: 0.01, schedule: { kind: 'cosine' }, resume: await loadCheckpoint(path), checkpointPath: path, onNotice: () => undefined });
  t.equal(resumed.epochs, 2, 'no epoch past the recorded 2 (the default is 100)');
  t.equal((await trainingOf(dir, '.', 'ck.json')).options.patience, 7, 'the recorded patience is kept');
});
