// Issue 22, item 8: degenerate data and settings are refused before training, naming the columns or
// the setting, and leave no half-made run folder behind (no empty log.jsonl, no lock), so that a
// retry with mended data is not refused.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../engine/random.js';
import { assertFittable } from '../../flow/data/fit-checks.js';
import { dependentColumns } from '../../flow/data/collinearity.js';
import { relgradHere, tempFolder } from './cli-helper.js';

/** n rows of independent N(0,1) columns, then `extra(row)` appended to each row. */
function rows(n: number, cols: number, extra: (r: number[]) => number[] = () => [], seed = 1): number[][] {
  const rng = new Rng(seed);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r = Array.from({ length: cols }, () => rng.normal());
    out.push([...r, ...extra(r)]);
  }
  return out;
}
const csv = (m: number[][]): string => m.map((r) => r.join(',')).join('\n') + '\n';
const host = (m: number[][]): { data: Float64Array; rows: number; cols: number } => ({ data: Float64Array.from(m.flat()), rows: m.length, cols: m[0].length });

t.test('8. a duplicated column is refused by name; no run folder is left; a retry trains', async (t) => {
  const dir = tempFolder(t, 'dup');
  writeFileSync(join(dir, 'd.csv'), csv(rows(600, 2, (r) => [r[1]])));
  const r = await relgradHere(dir, 'train', '--dataset', 'd.csv', '--epochs', '1', '--out', 'run');
  t.equal(r.code, 1);
  t.match(r.stderr, /dataset d\.csv \(columns counted from 1\): column 3 duplicates column 2: .*drop that column/);
  t.notMatch(r.stderr, /cholesky|pivot/, 'not the internal factorisation error');
  t.notOk(existsSync(join(dir, 'run')), 'no run folder (no empty log.jsonl, no lock)');

  writeFileSync(join(dir, 'd.csv'), csv(rows(600, 3)));
  const retry = await relgradHere(dir, 'train', '--dataset', 'd.csv', '--epochs', '1', '--out', 'run');
  t.equal(retry.code, 0, retry.stderr);
  t.ok(existsSync(join(dir, 'run', 'checkpoint.json')));
});

t.test('8. an exactly collinear column is refused by name, for both models; a folder of the user\'s is kept', async (t) => {
  const dir = tempFolder(t, 'collinear');
  writeFileSync(join(dir, 'c.csv'), csv(rows(600, 3, (r) => [2 * r[0] - 3 * r[2]])));
  mkdirSync(join(dir, 'mine'));
  for (const model of ['deep', 'paper']) {
    const r = await relgradHere(dir, 'train', '--dataset', 'c.csv', '--model', model, '--epochs', '1', '--out', join('mine', model));
    t.equal(r.code, 1, `${model}: refused`);
    t.match(r.stderr, /column 4 is a linear combination of columns 1, 3 \(the fraction of its variance they leave, 1 − R², is [0-9.e+-]+, below 1e-10\)/);
  }
  t.same(readdirSync(join(dir, 'mine')), [], 'the folders made for the runs are gone');
  t.ok(existsSync(join(dir, 'mine')), 'the folder that was there before is kept');
});

t.test('8. absurd spline bounds are refused before anything is written', async (t) => {
  const dir = tempFolder(t, 'bound');
  for (const bound of ['1e3', '1e6', '1e20', '0.1']) {
    const r = await relgradHere(dir, 'train', '--dataset', 'moons', '--limit', '200', '--epochs', '1', '--bins', '8', '--bound', bound, '--out', 'run');
    t.equal(r.code, 2, `--bound ${bound}: a usage error`);
    t.match(r.stderr, new RegExp(`--bound ${Number(bound)} with --bins 8 is outside what the splines can use, 1 to 16`));
  }
  const many = await relgradHere(dir, 'train', '--dataset', 'moons', '--limit', '200', '--epochs', '1', '--bins', '64', '--bound', '60', '--out', 'run');
  t.match(many.stderr, /--bound 60 with --bins 64 is outside what the splines can use, 1 to 50/, 'the narrowest bin caps it at 50');
  t.same(readdirSync(dir), [], 'no run folder');
});

t.test('8. the library: the factorisation finds dependent columns and passes thin but real ones', async (t) => {
  // a column that is a combination of others plus noise of relative size 1e-3 (1 − R² ≈ 5e-7): real data
  const noise = new Rng(9);
  const thin = rows(2000, 3, (r) => [r[0] + r[1] + 1e-3 * noise.normal()]);
  t.same(dependentColumns(host(thin)), [], 'a thin direction is not a degenerate one');
  t.doesNotThrow(() => assertFittable('thin', host(thin)));
  // a dependency that holds on every row, found on a strided subset of a large set and confirmed on all rows
  const big = rows(9000, 5, (r) => [r[0] - r[4], r[3]]);
  const found = dependentColumns(host(big));
  t.same(found.map((c) => [c.column, c.of, c.duplicate]), [[5, [0, 4], false], [6, [3], true]]);
  t.ok(found[0].residual < 1e-13, `an exact relation leaves rounding only (${found[0].residual})`);
  t.throws(() => assertFittable('train: training data', host(big)), /column 6 is a linear combination of columns 1, 5 .*; column 7 duplicates column 4: /);
});
