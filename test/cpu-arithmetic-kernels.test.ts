// The SIMD kernels of element-wise a + b, a·b and the column sums (wasm/arithmetic-kernels.ts, run
// by the threaded runtime for arrays in its arena) against the JavaScript loops they replace
// (backends/cpu/elementwise.ts binary, reduce.ts sum over leading axes): the same IEEE operations
// in the same order, so the same bits, including sizes that leave a tail after the vectors; and
// the column sums against a float64 sum written here. The fast backend's sums and products of
// arena tensors are checked the same way through the engine.

import t from 'tap';
import { createCpuBackend } from '../backends/cpu/index.js';
import { binary } from '../backends/cpu/elementwise.js';
import { sum } from '../backends/cpu/reduce.js';
import { createThreadedRuntime } from '../backends/cpu/threads/index.js';
import type { DType, TypedArray } from '../engine/dtype.js';
import { fromHost } from '../engine/create.js';
import * as ops from '../engine/ops.js';
import { Rng } from '../engine/random.js';

const threaded = createThreadedRuntime({ threads: 2 });
t.ok(threaded !== undefined, 'the threaded tier runs here (≥ 2 cores, WebAssembly SIMD)');
const rng = new Rng(5);

if (threaded) {
  t.teardown(() => threaded.close());
  const th = threaded;
  const inArena = (dtype: DType, n: number, fill: (i: number) => number): TypedArray => {
    const a = th.alloc(dtype, n);
    if (a === undefined) throw new Error('arena full');
    for (let i = 0; i < n; i++) a[i] = fill(i);
    return a;
  };
  const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

  for (const dtype of ['float32', 'float64'] as const) {
    t.test(`${dtype}: a + b and a·b, the JavaScript loop's bits`, async (t) => {
      for (const size of [78400, 1003, 3, 4]) {
        const a = inArena(dtype, size, () => rng.normal() * 3);
        const b = inArena(dtype, size, () => rng.normal());
        for (const op of ['add', 'mul'] as const) {
          const out = inArena(dtype, size, () => NaN);
          t.ok(th.binary(op, a, b, out, size), `${op} ${size}: the kernel runs`);
          const want = binary(op, Float64Array.from(a), Float64Array.from(b), size);
          const stored = dtype === 'float32' ? Float32Array.from(want) : want;
          t.ok(sameBits(out, stored), `${op} ${size}: the same bits`);
        }
      }
      const a = inArena(dtype, 8, () => 1);
      t.notOk(th.binary('add', a, new (dtype === 'float32' ? Float32Array : Float64Array)(8), inArena(dtype, 8, () => 0), 8), 'declines b outside the arena');
    });

    t.test(`${dtype}: column sums, the JavaScript loop's bits and a float64 reference`, async (t) => {
      for (const [rows, cols] of [[100, 784], [7, 13], [1, 5], [33, 2]] as const) {
        const x = inArena(dtype, rows * cols, () => rng.normal() * 10);
        const got = th.columnSums(x, rows, cols);
        if (got === undefined) throw new Error('the kernel declined');
        const js = sum(Float64Array.from(x), [rows, cols], [0]); // float64 storage: the loop's float64 sums
        t.ok(sameBits(got, js), `[${rows}, ${cols}]: the same bits as the loop`);
        let worst = 0;
        for (let j = 0; j < cols; j++) {
          let s = 0;
          let scale = 0;
          for (let r = 0; r < rows; r++) {
            s += x[r * cols + j];
            scale += Math.abs(x[r * cols + j]);
          }
          worst = Math.max(worst, Math.abs(got[j] - s) / Math.max(scale, 1e-300));
        }
        t.ok(worst < 1e-15, `[${rows}, ${cols}]: worst error against a float64 sum ${worst.toExponential(2)}`);
      }
      t.equal(th.columnSums(new Float64Array(6), 2, 3), undefined, 'declines an array outside the arena');
    });
  }

  t.test('the fast CPU backend: mul, add and sums over the batch of arena tensors are the JavaScript backend\'s bits', async (t) => {
    const fast = createCpuBackend({ tier: 'auto' });
    const plain = createCpuBackend();
    for (const dtype of ['float32', 'float64'] as const) {
      const a0 = Float64Array.from({ length: 100 * 784 }, () => rng.normal());
      const b0 = Float64Array.from({ length: 100 * 784 }, () => rng.normal());
      const run = (backend: typeof fast): TypedArray[] => {
        const a = fromHost(a0, [100, 784], { dtype, backend });
        const b = fromHost(b0, [100, 784], { dtype, backend });
        return [ops.mul(a, b), ops.add(a, b), ops.sum(a, 0)].map((r) => r.dataSync());
      };
      const [f, p] = [run(fast), run(plain)];
      ['mul', 'add', 'sum over axis 0'].forEach((name, i) => t.ok(sameBits(f[i], p[i]), `${dtype} ${name}: the same bits`));
    }
  });
}
