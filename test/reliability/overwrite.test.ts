// Issue 22, items 1–2: no result is overwritten. `experiment` refuses to write over earlier
// results unless --force; --force removes only files a relgrad run wrote (recognised by content,
// not name); `--out ""` is refused.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { relgradHere, tempFolder } from './cli-helper.js';

const quick = ['--dataset', 'moons', '--limit', '200', '--epochs', '1'];

t.test('1. experiment refuses to replace earlier results; --force replaces only relgrad\'s', async (t) => {
  const dir = tempFolder(t, 'exp-over');
  mkdirSync(join(dir, 'results'));
  // a finished run's files (no checkpoint: the case of results/mnist*.json in the repository)
  const first = await relgradHere(dir, 'experiment', ...quick, '--out', 'results', '--no-gaussian');
  t.equal(first.code, 0, first.stderr);
  const model = readFileSync(join(dir, 'results', 'moons-model.json'));
  const results = readFileSync(join(dir, 'results', 'moons.json'));
  rmSync(join(dir, 'results', 'moons-checkpoint.json'));

  const again = await relgradHere(dir, 'experiment', ...quick, '--out', 'results', '--no-gaussian', '--seed', '3');
  t.equal(again.code, 1, 'refused');
  t.match(again.stderr, /results already holds results of moons \(moons-model\.json, moons\.json\): pass --force to replace them, or another --out/);
  t.same(readFileSync(join(dir, 'results', 'moons-model.json')), model, 'model untouched');
  t.same(readFileSync(join(dir, 'results', 'moons.json')), results, 'results untouched');
  t.notOk(existsSync(join(dir, 'results', 'moons-checkpoint.json')), 'no checkpoint started');

  const forced = await relgradHere(dir, 'experiment', ...quick, '--out', 'results', '--no-gaussian', '--seed', '3', '--force');
  t.equal(forced.code, 0, forced.stderr);
  t.match(forced.stderr, /replacing \(--force\) the results of moons in .*results: removed moons-model\.json, moons\.json/);
  t.equal((JSON.parse(readFileSync(join(dir, 'results', 'moons.json'), 'utf8')) as { training: { seed: number } }).training.seed, 3, 'the new run\'s results');
});

t.test('1. a hand-written <out>/moons.json is never overwritten, --force or not', async (t) => {
  const dir = tempFolder(t, 'exp-hand');
  mkdirSync(join(dir, 'out'));
  const mine = '{"notes":"my own moons numbers"}\n';
  writeFileSync(join(dir, 'out', 'moons.json'), mine);
  for (const extra of [[], ['--force']]) {
    const r = await relgradHere(dir, 'experiment', ...quick, '--out', 'out', '--no-gaussian', ...extra);
    t.equal(r.code, 1, `refused ${extra.join(' ')}`);
    t.match(r.stderr, /out holds moons\.json, which no relgrad run wrote .*move them away or choose another --out/);
    t.equal(readFileSync(join(dir, 'out', 'moons.json'), 'utf8'), mine, 'the user\'s file is intact');
  }
});

t.test('1. an experiment resumed from its own checkpoint rewrites its own model and results', async (t) => {
  const dir = tempFolder(t, 'exp-cont');
  const first = await relgradHere(dir, 'experiment', ...quick, '--out', 'exp', '--no-gaussian');
  t.equal(first.code, 0, first.stderr);
  const more = await relgradHere(dir, 'experiment', '--dataset', 'moons', '--limit', '200', '--epochs', '2', '--out', 'exp', '--no-gaussian');
  t.equal(more.code, 0, more.stderr);
  t.equal((JSON.parse(readFileSync(join(dir, 'exp', 'moons.json'), 'utf8')) as { training: { epochs: number } }).training.epochs, 2);
});

t.test('2. --force removes only what a relgrad run wrote; a user file in the way is refused', async (t) => {
  const dir = tempFolder(t, 'force');
  const mine = join(dir, 'mine');
  mkdirSync(mine);
  const files: Record<string, string> = {
    'notes.txt': 'my notes\n',
    'figure.png': 'not really a png',
    'log.jsonl': '{"step":1,"loss":3}\n',
    'model.json': '{"my":"model"}',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(mine, name), text);
  const plain = await relgradHere(dir, 'train', ...quick, '--out', 'mine');
  const forced = await relgradHere(dir, 'train', ...quick, '--out', 'mine', '--force');
  for (const r of [plain, forced]) {
    t.equal(r.code, 2, 'refused');
    t.match(r.stderr, /mine holds figure\.png, log\.jsonl, model\.json, which no relgrad run wrote .*would write over: move them away or choose another --out/);
    t.notMatch(r.stderr, /checkpoint\.json/, 'no advice to resume a checkpoint that does not exist');
  }
  for (const [name, text] of Object.entries(files)) t.equal(readFileSync(join(mine, name), 'utf8'), text, `${name} intact`);
  t.same(readdirSync(mine).sort(), Object.keys(files).sort(), 'nothing added');

  // a folder with only a file the run would not write: refused without --force, kept with it
  const notes = join(dir, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'notes.txt'), 'keep me');
  const refused = await relgradHere(dir, 'train', ...quick, '--out', 'notes');
  t.equal(refused.code, 2);
  t.match(refused.stderr, /notes already holds files \(notes\.txt\): --force to write beside them \(they are kept\), or another --out/);
  t.notMatch(refused.stderr, /--resume/);
  const beside = await relgradHere(dir, 'train', ...quick, '--out', 'notes', '--force');
  t.equal(beside.code, 0, beside.stderr);
  t.equal(readFileSync(join(notes, 'notes.txt'), 'utf8'), 'keep me');

  // --force over a real run: relgrad's files go (pictures by the manifest's hashes), an edited
  // picture and the user's notes stay
  const again = await relgradHere(dir, 'train', ...quick, '--out', 'notes', '--force', '--seed', '1');
  t.equal(again.code, 0, again.stderr);
  t.match(again.stderr, /removed checkpoint\.json, curve\.png, .*log\.jsonl, model\.json, samples\.png, samples\.svg/);
  t.match(again.stderr, /kept notes\.txt .*\(not written by relgrad\)/);
  writeFileSync(join(notes, 'curve.svg'), readFileSync(join(notes, 'curve.svg'), 'utf8').replace('</svg>', '<!-- edited --></svg>'));
  const edited = await relgradHere(dir, 'train', ...quick, '--out', 'notes', '--force');
  t.equal(edited.code, 2, 'an edited picture is the user\'s now');
  t.match(edited.stderr, /holds curve\.svg, which no relgrad run wrote/);
  t.ok(existsSync(join(notes, 'model.json')), 'refused before anything was removed');
});

t.test('2. --out "" is refused (it would be the current folder)', async (t) => {
  const dir = tempFolder(t, 'empty-out');
  writeFileSync(join(dir, 'model.json'), '{"my":"model"}');
  for (const args of [['train', ...quick, '--out', ''], ['train', ...quick, '--out=', '--force'], ['experiment', ...quick, '--out', '']]) {
    const r = await relgradHere(dir, ...args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, /--out needs a non-empty value/);
  }
  t.same(readdirSync(dir), ['model.json'], 'nothing written in the current folder');
});
