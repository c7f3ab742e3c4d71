// The relgrad CLI end to end through the built binary (npm test builds first): train → eval →
// sample on a tiny run, and every bad input exits non-zero with a message saying what was wrong
// (one usage error and one failure through the binary, the rest through main() in this process,
// which returns the status the binary exits with).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { Flow } from '../flow/index.js';
import { resolveDataset } from '../flow/cli/datasets.js';
import { numericLogProbRows } from './helpers/flow-numeric.js';
import { relgradHere } from './helpers/cli-in-process.js';

const bin = resolve('dist/flow/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'relgrad-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function relgrad(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.ok(existsSync(bin), 'the CLI is built (npm test runs the build first)');

t.test('train → eval → sample', async (t) => {
  const out = join(dir, 'run');
  const tr = relgrad('train', '--dataset', 'moons', '--epochs', '3', '--limit', '500', '--out', out);
  t.equal(tr.code, 0, tr.stderr);
  t.match(tr.stdout, /epoch 3\/3 {2}train loss/);
  const summary = JSON.parse(tr.stdout.split('\n').find((l) => l.startsWith('{')) ?? '{}') as { testLogLikelihood: number; pictures: string[] };
  // the reported number against the change of variables with a finite-difference Jacobian, on
  // the same test rows (the data set resolved here, the model loaded from model.json)
  const { test } = await resolveDataset({ name: 'moons', seed: 0, limit: 500 });
  const flow = await Flow.load(join(out, 'model.json'));
  const reference = numericLogProbRows(flow, test.data, test.rows).reduce((a, v) => a + v, 0) / test.rows;
  t.ok(Math.abs(summary.testLogLikelihood - reference) < 1e-6, `test log-likelihood ${summary.testLogLikelihood} vs the numeric-Jacobian reference ${reference}`);
  for (const f of ['checkpoint.json', 'model.json', 'log.jsonl', 'density.png', 'samples.png']) t.ok(existsSync(join(out, f)), `${f} written`);
  const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number });
  t.same(log.map((r) => r.epoch), [1, 2, 3], 'one JSONL record per epoch');
  const png = PNG.sync.read(readFileSync(join(out, 'density.png')));
  t.ok(png.width > 100 && png.height > 100, 'density heat map decodes');

  const ev = relgrad('eval', '--checkpoint', join(out, 'model.json'));
  t.equal(ev.code, 0, ev.stderr);
  const evJson = JSON.parse(ev.stdout) as { logLikelihood: number; err: number; split: string };
  t.equal(evJson.split, 'test');
  t.ok(Math.abs(evJson.logLikelihood - summary.testLogLikelihood) < 1e-12, 'eval reproduces the training summary');

  const sp = relgrad('sample', '--checkpoint', join(out, 'model.json'), '--n', '200', '--out', join(dir, 's.csv'));
  t.equal(sp.code, 0, sp.stderr);
  const spJson = JSON.parse(sp.stdout) as { maxNewtonResidual: number };
  t.ok(spJson.maxNewtonResidual < 1e-10, `Newton residual ${spJson.maxNewtonResidual}`);
  t.equal(readFileSync(join(dir, 's.csv'), 'utf8').trim().split('\n').length, 200);

  const resumed = relgrad('train', '--dataset', 'moons', '--epochs', '4', '--limit', '500', '--out', out, '--resume', join(out, 'checkpoint.json'));
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stdout, /epoch 4\/4/);
  t.notMatch(resumed.stdout, /epoch 1\/4/, 'resume continues after epoch 3');
});

t.test('bad input: each gets its error and a non-zero exit', async (t) => {
  const cases: [string[], number, RegExp][] = [
    [['train', '--epoch', '3'], 2, /unknown flag --epoch/],
    [['train', '--epochs', 'three'], 2, /--epochs expects a positive integer, got 'three'/],
    [['train', '--lr', '-1'], 2, /--lr expects a positive number, got '-1'/],
    [['train', '--method', 'newton'], 2, /--method must be one of relative, ordinary, autodiff; got 'newton'/],
    [['train', '--epochs'], 2, /--epochs needs a value/],
    [['fly'], 2, /unknown command 'fly'/],
    [['train', '--dataset', 'nowhere.csv'], 1, /neither a built-in set .* nor an existing \.csv\/\.npy file/],
    [['train', '--dataset', 'power'], 1, /needs --data-dir/],
    [['eval'], 2, /--checkpoint is required/],
    [['eval', '--checkpoint', 'missing.json'], 1, /checkpoint missing\.json: cannot read it \(ENOENT\)/],
    [['sample', '--checkpoint', 'x.json', '--out', 'x.gif'], 2, /--out must end in \.png, \.csv or \.npy/],
  ];
  // the binary's exit status for a usage error (2) and a failure (1)
  for (const [args, code, message] of [cases[0], cases[9]]) {
    const r = relgrad(...args);
    t.equal(r.code, code, `relgrad ${args.join(' ')} exits ${code} (the binary)`);
    t.match(r.stderr, message, `relgrad ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  for (const [args, code, message] of cases) {
    const r = await relgradHere(dir, ...args);
    t.equal(r.code, code, `relgrad ${args.join(' ')} exits ${code}`);
    t.match(r.stderr, message, `relgrad ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n3,oops\n');
  const bad = await relgradHere(dir, 'train', '--dataset', 'bad.csv');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /bad\.csv.*line 3, column 2/);
  writeFileSync(join(dir, 'trunc.json'), '{"format":"relgrad-checkpoint","version":1,"bytes":100,"sha256":"x"}\n{"config"');
  const tr = await relgradHere(dir, 'eval', '--checkpoint', 'trunc.json');
  t.equal(tr.code, 1);
  t.match(tr.stderr, /truncated or extended/);
});

t.test('runs through a symlink, as npm installs the relgrad bin', async (t) => {
  const { symlinkSync } = await import('node:fs');
  const link = join(dir, 'relgrad-link.js');
  symlinkSync(bin, link);
  const r = spawnSync(process.execPath, [link, '--help'], { encoding: 'utf8' });
  t.equal(r.status, 0);
  t.match(r.stdout, /usage: relgrad <command>/, 'main() ran');
});

t.test('--help on every command', async (t) => {
  for (const cmd of ['train', 'eval', 'sample']) {
    const r = await relgradHere(dir, cmd, '--help');
    t.equal(r.code, 0);
    t.match(r.stdout, new RegExp(`usage: relgrad ${cmd}`));
  }
  const top = await relgradHere(dir, '--help');
  t.match(top.stdout, /commands:/);
});
