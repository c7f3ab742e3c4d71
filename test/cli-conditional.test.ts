// The command line's conditional flows, in-process: train --context-columns by header names on a
// CSV of labelled moons, eval of the model on the recorded columns (same number as train printed:
// a consistency check), info with the context width and the conditioners, sample --context with
// one row and with a file of rows, and refusals that name the problem.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../index.js';
import { moons } from '../flow/data/toy.js';
import { relgradInProcess as relgrad } from './helpers/flow-numeric.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-cli-cond-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const csv = join(dir, 'moons.csv');
{
  const m = moons(600, new Rng(4));
  // columns: upper, x1, lower, x2 — the context columns are not the last ones
  const lines = ['upper,x1,lower,x2'];
  for (let r = 0; r < m.rows; r++) {
    const upper = r < m.rows / 2 ? 1 : 0;
    lines.push(`${upper},${m.data[2 * r]},${1 - upper},${m.data[2 * r + 1]}`);
  }
  writeFileSync(csv, lines.join('\n') + '\n');
}

t.test('train, eval, info and sample a conditional flow', async (t) => {
  const out = join(dir, 'run');
  const trained = await relgrad('train', '--dataset', csv, '--context-columns', 'upper,lower', '--epochs', '2', '--depth', '1', '--bins', '4', '--out', out, '--json');
  t.equal(trained.code, 0, 'train succeeds');
  const r = JSON.parse(trained.stdout.trim().split('\n').pop()!) as { contextColumns: number[]; testLogLikelihood: number; model: string };
  t.same(r.contextColumns, [0, 2], 'header names resolved to 0-based indices');
  const ev = await relgrad('eval', '--checkpoint', r.model);
  t.equal(ev.code, 0);
  const e = JSON.parse(ev.stdout) as { logLikelihood: number };
  t.equal(e.logLikelihood, r.testLogLikelihood, 'eval scores the same split and columns as train (consistency)');
  const info = await relgrad('info', '--checkpoint', r.model);
  const i = JSON.parse(info.stdout) as { context: number; stack: { spec: { context?: unknown }; params: { name: string }[] }[] };
  t.equal(i.context, 2, 'info: context width');
  t.ok(i.stack.some((l) => l.spec.context !== undefined && l.params.some((p) => p.name === 'ctx.W0')), 'info: the conditioners and their parameters');
  const one = join(dir, 'one.csv');
  const s = await relgrad('sample', '--checkpoint', r.model, '--context', '1,0', '-n', '7', '--out', one);
  t.equal(s.code, 0);
  const rows = readFileSync(one, 'utf8').trim().split('\n');
  t.equal(rows.length, 7, '7 samples of one context row');
  t.ok(rows.every((l) => l.split(',').length === 2 && l.split(',').every((v) => Number.isFinite(Number(v)))), 'each a row of x (2 numbers)');
  const contexts = join(dir, 'contexts.csv');
  writeFileSync(contexts, '1,0\n0,1\n0,1\n');
  const many = join(dir, 'many.npy');
  const s2 = await relgrad('sample', '--checkpoint', r.model, '--context', contexts, '--out', many);
  t.equal(JSON.parse(s2.stdout).samples, 3, 'one sample per context row of the file');
  const bad = await relgrad('sample', '--checkpoint', r.model, '--out', one);
  t.equal(bad.code, 2, 'a conditional flow without --context is a usage error');
});

t.test('refusals name the problem', async (t) => {
  const name = await relgrad('train', '--dataset', csv, '--context-columns', 'upper,nope', '--epochs', '1', '--out', join(dir, 'bad'));
  t.equal(name.code, 2, 'an unknown column name is a usage error');
  const index = await relgrad('train', '--dataset', csv, '--context-columns', '9', '--epochs', '1', '--out', join(dir, 'bad2'));
  t.equal(index.code, 2, 'a column index past the last is a usage error');
});
