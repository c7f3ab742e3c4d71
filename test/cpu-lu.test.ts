// The blocked LU (backends/cpu/lu-blocked.ts) against the ml-matrix kernels of lu-ml-matrix.ts: solve, inv and
// slogdet on batches of random matrices whose sizes straddle the panel width (64), on the
// WebAssembly GEMM and on the plain one; singular and non-finite input behave the same.

import t from 'tap';
import { gemmJs } from '../backends/cpu/gemm.js';
import * as ref from '../backends/cpu/lu-ml-matrix.js';
import * as lu from '../backends/cpu/lu-blocked.js';
import { Rng } from '../engine/random.js';

const rng = new Rng(7);
const random = (): number => rng.uniform();

/** A batch of well-conditioned matrices: random entries plus n·I on the diagonal, sign varied. */
function matrices(T: Float64ArrayConstructor | Float32ArrayConstructor, batch: number, n: number): Float64Array | Float32Array {
  const out = new T(batch * n * n);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) out[b * n * n + i * n + j] = random() * 2 - 1 + (i === j ? (i % 3 === 0 ? -1 : 1) * 0.5 * Math.sqrt(n) : 0);
    }
  }
  return out;
}

function maxRelDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(y[i]));
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst / Math.max(scale, 1e-300);
}

const impls = [
  { name: 'default (wasm gemm)', k: { solve: lu.solve, inv: lu.inv, slogdet: lu.slogdet } },
  { name: 'js gemm', k: lu.createLu(gemmJs) },
];

for (const { name, k } of impls) {
  t.test(`blocked LU on ${name} matches ml-matrix`, async (t) => {
    for (const [T, tol] of [[Float64Array, 1e-10], [Float32Array, 1e-3]] as const) {
      for (const n of [1, 2, 5, 63, 64, 65, 130]) {
        const p = { batch: 2, n };
        const a = matrices(T, 2, n);
        const rhs = new T(2 * n * 3).map(() => random() * 2 - 1);
        t.ok(maxRelDiff(k.inv(a, p), ref.inv(a, p)) < tol, `${T.name} inv n=${n}`);
        t.ok(maxRelDiff(k.solve(a, rhs, p, 3), ref.solve(a, rhs, p, 3)) < tol, `${T.name} solve n=${n}`);
        const got = k.slogdet(a, p);
        const want = ref.slogdet(a, p);
        t.same(Array.from(got.sign), Array.from(want.sign), `${T.name} sign n=${n}`);
        t.ok(maxRelDiff(got.logabsdet, want.logabsdet) < tol, `${T.name} log|det| n=${n}`);
      }
    }
  });
}

t.test('singular and non-finite input', async (t) => {
  const p = { batch: 1, n: 3 };
  const singular = new Float64Array([1, 2, 3, 2, 4, 6, 1, 0, 1]);
  t.throws(() => lu.inv(singular, p), /inv: matrix 0 of the batch \(\[3,3\]\) is singular/);
  t.throws(() => lu.solve(singular, new Float64Array(3), p, 1), /solve: .* is singular/);
  const s = lu.slogdet(singular, p);
  t.same([s.sign[0], s.logabsdet[0]], [0, -Infinity]);
  t.throws(() => lu.inv(new Float64Array([1, NaN, 0, 1]), { batch: 1, n: 2 }), /non-finite entry NaN at \[0,1\]/);
  t.match(lu.luName(), /blocked LU/);
});
