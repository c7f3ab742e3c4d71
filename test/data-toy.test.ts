// Toy 2-D sets: shapes, determinism per seed, value ranges, and the exact densities normalise.

import t from 'tap';
import { Rng } from '../engine/random.js';
import { gridPoints } from '../flow/figure/grid.js';
import {
  checkerboardLogDensity,
  mogLogDensity,
  MOG_MEANS,
  MOG_STD,
  TOY_SETS,
  toySplits,
  type ToyName,
} from '../flow/data/toy.js';

const names = Object.keys(TOY_SETS) as ToyName[];

t.test('every toy set: shapes, finite values, determinism per seed', async (t) => {
  t.same(names.sort(), ['2spirals', 'checkerboard', 'mog', 'moons', 'rings', 'sine']);
  for (const name of names) {
    const s = toySplits(name, { train: 300, validation: 50, test: 40, seed: 3 });
    t.equal(s.name, name);
    t.same([s.train.rows, s.train.cols, s.train.data.length], [300, 2, 600], `${name} train shape`);
    t.same([s.validation.rows, s.test.rows], [50, 40], `${name} split sizes`);
    t.ok(s.train.data.every(Number.isFinite), `${name} finite`);
    const again = toySplits(name, { train: 300, validation: 50, test: 40, seed: 3 });
    t.same(Array.from(again.test.data), Array.from(s.test.data), `${name} same seed, same data`);
    const other = toySplits(name, { train: 300, validation: 50, test: 40, seed: 4 });
    t.notSame(Array.from(other.train.data), Array.from(s.train.data), `${name} other seed, other data`);
    // equal lengths (the first 40 rows of each split), so the comparison can fail: a loader that
    // handed the same rows to both splits would give identical arrays here
    t.notSame(Array.from(s.validation.data.subarray(0, 80)), Array.from(s.test.data), `${name} splits differ`);
  }
});

t.test('defaults: 5000 / 500 / 500', async (t) => {
  const s = toySplits('moons');
  t.same([s.train.rows, s.validation.rows, s.test.rows], [5000, 500, 500]);
});

t.test('unknown name lists the valid names', async (t) => {
  t.throws(() => toySplits('spiral' as ToyName), /unknown toy data set 'spiral'.*sine, moons, mog, rings, checkerboard, 2spirals/);
});

t.test('ranges follow the definitions', async (t) => {
  const rng = new Rng(1);
  const cb = TOY_SETS.checkerboard(2000, rng);
  const ld = checkerboardLogDensity(cb);
  t.ok(ld.every((v) => v === -Math.log(32)), 'every checkerboard sample lies on its support');
  const rings = TOY_SETS.rings(2000, rng);
  for (let i = 0; i < rings.rows; i++) {
    const r = Math.hypot(rings.data[2 * i], rings.data[2 * i + 1]);
    const nearest = Math.min(...[3, 2.25, 1.5, 0.75].map((R) => Math.abs(r - R)));
    if (nearest > 0.5) t.fail(`ring sample ${i} at radius ${r}`);
  }
  // sine: x₂ − 2·sin(x₁) ~ N(0, 0.25²). With N = 2000 the sample mean has standard error
  // 0.25/√N ≈ 0.0056 and the sample standard deviation ≈ 0.25/√(2N) ≈ 0.004, so the bounds below
  // are ~5 standard errors: σ = 0.2 or 0.3, or a mean shift of 0.03, fails.
  const sine = TOY_SETS.sine(2000, rng);
  let inRange = true;
  let sum = 0;
  let sumSq = 0;
  let xSum = 0;
  for (let i = 0; i < sine.rows; i++) {
    const x = sine.data[2 * i];
    inRange &&= x >= -4 && x < 4;
    const r = sine.data[2 * i + 1] - 2 * Math.sin(x);
    sum += r;
    sumSq += r * r;
    xSum += x;
  }
  const mean = sum / sine.rows;
  const sd = Math.sqrt((sumSq - sine.rows * mean * mean) / (sine.rows - 1));
  t.ok(inRange, 'sine x₁ in [−4, 4)');
  t.ok(Math.abs(mean) < 0.028, `sine noise has mean 0 (got ${mean.toFixed(4)})`);
  t.ok(Math.abs(sd - 0.25) < 0.02, `sine noise has standard deviation 0.25 (got ${sd.toFixed(4)})`);
  // x₁ ~ U[−4, 4): mean 0 with standard error (8/√12)/√N ≈ 0.052
  t.ok(Math.abs(xSum / sine.rows) < 0.26, `sine x₁ is centred (mean ${(xSum / sine.rows).toFixed(3)})`);
});

t.test('mog: exact log-density integrates to 1 and matches a direct formula', async (t) => {
  const s = toySplits('mog', { train: 10 });
  t.equal(s.trueLogDensity, mogLogDensity);
  const res = 400;
  const bounds = { xMin: -6, xMax: 6, yMin: -6, yMax: 6 };
  const lp = mogLogDensity(gridPoints(bounds, res));
  const cell = (12 / res) ** 2;
  const total = lp.reduce((a, v) => a + Math.exp(v), 0) * cell;
  t.ok(Math.abs(total - 1) < 1e-3, `∫p ≈ 1 (got ${total})`);
  // Direct sum of 8 Gaussian densities at one point.
  const x = 0.7;
  const y = -1.3;
  let p = 0;
  for (const [mx, my] of MOG_MEANS) {
    p += Math.exp(-((x - mx) ** 2 + (y - my) ** 2) / (2 * MOG_STD ** 2)) / (2 * Math.PI * MOG_STD ** 2) / 8;
  }
  const got = mogLogDensity({ data: new Float64Array([x, y]), rows: 1, cols: 2 })[0];
  t.ok(Math.abs(got - Math.log(p)) < 1e-12);
  // Sample mean log-density is close to the negative entropy estimate from a fresh draw.
  const draws = TOY_SETS.mog(4000, new Rng(9));
  const ll = mogLogDensity(draws).reduce((a, v) => a + v, 0) / draws.rows;
  const lpSame = mogLogDensity(toySplits('mog', { train: 4000, seed: 10 }).train).reduce((a, v) => a + v, 0) / 4000;
  t.ok(Math.abs(ll - lpSame) < 0.1, 'two draws agree on E[log p]');
});

t.test('checkerboard: exact density integrates to 1', async (t) => {
  const res = 400;
  const lp = checkerboardLogDensity(gridPoints({ xMin: -5, xMax: 5, yMin: -5, yMax: 5 }, res));
  const total = lp.reduce((a, v) => a + Math.exp(v), 0) * (10 / res) ** 2;
  t.ok(Math.abs(total - 1) < 1e-9, `∫p = 1 (got ${total})`);
});
