// Seeded randomness: randn / rand / orthogonal are reproducible per seed, differ across seeds,
// have the right distribution roughly, and orthogonal(n) is orthogonal to 1e-12.

import t from 'tap';
import * as rg from '../index.js';
import { Rng, orthogonal, rand, randn, setSeed } from '../index.js';
import { matmulRef, host, eyeRef, slogdetRef } from './helpers/reference.js';

t.test('randn and rand: same seed, same values; different seed, different values', async (t) => {
  for (const gen of [randn, rand]) {
    const a = gen([4, 5], { seed: 42 });
    const b = gen([4, 5], { seed: 42 });
    const c = gen([4, 5], { seed: 43 });
    t.same(Array.from(a.dataSync()), Array.from(b.dataSync()), `${gen.name}: identical for one seed`);
    const differ = Array.from(a.dataSync()).filter((v, i) => v !== c.dataSync()[i]).length;
    t.equal(differ, 20, `${gen.name}: every value differs across seeds`);
    t.same([...a.shape], [4, 5]);
    // float32 gets the float64 stream rounded, so every dtype sees the same numbers
    const f = gen([4, 5], { seed: 42, dtype: 'float32' });
    t.equal(f.dtype, 'float32');
    t.same(Array.from(f.dataSync()), Array.from(a.dataSync(), Math.fround), `${gen.name}: float32 is the rounded float64 stream`);
    // a prefix is stable under a larger shape
    const longer = gen([30], { seed: 42 });
    t.same(Array.from(longer.dataSync()).slice(0, 20), Array.from(a.dataSync()), `${gen.name}: prefix-stable`);
  }
});

t.test('unseeded calls draw from one global stream; setSeed replays it; { seed } stays pure', async (t) => {
  setSeed(7);
  const a = Array.from(randn([3]).dataSync());
  const b = Array.from(randn([3]).dataSync());
  const u = Array.from(rand([3]).dataSync());
  const q = orthogonal(3).toArray();
  t.notSame(a, b, 'two unseeded randn calls differ (the stream advances)');
  t.ok(a.concat(b, u).every(Number.isFinite), 'finite values');
  setSeed(7);
  t.same(Array.from(randn([3]).dataSync()), a, 'setSeed replays the first call');
  t.same(Array.from(randn([3]).dataSync()), b, 'and the second');
  t.same(Array.from(rand([3]).dataSync()), u, 'rand shares the stream');
  t.same(orthogonal(3).toArray(), q, 'orthogonal shares the stream');
  setSeed(8);
  t.notSame(Array.from(randn([3]).dataSync()), a, 'another seed, another program');
  // an explicit seed neither reads nor advances the stream
  setSeed(7);
  const pure1 = Array.from(randn([3], { seed: 5 }).dataSync());
  t.same(Array.from(randn([3]).dataSync()), a, 'a seeded call in between leaves the stream where it was');
  t.same(Array.from(randn([3], { seed: 5 }).dataSync()), pure1, 'the same seed gives the same values');
  t.throws(() => setSeed(Number.NaN), /setSeed: seed must be an integer from 0 to 4294967295 \(2³² − 1\), got NaN/);
});

t.test('distributions look right', async (t) => {
  const n = 20000;
  const z = Array.from(randn([n], { seed: 1 }).dataSync());
  const mean = z.reduce((a, b) => a + b, 0) / n;
  const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  t.ok(Math.abs(mean) < 0.03, `randn mean ${mean.toFixed(4)} ≈ 0`);
  t.ok(Math.abs(variance - 1) < 0.05, `randn variance ${variance.toFixed(4)} ≈ 1`);
  const u = Array.from(rand([n], { seed: 2 }).dataSync());
  t.ok(u.every((v) => v >= 0 && v < 1), 'rand in [0, 1)');
  const um = u.reduce((a, b) => a + b, 0) / n;
  t.ok(Math.abs(um - 0.5) < 0.01, `rand mean ${um.toFixed(4)} ≈ 0.5`);
  const rng = new Rng(5);
  const p = Array.from(rng.permutation(50)).sort((a, b) => a - b);
  t.same(p, Array.from({ length: 50 }, (_, i) => i), 'permutation is a permutation');
  const ints = Array.from({ length: 1000 }, () => rng.int(7));
  t.ok(ints.every((v) => Number.isInteger(v) && v >= 0 && v < 7), 'int(n) in [0, n)');
  t.equal(new Set(ints).size, 7, 'and hits every value');
});

t.test('orthogonal(n) is orthogonal to 1e-12 and seeded', async (t) => {
  for (const n of [1, 2, 7, 40]) {
    const q = orthogonal(n, { seed: n });
    const qh = host(q);
    const qtq = matmulRef(qh, qh, true, false);
    const qqt = matmulRef(qh, qh, false, true);
    const eye = eyeRef(n);
    const err = Math.max(...qtq.data.map((v, i) => Math.abs(v - eye.data[i])), ...qqt.data.map((v, i) => Math.abs(v - eye.data[i])));
    t.ok(err < 1e-12, `n = ${n}: max |QᵀQ - I|, |QQᵀ - I| = ${err.toExponential(2)}`);
    t.ok(Math.abs(slogdetRef(qh).logabsdet.data[0]) < 1e-12, `n = ${n}: |det Q| = 1`);
  }
  t.same(Array.from(orthogonal(5, { seed: 3 }).dataSync()), Array.from(orthogonal(5, { seed: 3 }).dataSync()), 'same seed, same matrix');
  t.not(orthogonal(5, { seed: 3 }).dataSync()[0], orthogonal(5, { seed: 4 }).dataSync()[0], 'different seed, different matrix');
  const q32 = orthogonal(6, { seed: 1, dtype: 'float32' });
  t.equal(q32.dtype, 'float32');
  const err32 = rg.sub(rg.matmul(q32, q32, { transA: true }), rg.eye(6, { dtype: 'float32' }));
  t.ok(rg.max(rg.abs(err32)).item() < 1e-6, 'float32: orthogonal to float32 precision');
});
