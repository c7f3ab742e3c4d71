// Issue 23, item 4: an unknown command or flag names the closest valid one by edit distance
// ('relgrad trian' → 'train', '--ephocs' → '--epochs'); nothing is guessed when nothing is near.
import t from 'tap';
import { closest, editDistance, parseFlags, UsageError, type FlagSpec } from '../flow/cli/args.js';

import { relgradHere } from './helpers/cli-in-process.js';

/** The CLI through main() in this process (its status is the binary's exit status). */
const relgrad = (...args: string[]) => relgradHere(process.cwd(), ...args);

/** Reference: the plain recursive definition (insert, delete, substitute, swap neighbours), memoised. */
function referenceDistance(a: string, b: string): number {
  const memo = new Map<string, number>();
  const go = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let d = Math.min(go(i - 1, j) + 1, go(i, j - 1) + 1, go(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, go(i - 2, j - 2) + 1);
    memo.set(key, d);
    return d;
  };
  return go(a.length, b.length);
}

t.test('edit distance: known values and the recursive definition', async (t) => {
  t.equal(editDistance('kitten', 'sitting'), 3);
  t.equal(editDistance('trian', 'train'), 1, 'a swap of neighbours is one edit');
  t.equal(editDistance('ephocs', 'epochs'), 2);
  t.equal(editDistance('', 'abc'), 3);
  t.equal(editDistance('same', 'same'), 0);
  const words = ['train', 'eval', 'sample', 'experiment', 'export', 'info', 'epochs', 'ephocs', 'lr', 'batch', 'btach', 'seed', ''];
  for (const a of words) {
    for (const b of words) t.equal(editDistance(a, b), referenceDistance(a, b), `${a} / ${b}`);
  }
});

t.test('closest: a near candidate, or none', async (t) => {
  const commands = ['train', 'eval', 'sample', 'experiment', 'export', 'info'];
  t.equal(closest('trian', commands), 'train');
  t.equal(closest('TRAIN', commands), 'train', 'case-insensitive');
  t.equal(closest('evla', commands), 'eval');
  t.equal(closest('exprot', commands), 'export');
  t.equal(closest('experimnet', commands), 'experiment');
  t.equal(closest('fly', commands), undefined, 'nothing near');
  t.equal(closest('x', ['y']), undefined, 'a one-letter word is never "corrected" to another');
  t.equal(closest('ephocs', ['epochs', 'lr', 'seed']), 'epochs');
});

t.test('parseFlags suggests the closest flag', async (t) => {
  const spec: Record<string, FlagSpec> = { epochs: { type: 'int', help: 'epochs' }, lr: { type: 'number', help: 'rate' }, bias: { type: 'boolean', help: 'b', default: true } };
  t.throws(() => parseFlags('x', ['--ephocs', '3'], spec), /^relgrad x: unknown flag --ephocs \(did you mean --epochs\? see relgrad x --help\)$/);
  t.throws(() => parseFlags('x', ['--hepl'], spec), /unknown flag --hepl \(did you mean --help\? /, 'the built-in flags too');
  t.throws(() => parseFlags('x', ['--zzzzzz'], spec), /^relgrad x: unknown flag --zzzzzz \(see relgrad x --help\)$/, 'no guess when none is near');
  try {
    parseFlags('x', ['--ephocs', '3'], spec);
    t.fail('accepted');
  } catch (err) {
    t.ok(err instanceof UsageError, 'a UsageError (exit status 2)');
  }
});

t.test('the CLI: relgrad trian, train --ephocs', async (t) => {
  const command = await relgrad('trian');
  t.equal(command.code, 2);
  t.match(command.stderr, /^relgrad: unknown command 'trian' \(did you mean 'train'\? expected train, eval, sample, experiment, export, info or gallery\)/);
  const far = await relgrad('fly');
  t.equal(far.code, 2);
  t.notMatch(far.stderr, /did you mean/);
  const flag = await relgrad('train', '--ephocs', '3');
  t.equal(flag.code, 2);
  t.match(flag.stderr, /^relgrad train: unknown flag --ephocs \(did you mean --epochs\? see relgrad train --help\)/);
  const sample = await relgrad('sample', '--chekpoint', 'x.json');
  t.match(sample.stderr, /unknown flag --chekpoint \(did you mean --checkpoint\?/);
});
