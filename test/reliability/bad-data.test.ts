// Issue 12, items 9–10: bad data ends in a clear error, not in "diverged … NaN" or a meaningless
// "completed": too few rows for the splits, an empty validation set, a host matrix whose shape
// claims more values than it holds.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitMatrix } from '../../flow/data/files.js';
import { toySplits } from '../../flow/data/toy.js';
import { evaluate } from '../../flow/evaluate.js';
import { Flow } from '../../flow/model.js';
import { train } from '../../flow/train.js';
import { relgradIn, tempFolder } from './cli-helper.js';

t.test('9. a CSV too small for the splits names the rows needed', async (t) => {
  const dir = tempFolder(t, 'tiny');
  for (const n of [1, 9]) {
    const rows = Array.from({ length: n }, (_, i) => `${i},${i * i}`);
    writeFileSync(join(dir, `r${n}.csv`), rows.join('\n') + '\n');
    const r = relgradIn(dir, 'train', '--dataset', `r${n}.csv`, '--epochs', '1', '--out', `o${n}`);
    t.equal(r.code, 1, `${n} rows refused`);
    t.notMatch(r.stderr, /diverged|NaN/);
    t.match(r.stderr, new RegExp(`r${n}\\.csv: ${n} rows? leaves? the .*validation.* split empty .*; at least 10 rows are needed`), r.stderr.trim());
  }
  const m = { data: new Float64Array(18), rows: 9, cols: 2 };
  t.throws(() => splitMatrix(m, { name: 'nine' }), /nine: 9 rows leave the validation and test split empty \(validation 10%, test 10%, rounded down\); at least 10 rows are needed/);
  t.equal(splitMatrix({ data: new Float64Array(20), rows: 10, cols: 2 }).validation.rows, 1, '10 rows are enough');
  const two = { data: new Float64Array(4), rows: 2, cols: 2 };
  t.throws(() => splitMatrix(two, { validation: 0.5, test: 0.4 }), /2 rows leave the test split empty .*; at least 3 rows are needed/);
});

t.test('9. library train() and evaluate() with an empty set', async (t) => {
  const data = toySplits('moons', { seed: 0, train: 100, validation: 10, test: 10 });
  const empty = { data: new Float64Array(0), rows: 0, cols: 2 };
  await t.rejects(train(Flow.create({ dim: 2 }), { train: data.train, validation: empty }, { epochs: 1 }), /train: the validation data is empty \(0 rows\)/);
  await t.rejects(train(Flow.create({ dim: 2 }), { train: empty }, { epochs: 1 }), /train: the training data is empty \(0 rows\)/);
  t.throws(() => evaluate(Flow.create({ dim: 2 }), empty), /evaluate: the data is empty \(0 rows\)/);
});

t.test('10. a host matrix whose rows × cols exceed its data is refused', async (t) => {
  const short = { data: new Float64Array(10), rows: 100, cols: 2 };
  await t.rejects(train(Flow.create({ dim: 2 }), { train: short }, { epochs: 1 }), /train: training data: the matrix claims 100 rows × 2 cols = 200 values but its data holds 10/);
  const data = toySplits('moons', { seed: 0, train: 100, validation: 10, test: 10 });
  await t.rejects(train(Flow.create({ dim: 2 }), { train: data.train, validation: short }, { epochs: 1 }), /validation data: the matrix claims 100 rows/);
  t.throws(() => evaluate(Flow.create({ dim: 2 }), short), /evaluate: the matrix claims 100 rows × 2 cols = 200 values but its data holds 10/);
  t.throws(() => Flow.create({ dim: 2 }).logProb(short), /logProb: the matrix claims 100 rows/);
  t.throws(() => Flow.create({ dim: 2 }).logProb({ data: [1, 2] as unknown as Float64Array, rows: 1, cols: 2 }), /logProb: expected a Tensor or a host matrix/);
  t.throws(() => Flow.create({ dim: 2 }).logProb({ data: new Float64Array(2), rows: 0.5, cols: 2 }), /rows and cols must be non-negative integers/);
});
