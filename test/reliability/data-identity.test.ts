// Issue 22, items 6 and 7: a run records its data file's resolved path and SHA-256. `eval` matches
// the training file by path and content, not by the string given ('./x.csv', the absolute path, from
// another folder); a resume or eval of the training file with other contents is refused naming both
// hashes; a checkpoint from before the hash keeps working, with a notice.
import t from 'tap';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../engine/random.js';
import { loadCheckpoint, saveCheckpoint } from '../../flow/checkpoint.js';
import { relgradHere, tempFolder } from './cli-helper.js';

/** n rows of a correlated 2-D Gaussian (or, heavy-tailed, a Cauchy), as CSV. */
function csv(seed: number, n: number, cauchy = false): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = cauchy ? Math.tan(Math.PI * (rng.uniform() - 0.5)) : rng.normal();
    const b = rng.normal();
    lines.push(`${a},${0.6 * a + 0.8 * b}`);
  }
  return lines.join('\n') + '\n';
}
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

interface Scored {
  splitSeed: number;
  splitSeedFrom: string;
  logLikelihood: number;
  n: number;
}
const scored = (stdout: string): Scored => JSON.parse(stdout.trim().split('\n').pop() ?? '') as Scored;

t.test('6. eval finds the training file by path and content, not by the string given', async (t) => {
  const dir = tempFolder(t, 'eval-identity');
  writeFileSync(join(dir, 'x.csv'), csv(1, 600));
  const trained = await relgradHere(dir, 'train', '--dataset', 'x.csv', '--seed', '4', '--epochs', '1', '--out', 'r');
  t.equal(trained.code, 0, trained.stderr);
  // the reference: the split seed given by hand
  const byHand = await relgradHere(dir, 'eval', '--checkpoint', join('r', 'model.json'), '--dataset', 'x.csv', '--seed', '4');
  t.equal(byHand.code, 0, byHand.stderr);
  const want = scored(byHand.stdout);
  mkdirSync(join(dir, 'elsewhere'));
  copyFileSync(join(dir, 'x.csv'), join(dir, 'elsewhere', 'copy.csv'));
  const ways: [string, string[]][] = [
    [dir, ['--dataset', './x.csv']],
    [dir, ['--dataset', join(dir, 'x.csv')]],
    [join(dir, 'elsewhere'), ['--dataset', '../x.csv']],
    [join(dir, 'elsewhere'), ['--dataset', 'copy.csv']],
    [join(dir, 'elsewhere'), []],
  ];
  for (const [cwd, args] of ways) {
    const r = await relgradHere(cwd, 'eval', '--checkpoint', join(dir, 'r', 'model.json'), ...args);
    t.equal(r.code, 0, r.stderr);
    const got = scored(r.stdout);
    t.equal(got.splitSeed, 4, `${args.join(' ') || 'no --dataset'}: the recorded split seed`);
    t.equal(got.splitSeedFrom, 'the checkpoint');
    t.equal(got.logLikelihood, want.logLikelihood, 'the same rows scored');
    t.notMatch(r.stderr, /does not record the split seed/);
  }

  // the training file's path with other contents: refused, both hashes named
  const before = sha256(join(dir, 'x.csv'));
  writeFileSync(join(dir, 'x.csv'), csv(2, 600));
  const after = sha256(join(dir, 'x.csv'));
  const changed = await relgradHere(dir, 'eval', '--checkpoint', join('r', 'model.json'), '--dataset', './x.csv');
  t.equal(changed.code, 1);
  t.match(changed.stderr, `but its contents changed: sha256 ${before} when trained, ${after} now`);
  t.equal(changed.stdout, '', 'no score printed');
});

t.test('7. resume refuses a data file whose contents changed, naming both hashes', async (t) => {
  const dir = tempFolder(t, 'resume-identity');
  const file = join(dir, 'data.csv');
  writeFileSync(file, csv(3, 600));
  const before = sha256(file);
  const first = await relgradHere(dir, 'train', '--dataset', 'data.csv', '--epochs', '1', '--out', 'r');
  t.equal(first.code, 0, first.stderr);
  const ck = await loadCheckpoint(join(dir, 'r', 'checkpoint.json'));
  t.equal((ck.meta?.run as { dataset: { sha256: string } }).dataset.sha256, before, 'the checkpoint records the file\'s SHA-256');

  // Cauchy rows of the same shape under the same name
  writeFileSync(file, csv(3, 600, true));
  const after = sha256(file);
  const checkpointBytes = readFileSync(join(dir, 'r', 'checkpoint.json'));
  const resumed = await relgradHere(dir, 'train', '--resume', join('r', 'checkpoint.json'), '--epochs', '2');
  t.equal(resumed.code, 1);
  t.match(resumed.stderr, `cannot resume: the settings differ from the checkpoint's: data file content (sha256): the checkpoint has '${before}', this run has '${after}'`);
  t.same(readFileSync(join(dir, 'r', 'checkpoint.json')), checkpointBytes, 'the checkpoint is untouched');
  t.equal(readFileSync(join(dir, 'r', 'log.jsonl'), 'utf8').trim().split('\n').length, 1, 'no epoch trained');

  // the original contents again: resumes
  writeFileSync(file, csv(3, 600));
  const again = await relgradHere(dir, 'train', '--resume', join('r', 'checkpoint.json'), '--epochs', '2');
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /epoch 2\/2/);
});

t.test('7. a checkpoint from before the hash resumes, saying the contents are not checked', async (t) => {
  const dir = tempFolder(t, 'resume-old');
  writeFileSync(join(dir, 'data.csv'), csv(5, 600));
  const first = await relgradHere(dir, 'train', '--dataset', 'data.csv', '--epochs', '1', '--out', 'r');
  t.equal(first.code, 0, first.stderr);
  // rewrite the checkpoint as an older version wrote it: no path, no hash
  const path = join(dir, 'r', 'checkpoint.json');
  const ck = await loadCheckpoint(path);
  const dataset = (ck.meta?.run as { dataset: Record<string, unknown> }).dataset;
  delete dataset.sha256;
  delete dataset.path;
  await saveCheckpoint(path, ck);
  const resumed = await relgradHere(dir, 'train', '--resume', join('r', 'checkpoint.json'), '--epochs', '2');
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stderr, /does not record data file content \(sha256\) \(an older file\): read as unknown and accepted/);
  t.match(resumed.stdout, /epoch 2\/2/);
});

t.test('6. eval of a model from before the hash matches its file by resolved path, with a notice', async (t) => {
  const dir = tempFolder(t, 'eval-old');
  writeFileSync(join(dir, 'x.csv'), csv(6, 600));
  const trained = await relgradHere(dir, 'train', '--dataset', 'x.csv', '--seed', '4', '--epochs', '1', '--out', 'r');
  t.equal(trained.code, 0, trained.stderr);
  const path = join(dir, 'r', 'model.json');
  const ck = await loadCheckpoint(path);
  const dataset = (ck.meta?.run as { dataset: Record<string, unknown> }).dataset;
  delete dataset.sha256;
  delete dataset.path;
  await saveCheckpoint(path, ck);
  const r = await relgradHere(dir, 'eval', '--checkpoint', path, '--dataset', './x.csv');
  t.equal(r.code, 0, r.stderr);
  t.equal(scored(r.stdout).splitSeed, 4, 'the recorded split seed');
  t.match(r.stderr, /the checkpoint records no content hash of its data file \(an older file\): \.\/x\.csv matched by path, its contents not checked/);
});

t.test('7. a resume from another folder finds the data file by its recorded path or content', async (t) => {
  const dir = tempFolder(t, 'resume-elsewhere');
  writeFileSync(join(dir, 'x.csv'), csv(7, 600));
  const first = await relgradHere(dir, 'train', '--dataset', 'x.csv', '--epochs', '1', '--out', 'r');
  t.equal(first.code, 0, first.stderr);
  mkdirSync(join(dir, 'elsewhere'));
  const elsewhere = join(dir, 'elsewhere');
  const implicit = await relgradHere(elsewhere, 'train', '--resume', join('..', 'r', 'checkpoint.json'), '--epochs', '2');
  t.equal(implicit.code, 0, implicit.stderr);
  t.match(implicit.stdout, /epoch 2\/2/);
  const named = await relgradHere(elsewhere, 'train', '--resume', join('..', 'r', 'checkpoint.json'), '--dataset', '../x.csv', '--epochs', '3');
  t.equal(named.code, 0, named.stderr);
  t.match(named.stdout, /epoch 3\/3/);
  t.equal(readFileSync(join(dir, 'r', 'log.jsonl'), 'utf8').trim().split('\n').length, 3, 'one run, three epochs');
});
