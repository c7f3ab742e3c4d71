// Issue 12, items 1–5: no run is ever lost. Re-running into a run folder, two runs at once, a
// closed stdout, stale temp files and a data set given as a path all keep earlier work intact.
// Checks about processes (a live lock's pid, runs racing, a closed pipe, a live process's temp
// file) spawn the built binary; the others run main() in this process (relgradHere).
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint } from '../../flow/checkpoint.js';
import { bin, deadPid, relgradHere, relgradIn, tempFolder } from './cli-helper.js';

const quick = ['--dataset', 'moons', '--limit', '200'];

t.test('1. an existing run folder is refused unless --resume or --force', async (t) => {
  const dir = tempFolder(t, 'rerun');
  const first = await relgradHere(dir, 'train', ...quick, '--epochs', '2', '--out', 'r1');
  t.equal(first.code, 0, first.stderr);
  const checkpoint = readFileSync(join(dir, 'r1', 'checkpoint.json'));
  const log = readFileSync(join(dir, 'r1', 'log.jsonl'), 'utf8');
  t.equal(log.trim().split('\n').length, 2);

  const again = await relgradHere(dir, 'train', ...quick, '--epochs', '1', '--out', 'r1');
  t.equal(again.code, 2, 'refused');
  t.match(again.stderr, /r1 already holds a run \(checkpoint\.json, .*log\.jsonl, model\.json.*\): pass --resume .*checkpoint\.json to continue it, --force to replace it/);
  t.same(readFileSync(join(dir, 'r1', 'checkpoint.json')), checkpoint, 'checkpoint untouched');
  t.equal(readFileSync(join(dir, 'r1', 'log.jsonl'), 'utf8'), log, 'log untouched');

  const forced = await relgradHere(dir, 'train', ...quick, '--epochs', '1', '--out', 'r1', '--force');
  t.equal(forced.code, 0, forced.stderr);
  t.match(forced.stderr, /replacing \(--force\) the run in .*r1: removed .*checkpoint\.json.*log\.jsonl.*model\.json/);
  t.equal(readFileSync(join(dir, 'r1', 'log.jsonl'), 'utf8').trim().split('\n').length, 1, 'the new run has its own log');

  const resumed = await relgradHere(dir, 'train', '--resume', join('r1', 'checkpoint.json'), '--epochs', '2');
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stdout, /epoch 2\/2/);
  t.notMatch(resumed.stdout, /epoch 1\/2/, 'continued, not restarted');
  t.equal(readFileSync(join(dir, 'r1', 'log.jsonl'), 'utf8').trim().split('\n').length, 2, 'log appended');
  t.ok(existsSync(join(dir, 'r1', 'model.json')), 'model rewritten at the end');
});

t.test('2. a run folder is locked; a stale lock is taken over with a notice', async (t) => {
  const dir = tempFolder(t, 'lock');
  mkdirSync(join(dir, 'busy'));
  writeFileSync(join(dir, 'busy', '.lock'), `${process.pid}\n`);
  // a process of its own: the lock names this test's pid, which must be another process's
  const busy = relgradIn(dir, 'train', ...quick, '--epochs', '1', '--out', 'busy');
  t.equal(busy.code, 1);
  t.match(busy.stderr, new RegExp(`run folder .*busy is in use by process ${process.pid} \\(lock file .*\\.lock\\)`));
  t.same(readdirSync(join(dir, 'busy')), ['.lock'], 'nothing written beside a live lock');

  mkdirSync(join(dir, 'stale'));
  const dead = deadPid();
  writeFileSync(join(dir, 'stale', '.lock'), `${dead}\n`);
  const taken = await relgradHere(dir, 'train', ...quick, '--epochs', '1', '--out', 'stale');
  t.equal(taken.code, 0, taken.stderr);
  t.match(taken.stderr, new RegExp(`taking over the lock .*\\.lock: its process ${dead} no longer runs`));
  t.notOk(existsSync(join(dir, 'stale', '.lock')), 'the lock is released at the end');
});

t.test('2. two runs started together: one trains, the other is refused', async (t) => {
  const dir = tempFolder(t, 'race');
  const start = (): Promise<{ code: number | null; stderr: string }> =>
    new Promise((done) => {
      const child = spawn(process.execPath, [bin, 'train', ...quick, '--epochs', '3', '--out', 'same'], { cwd: dir });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      child.on('close', (code) => done({ code, stderr }));
    });
  const [a, b] = await Promise.all([start(), start()]);
  const codes = [a.code, b.code].sort();
  t.equal(codes[0], 0, 'one run completes');
  t.not(codes[1], 0, 'the other is refused');
  t.match(a.code === 0 ? b.stderr : a.stderr, /is in use by process \d+|already holds a run/);
  const log = readFileSync(join(dir, 'same', 'log.jsonl'), 'utf8').trim().split('\n');
  t.same(log.map((l) => (JSON.parse(l) as { epoch: number }).epoch), [1, 2, 3], 'one run\'s log, not interleaved');
});

t.test('2. four runs find the same stale lock: exactly one takes it over', async (t) => {
  const dir = tempFolder(t, 'stale-race');
  mkdirSync(join(dir, 'same'));
  writeFileSync(join(dir, 'same', '.lock'), `${deadPid()}\n`);
  const start = (): Promise<number | null> =>
    new Promise((done) => {
      const child = spawn(process.execPath, [bin, 'train', ...quick, '--epochs', '2', '--out', 'same'], { cwd: dir });
      child.stdout.resume();
      child.stderr.resume();
      child.on('close', (code) => done(code));
    });
  const codes = await Promise.all([start(), start(), start(), start()]);
  t.equal(codes.filter((c) => c === 0).length, 1, `one run completes (exit codes ${codes.join(', ')})`);
  const log = readFileSync(join(dir, 'same', 'log.jsonl'), 'utf8').trim().split('\n');
  t.same(log.map((l) => (JSON.parse(l) as { epoch: number }).epoch), [1, 2], 'one run\'s log');
  t.same(readdirSync(join(dir, 'same')).filter((f) => f.includes('lock')), [], 'no lock or lock temp file left');
});

t.test('3. a closed stdout does not kill training', async (t) => {
  const dir = tempFolder(t, 'epipe');
  const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = spawn(process.execPath, [bin, 'train', ...quick, '--epochs', '5', '--out', 'r5'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // like `| head -1`: read the first line, then close the pipe
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('close', (code) => done({ code, stderr }));
  });
  t.equal(result.code, 0, result.stderr);
  t.notMatch(result.stderr, /EPIPE|Error|at /, 'no stack trace');
  t.ok(existsSync(join(dir, 'r5', 'model.json')), 'training finished and wrote its model');
  t.equal(readFileSync(join(dir, 'r5', 'log.jsonl'), 'utf8').trim().split('\n').length, 5, 'all five epochs');
});

t.test('4. stale temp files of dead processes are removed; live ones are kept', async (t) => {
  const dir = tempFolder(t, 'temps');
  mkdirSync(join(dir, 'run'));
  const dead = join(dir, 'run', `checkpoint.json.tmp-${deadPid()}-1700000000000`);
  // named now by this (live) process: a name older than its process would mean a reused pid (stale)
  const live = join(dir, 'run', `checkpoint.json.tmp-${process.pid}-${Date.now()}`);
  writeFileSync(dead, 'x'.repeat(1000));
  writeFileSync(live, 'y');
  const r = relgradIn(dir, 'train', ...quick, '--epochs', '1', '--out', 'run');
  t.equal(r.code, 0, r.stderr);
  t.notOk(existsSync(dead), 'a dead process\'s temp file is removed');
  t.ok(existsSync(live), 'a live process\'s temp file is kept');
  t.match(r.stderr, /removed .*checkpoint\.json\.tmp-\d+-1700000000000, left by a process that no longer runs/);
});

t.test('4. a failed checkpoint write leaves no temp file; the file and folder are fsynced', async (t) => {
  const dir = tempFolder(t, 'write');
  const ck = { config: { dim: 1, layers: 1, activation: 'smooth-leaky-relu', alpha: 0.3, beta: 1, gamma: 0.1, base: 'normal', bias: false, seed: 0, init: 'orthogonal', dtype: 'float64' } as const, params: { layers: [[new Float64Array([1])]] } };
  // the target is a non-empty folder, so the rename fails after the temp file was written
  mkdirSync(join(dir, 'ck.json'));
  writeFileSync(join(dir, 'ck.json', 'inside'), '');
  await t.rejects(saveCheckpoint(join(dir, 'ck.json'), ck));
  t.same(readdirSync(dir), ['ck.json'], 'no temp file left behind');

  const handle = await fsp.open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(handle) as { sync: () => Promise<void> };
  await handle.close();
  const original = proto.sync;
  let syncs = 0;
  proto.sync = function (this: unknown) {
    syncs++;
    return original.call(this);
  };
  try {
    await saveCheckpoint(join(dir, 'good.json'), ck);
  } finally {
    proto.sync = original;
  }
  t.ok(syncs >= 3, `fsync of the file and of its folder before and after the rename (${syncs} calls)`);
  t.ok(existsSync(join(dir, 'good.json')));
});

t.test('5. experiment on a data set given as a path with a folder', async (t) => {
  const dir = tempFolder(t, 'exp');
  mkdirSync(join(dir, 'data'));
  const rows = Array.from({ length: 60 }, (_, i) => `${Math.sin(i + 1)},${Math.cos(3 * i + 1)}`);
  writeFileSync(join(dir, 'data', 'plain.csv'), rows.join('\n') + '\n');
  const r = await relgradHere(dir, 'experiment', '--dataset', 'data/plain.csv', '--epochs', '2', '--out', 'exp', '--no-gaussian');
  t.equal(r.code, 0, r.stderr);
  for (const f of ['data_plain.csv-checkpoint.json', 'data_plain.csv-model.json', 'data_plain.csv.json']) {
    t.ok(existsSync(join(dir, 'exp', f)), `${f} in the results folder`);
  }
});
