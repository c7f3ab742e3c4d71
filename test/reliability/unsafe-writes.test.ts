// Issue 22, item 9: temp files and symlinks, signals, full disks, stale locks of reused pids.
// A signal during `sample` removes its partial file; during `train` it keeps the checkpoint of the
// last epoch, says how to resume, and releases the lock. Temp files are created exclusively, so a
// planted link is refused, not followed. A failed write names its file and leaves no temp file.
import t from 'tap';
import { spawn } from 'node:child_process';
import fs, { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { constants } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../flow/checkpoint.js';
import { Flow } from '../../flow/model.js';
import { main } from '../../flow/cli/main.js';
import { commandExport } from '../../flow/cli/commands/export.js';
import { writeSamplesPicture } from '../../flow/cli/pictures.js';
import { bootId, processStartTime } from '../../flow/process-identity.js';
import { bin, relgradHere, relgradIn, tempFolder } from './cli-helper.js';

const quick = ['--dataset', 'moons', '--limit', '200', '--epochs', '1'];

/** Starts the CLI, waits until `ready()` holds, sends `signal`; resolves with the exit code and stderr. */
function signalled(dir: string, args: string[], ready: (pid: number) => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; pid: number; sawReady: boolean }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir });
    let stderr = '';
    let sawReady = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const poll = setInterval(() => {
      if (ready(child.pid ?? -1)) {
        sawReady = true;
        clearInterval(poll);
        child.kill(signal);
      }
    }, 20);
    child.on('close', (code) => {
      clearInterval(poll);
      done({ code, stderr, pid: child.pid ?? -1, sawReady });
    });
  });
}

async function savedFlow(dir: string): Promise<string> {
  const path = join(dir, 'm.json');
  await Flow.create({ dim: 2, layers: 1, seed: 1 }).save(path);
  return path;
}

t.test('9. a signal during sample --out x.csv removes x.csv.partial-<pid>', async (t) => {
  const dir = tempFolder(t, 'sample-signal');
  const model = await savedFlow(dir);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const partial = (pid: number): string => join(dir, `x.csv.partial-${pid}`);
    const r = signalled(dir, ['sample', '--checkpoint', model, '--n', '20000000', '--out', 'x.csv'], (pid) => existsSync(partial(pid)) && statSync(partial(pid)).size > 0, signal);
    const { code, stderr, pid, sawReady } = await r;
    t.ok(sawReady, `${signal}: the partial file was being written`);
    t.equal(code, 128 + constants.signals[signal], `${signal}: exit status 128 + ${constants.signals[signal]}`);
    t.match(stderr, new RegExp(`sample: interrupted by ${signal} after \\d+ of 20000000 rows; removed .*x\\.csv\\.partial-${pid} \\(x\\.csv not written\\)`));
    t.same(readdirSync(dir).filter((f) => f.startsWith('x.csv')), [], `${signal}: no partial file, no x.csv`);
  }
});

t.test('9. a link planted at the partial name is refused, not followed', async (t) => {
  const dir = tempFolder(t, 'sample-link');
  const model = await savedFlow(dir);
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious\n');
  const out = join(dir, 'out.csv');
  // main() runs in this process, so the pid in the partial name is ours
  symlinkSync(victim, `${out}.partial-${process.pid}`);
  const errors: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['sample', '--checkpoint', model, '--n', '10', '--out', out]);
  } finally {
    process.stderr.write = write;
  }
  t.equal(code, 1);
  t.match(errors.join(''), /cannot write .*out\.csv\.partial-\d+: it already exists \(a left-over file or a planted link; it is not followed\)/);
  t.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the link target is untouched');
  t.notOk(existsSync(out));
});

/** Runs `fn` with every write to an open file descriptor failing as a full disk does. */
async function withFullDisk<T>(fn: () => Promise<T>): Promise<T> {
  const original = fs.writeFileSync;
  const originalWrite = fs.writeSync;
  const full = (): never => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  };
  fs.writeFileSync = ((file: unknown, ...rest: unknown[]) => (typeof file === 'number' ? full() : (original as (...a: unknown[]) => void)(file, ...rest))) as typeof fs.writeFileSync;
  fs.writeSync = full as typeof fs.writeSync;
  syncBuiltinESMExports();
  try {
    return await fn();
  } finally {
    fs.writeFileSync = original;
    fs.writeSync = originalWrite;
    syncBuiltinESMExports();
  }
}

t.test('9. a full disk: export and pictures name the file and leave no temp file or empty file', async (t) => {
  const dir = tempFolder(t, 'enospc');
  const model = await savedFlow(dir);
  const npz = join(dir, 'm.npz');
  await t.rejects(withFullDisk(() => commandExport(['--checkpoint', model, '--out', npz])), { message: new RegExp(`cannot write ${npz.replace(/[.]/g, '\\.')}: no space left on device \\(ENOSPC\\)`) });
  const samples = { data: new Float64Array([0, 1, 1, 0, 0.5, 0.5]), rows: 3, cols: 2 };
  await t.rejects(withFullDisk(() => writeSamplesPicture(join(dir, 's.png'), 2, samples)), { message: /cannot write .*s\.svg: no space left on device \(ENOSPC\)/ });
  t.same(readdirSync(dir).sort(), ['m.json'], 'no m.npz, no *.tmp-*, no 0-byte s.svg');
  // and the same calls work on a disk with room
  await commandExport(['--checkpoint', model, '--out', npz]);
  t.ok(statSync(npz).size > 0);
});

t.test('9. SIGINT/SIGTERM during train: the checkpoint of the last epoch, how to resume, no lock', async (t) => {
  const dir = tempFolder(t, 'train-signal');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const out = join(dir, signal);
    const log = join(out, 'log.jsonl');
    const r = await signalled(dir, ['train', '--dataset', 'moons', '--limit', '2000', '--batch-size', '10', '--epochs', '100', '--out', signal], () => existsSync(log) && readFileSync(log, 'utf8').length > 0, signal);
    t.ok(r.sawReady, 'an epoch was logged before the signal');
    t.equal(r.code, 128 + constants.signals[signal], `${signal}: exit status`);
    const m = new RegExp(`train: interrupted by ${signal}; the checkpoint of epoch (\\d+) is (.*checkpoint\\.json): continue with relgrad train --resume .*checkpoint\\.json`).exec(r.stderr);
    t.ok(m, r.stderr);
    const epoch = Number(m?.[1]);
    t.equal((await loadCheckpoint(join(out, 'checkpoint.json'))).training?.epoch, epoch, 'the checkpoint holds that epoch');
    t.equal(readFileSync(log, 'utf8').trim().split('\n').length, epoch, 'the log matches it');
    t.same(readdirSync(out).filter((f) => f.endsWith('.lock') || f.includes('.tmp')), [], 'no lock, no temp file');
  }
  const done = (await loadCheckpoint(join(dir, 'SIGINT', 'checkpoint.json'))).training?.epoch ?? 0;
  const resumed = await relgradHere(dir, 'train', '--resume', join('SIGINT', 'checkpoint.json'), '--epochs', String(done + 1));
  t.equal(resumed.code, 0, resumed.stderr);
});

t.test('9. a lock whose pid now belongs to another process is stale', { skip: processStartTime(process.pid) === null ? 'no /proc' : false }, async (t) => {
  const dir = tempFolder(t, 'reused');
  // this test's own pid is alive; the lock says it started at another time: a reused pid
  mkdirSync(join(dir, 'reused'));
  writeFileSync(join(dir, 'reused', '.lock'), `${process.pid}\nstart=1 boot=${bootId() ?? '-'}\n`);
  // the lock is taken before the data is read, so a missing data file keeps these runs short
  const fast = ['--dataset', 'missing.csv'];
  const taken = relgradIn(dir, 'train', ...fast, '--out', 'reused');
  t.equal(taken.code, 1, 'the run got past the lock and stopped at the data');
  t.match(taken.stderr, /missing\.csv/);
  t.match(taken.stderr, new RegExp(`taking over the lock .*\\.lock: its process ${process.pid} is now another process`));
  t.notOk(existsSync(join(dir, 'reused', '.lock')));
  // another boot: stale whatever the pid
  mkdirSync(join(dir, 'rebooted'));
  writeFileSync(join(dir, 'rebooted', '.lock'), `${process.pid}\nstart=${processStartTime(process.pid)} boot=00000000-another-boot\n`);
  const rebooted = relgradIn(dir, 'train', ...fast, '--out', 'rebooted');
  t.equal(rebooted.code, 1);
  t.notOk(existsSync(join(dir, 'rebooted', '.lock')), 'released on the error');
  t.match(rebooted.stderr, /ran before the last reboot/);
  // the same pid and start time: the holder runs, the folder stays locked
  mkdirSync(join(dir, 'live'));
  writeFileSync(join(dir, 'live', '.lock'), `${process.pid}\nstart=${processStartTime(process.pid)} boot=${bootId() ?? '-'}\n`);
  const live = relgradIn(dir, 'train', ...fast, '--out', 'live');
  t.equal(live.code, 1);
  t.match(live.stderr, new RegExp(`is in use by process ${process.pid}`));
});
