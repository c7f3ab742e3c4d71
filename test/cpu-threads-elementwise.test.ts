// Element-wise kernels shared with the GEMM worker threads (backends/cpu/threads): the pointwise
// passes and the Adam step split between the calling thread and a worker must give, element for
// element, what the formulas give (written out here independently), for sizes around the split
// points, both dtypes, with and without the back-propagated error.

import t from 'tap';
import { availableParallelism } from 'node:os';
import { createThreadedRuntime, MIN_ELEMENTWISE } from '../backends/cpu/threads/index.js';
import { Rng } from '../engine/random.js';
import { pointwiseSimd, type ElementwiseExports } from '../backends/cpu/wasm/elementwise-kernels.js';

const threaded = createThreadedRuntime({ threads: 2 });
const cores = availableParallelism();

t.test('the threaded tier exists on a machine with ≥ 2 cores', async (t) => {
  t.equal(threaded !== undefined, cores >= 2, `${cores} cores`);
});

t.test('the SIMD kernels take the smooth leaky ReLU map (softplus, inner 1, outer 1 − linear) and no other', async (t) => {
  const calls: string[] = [];
  const ex = new Proxy({}, { get: (_, name) => (...args: number[]) => { calls.push(`${String(name)}(${args.join(', ')})`); } }) as unknown as ElementwiseExports;
  const tails: number[] = [];
  const run = (pass: number, base: number, linear: number, outer: number, inner: number): boolean =>
    pointwiseSimd(ex, false, pass, base, linear, outer, inner, 16, 32, 48, 10, (from) => tails.push(from));
  t.equal(run(0, 0, 0.3, 1 - 0.3, 1), true);
  t.equal(run(2, 0, 0.3, 1 - 0.3, 1), true);
  t.same(calls, ['f32_slrelu_value(16, 48, 2, 0.3)', 'f32_slrelu_input_gradient(16, 32, 48, 2, 0.3)'], 'two whole f32 vectors each, α = linear');
  t.same(tails, [8, 8], 'the last 2 of 10 elements left to JavaScript');
  t.same([run(0, 1, 0.1, 1, 1.5), run(0, 0, 0.3, 0.7, 1.7), run(0, 0, 0.3, 0.5, 1), run(1, 0, 0, 1, 1)], [false, false, false, false],
    'tanh, inner ≠ 1, outer ≠ 1 − linear and log σ\' at α = 0 run in JavaScript');
  t.equal(calls.length, 2, 'no kernel called for those');
});

const softplus = (v: number): number => (v > 30 ? v : Math.log(1 + Math.exp(v)));
const sigmoid = (v: number): number => 0.5 * (1 + Math.tanh(v / 2));

if (threaded) {
  t.teardown(() => threaded.close());
  for (const T of [Float64Array, Float32Array]) {
    const tol = T === Float64Array ? 1e-12 : 2e-6;
    for (const size of [MIN_ELEMENTWISE - 1, MIN_ELEMENTWISE, 50_001]) {
      t.test(`pointwise passes, ${T.name}, ${size} elements`, async (t) => {
        const rng = new Rng(size);
        const fill = (f: () => number): Float64Array | Float32Array => {
          const out = new T(size);
          for (let i = 0; i < size; i++) out[i] = f();
          return out;
        };
        const y = fill(() => 6 * rng.normal());
        const back = fill(() => rng.normal());
        const a = 0.3;
        const refs = [
          (v: number) => a * v + (1 - a) * softplus(v),
          (v: number) => Math.log(a + (1 - a) * sigmoid(v)),
          (v: number, g: number) => {
            const d = a + (1 - a) * sigmoid(v);
            return d * g - ((1 - a) * sigmoid(v) * (1 - sigmoid(v))) / d;
          },
        ];
        for (let pass = 0; pass < 3; pass++) {
          const out = new T(size).fill(NaN);
          threaded.pointwise(pass, 0, a, 1 - a, 1, y, pass === 2 ? back : null, out, size);
          let worst = 0;
          for (let i = 0; i < size; i++) {
            const expected = refs[pass](y[i], back[i]);
            worst = Math.max(worst, Math.abs(out[i] - expected) / Math.max(1, Math.abs(expected)));
          }
          t.ok(worst <= tol, `pass ${pass}: max rel err ${worst.toExponential(2)}`);
        }
        // leaky tanh (base tanh: 0.1·y + tanh(1.5·y)), the other base
        const out = new T(size).fill(NaN);
        threaded.pointwise(0, 1, 0.1, 1, 1.5, y, null, out, size);
        let worst = 0;
        for (let i = 0; i < size; i++) worst = Math.max(worst, Math.abs(out[i] - (Math.tanh(1.5 * y[i]) + 0.1 * y[i])) / Math.max(1, Math.abs(y[i])));
        t.ok(worst <= tol, `leaky tanh value: max rel err ${worst.toExponential(2)}`);
        // a softplus map the SIMD kernels do not cover (inner ≠ 1): the input gradient in JavaScript on both threads
        const s = (v: number): number => sigmoid(1.7 * v);
        threaded.pointwise(2, 0, 0.2, 0.5, 1.7, y, back, out, size);
        worst = 0;
        for (let i = 0; i < size; i++) {
          const d = 0.2 + 0.5 * 1.7 * s(y[i]);
          const want = d * back[i] - (0.5 * 1.7 * 1.7 * s(y[i]) * (1 - s(y[i]))) / d;
          worst = Math.max(worst, Math.abs(out[i] - want) / Math.max(1, Math.abs(want)));
        }
        t.ok(worst <= tol, `softplus (0.2, 0.5, 1.7) input gradient: max rel err ${worst.toExponential(2)}`);
      });

      t.test(`Adam, ${T.name}, ${size} elements`, async (t) => {
        const rng = new Rng(size + 1);
        const mk = (scale: number, abs = false): Float64Array | Float32Array => {
          const out = new T(size);
          for (let i = 0; i < size; i++) out[i] = (abs ? Math.abs(rng.normal()) : rng.normal()) * scale;
          return out;
        };
        const p = mk(1);
        const d = mk(0.1);
        const m = mk(0.01);
        const v = mk(0.001, true);
        const [po, mo, vo] = [new T(size).fill(NaN), new T(size).fill(NaN), new T(size).fill(NaN)];
        const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, c1 = 1 - b1 ** 3, c2 = 1 - b2 ** 3;
        threaded.adam(p, d, m, v, po, mo, vo, size, (lr * Math.sqrt(c2)) / c1, eps * Math.sqrt(c2), b1, b2);
        let worst = 0;
        for (let i = 0; i < size; i++) {
          const mi = b1 * m[i] + (1 - b1) * d[i];
          const vi = b2 * v[i] + (1 - b2) * d[i] * d[i];
          const pi = p[i] - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps); // the textbook form
          worst = Math.max(worst, Math.abs(mo[i] - mi), Math.abs(vo[i] - vi), Math.abs(po[i] - pi) / Math.max(1, Math.abs(pi)));
        }
        t.ok(worst <= tol, `max err ${worst.toExponential(2)}`);
      });
    }
  }
}
