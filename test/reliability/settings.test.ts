// Issue 12, items 6–8: no setting is silently ignored. A resume that disagrees with its checkpoint
// is refused naming the field and both values; eval takes data set and split from the checkpoint;
// --limit applies to every data set.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../../flow/checkpoint.js';
import { encodeNpy } from '../../flow/data/files.js';
import { toySplits } from '../../flow/data/toy.js';
import { Flow } from '../../flow/model.js';
import { train } from '../../flow/train.js';
import { relgradHere, tempFolder } from './cli-helper.js';

const quick = ['--limit', '200', '--epochs', '1'];

t.test('6. train --resume refuses mismatched settings, naming the field and both values', async (t) => {
  const dir = tempFolder(t, 'resume');
  // the paper's model, whose --layers and --activation a resume can get wrong
  const first = await relgradHere(dir, 'train', '--dataset', 'moons', '--model', 'paper', ...quick, '--out', 'r');
  t.equal(first.code, 0, first.stderr);
  const ck = join('r', 'checkpoint.json');
  const cases: [string[], RegExp][] = [
    [['--dataset', 'rings'], /data set: the checkpoint has 'moons', this run has 'rings'/],
    [['--seed', '7'], /split seed: the checkpoint has 0, this run has 7/],
    [['--layers', '3'], /layers: the checkpoint has 2, this run has 3/],
    [['--activation', 'leaky-tanh'], /activation: the checkpoint has 'smooth-leaky-relu', this run has 'leaky-tanh'/],
    [['--optimizer', 'sgd'], /optimizer: the checkpoint has 'adam', this run has 'sgd'/],
    [['--limit', '300'], /training rows: the checkpoint has 200, this run has 300|limit: the checkpoint has 200, this run has 300/],
  ];
  const before = readFileSync(join(dir, ck));
  for (const [flags, message] of cases) {
    const r = await relgradHere(dir, 'train', '--resume', ck, '--epochs', '2', ...flags);
    t.equal(r.code, 1, `${flags.join(' ')} refused`);
    t.match(r.stderr, /cannot resume/);
    t.match(r.stderr, message, r.stderr.trim());
  }
  t.same(readFileSync(join(dir, ck)), before, 'the checkpoint is untouched by refused resumes');
  t.ok(existsSync(join(dir, 'r', 'model.json')), 'and so is the model');
  const both = await relgradHere(dir, 'train', '--resume', ck, '--epochs', '2', '--force');
  t.equal(both.code, 2);
  t.match(both.stderr, /--resume continues the run in .* and --force would replace it; give one/);
  const model = await relgradHere(dir, 'train', '--resume', join('r', 'model.json'), '--epochs', '2');
  t.equal(model.code, 2);
  t.match(model.stderr, /is a saved model, not a training checkpoint/);
  const ok = await relgradHere(dir, 'train', '--resume', ck, '--epochs', '2', '--dataset', 'moons', '--limit', '200');
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /on moons: 200 train/);
});

t.test('6. experiment: auto-resume refuses other settings; --resume and --float32 are honoured', async (t) => {
  const dir = tempFolder(t, 'expresume');
  const base = ['experiment', '--dataset', 'moons', '--model', 'paper', ...quick, '--out', 'exp', '--no-gaussian'];
  const first = await relgradHere(dir, ...base);
  t.equal(first.code, 0, first.stderr);
  const layers = await relgradHere(dir, ...base.filter((a) => a !== '1' && a !== '--epochs'), '--epochs', '2', '--layers', '3');
  t.equal(layers.code, 1);
  t.match(layers.stderr, /layers: the checkpoint has 2, this run has 3/);
  const act = await relgradHere(dir, 'experiment', '--dataset', 'moons', '--limit', '200', '--epochs', '2', '--out', 'exp', '--activation', 'leaky-tanh');
  t.equal(act.code, 1);
  t.match(act.stderr, /activation: the checkpoint has 'smooth-leaky-relu', this run has 'leaky-tanh'/);
  const missing = await relgradHere(dir, 'experiment', '--dataset', 'moons', '--resume', '/nonexistent.json', '--out', 'exp2');
  t.equal(missing.code, 1);
  t.match(missing.stderr, /checkpoint \/nonexistent\.json: cannot read it \(ENOENT\)/);
  const fresh = await relgradHere(dir, 'experiment', '--dataset', 'moons', '--fresh', '--resume', 'x.json');
  t.equal(fresh.code, 2);
  t.match(fresh.stderr, /--fresh and --resume contradict each other/);
  const f64 = await relgradHere(dir, 'experiment', '--dataset', 'moons', ...quick, '--out', 'exp3', '--no-gaussian', '--no-float32');
  t.equal(f64.code, 0, f64.stderr);
  t.match(readFileSync(join(dir, 'exp3', 'moons-model.json'), 'utf8'), /"precision":"float64"/, '--no-float32 stores float64');
  t.match(readFileSync(join(dir, 'exp', 'moons-model.json'), 'utf8'), /"precision":"float32"/, 'the default stores float32');
  // --fresh does not resume; replacing the folder's earlier files of the data set takes --force (issue 22)
  const fresh2 = await relgradHere(dir, 'experiment', '--dataset', 'moons', ...quick, '--out', 'exp3', '--no-gaussian', '--fresh');
  t.equal(fresh2.code, 1);
  t.match(fresh2.stderr, /already holds results of moons \(moons-checkpoint\.json, moons-model\.json, moons\.json\): pass --force/);
});

t.test('6. --alpha with another activation, and a repeated flag, are refused', async (t) => {
  const dir = tempFolder(t, 'ignored');
  const alpha = await relgradHere(dir, 'train', '--activation', 'leaky-tanh', '--alpha', '0.1');
  t.equal(alpha.code, 2);
  t.match(alpha.stderr, /--alpha applies to smooth-leaky-relu only; the activation is leaky-tanh/);
  const twice = await relgradHere(dir, 'train', '--epochs', '2', '--epochs', '3');
  t.equal(twice.code, 2);
  t.match(twice.stderr, /--epochs is given twice/);
  const dataDir = await relgradHere(dir, 'train', '--dataset', 'moons', '--data-dir', 'somewhere');
  t.equal(dataDir.code, 1);
  t.match(dataDir.stderr, /--data-dir only applies to the MAF sets/);
  const sampleDir = await relgradHere(dir, 'sample', '--checkpoint', 'x.json', '--data-dir', 'd');
  t.equal(sampleDir.code, 2);
  t.match(sampleDir.stderr, /unknown flag --data-dir/);
});

t.test('6. library train(): a resume with another model, optimiser or data is refused', async (t) => {
  const dir = tempFolder(t, 'libresume');
  const data = toySplits('moons', { seed: 0, train: 200, validation: 100, test: 100 });
  const path = join(dir, 'ck.json');
  await train(Flow.create({ dim: 2, seed: 0 }), data, { epochs: 1, checkpointPath: path, batchSize: 50 });
  const ck = await loadCheckpoint(path);
  await t.rejects(train(Flow.create({ dim: 2, layers: 3 }), data, { epochs: 2, batchSize: 50, resume: ck }), /layers: the checkpoint has 2, this run has 3/);
  await t.rejects(train(Flow.create({ dim: 2 }), data, { epochs: 2, batchSize: 50, optimizer: 'sgd', resume: ck }), /optimizer: the checkpoint has 'adam', this run has 'sgd'/);
  await t.rejects(train(Flow.create({ dim: 2 }), data, { epochs: 2, batchSize: 25, resume: ck }), /batch size: the checkpoint has 50, this run has 25/);
  const other = toySplits('moons', { seed: 0, train: 300, validation: 100, test: 100 });
  await t.rejects(train(Flow.create({ dim: 2 }), other, { epochs: 2, batchSize: 50, resume: ck }), /training rows: the checkpoint has 200, this run has 300/);
  const r = await train(Flow.create({ dim: 2 }), data, { epochs: 2, batchSize: 50, resume: ck });
  t.equal(r.epochs, 2, 'matching settings resume');

  // an older checkpoint (no run record): accepted with a notice naming what is unknown
  const { meta: _meta, ...legacy } = ck;
  await saveCheckpoint(join(dir, 'old.json'), legacy);
  const notices: string[] = [];
  const old = await loadCheckpoint(join(dir, 'old.json'));
  const r2 = await train(Flow.create({ dim: 2 }), data, { epochs: 2, batchSize: 50, resume: old, onNotice: (m) => notices.push(m) });
  t.equal(r2.epochs, 2);
  t.match(notices.join('\n'), /does not record data set \(an older file\): read as unknown and accepted/);
});

t.test('7. eval takes data set and split seed from a training checkpoint, and says so', async (t) => {
  const dir = tempFolder(t, 'evalsplit');
  // a file data set whose rows differ, so another split gives another score
  const m = toySplits('mog', { seed: 5, train: 400, validation: 1, test: 1 }).train;
  writeFileSync(join(dir, 'x.npy'), encodeNpy(m));
  const tr = await relgradHere(dir, 'train', '--dataset', 'x.npy', '--seed', '3', '--epochs', '1', '--out', 'r');
  t.equal(tr.code, 0, tr.stderr);
  const ck = join('r', 'checkpoint.json');
  const evalJson = async (...args: string[]): Promise<{ splitSeed: number; logLikelihood: number; n: number; splitSeedFrom: string }> => {
    const r = await relgradHere(dir, 'eval', '--checkpoint', ck, ...args);
    t.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { splitSeed: number; logLikelihood: number; n: number; splitSeedFrom: string };
  };
  const inferred = await evalJson();
  t.equal(inferred.splitSeed, 3, 'split seed from the checkpoint');
  t.equal(inferred.splitSeedFrom, 'the checkpoint');
  const named = await evalJson('--dataset', 'x.npy');
  t.equal(named.splitSeed, 3, 'naming the same data set keeps the recorded split');
  t.equal(named.logLikelihood, inferred.logLikelihood);
  const explicit = await evalJson('--seed', '3');
  t.equal(explicit.logLikelihood, inferred.logLikelihood, 'same as --seed 3');
  const other = await evalJson('--seed', '0');
  t.not(other.logLikelihood, inferred.logLikelihood, 'another split scores differently');
  const r = await relgradHere(dir, 'eval', '--checkpoint', ck);
  t.match(r.stderr, /eval: test split of x\.npy: 40 rows, split seed 3 \(from the checkpoint\), limit none/);
});

t.test('8. --limit applies to every data set', async (t) => {
  const dir = tempFolder(t, 'limit');
  const toy = await relgradHere(dir, 'train', '--dataset', 'moons', '--limit', '100', '--epochs', '1', '--out', 'a');
  t.equal(toy.code, 0, toy.stderr);
  t.match(toy.stdout, /on moons: 100 train \/ 500 validation \/ 500 test rows/);
  const rows = Array.from({ length: 2000 }, (_, i) => `${Math.sin(i + 1)},${Math.cos(7 * i + 1)}`);
  writeFileSync(join(dir, 'f.csv'), rows.join('\n'));
  const file = await relgradHere(dir, 'train', '--dataset', 'f.csv', '--limit', '300', '--epochs', '1', '--out', 'b');
  t.equal(file.code, 0, file.stderr);
  t.match(file.stdout, /on f\.csv: 300 train \/ 200 validation \/ 200 test rows/);
  t.ok(existsSync(join(dir, 'b', 'model.json')));
});
