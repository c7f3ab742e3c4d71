// GPU-vs-CPU comparison, runnable anywhere a GPU backend can be created (a Node child under
// xvfb-run, Node + Dawn, a Chromium page): every kernel of the backend against the CPU backend's
// on the same random float32 inputs, every differentiable op through the engine's `grad`, and a
// few Adam steps of a relative-gradient update. Returns a JSON report; tap tests assert it.
// Reads go through `await read()`/`data()` so the same code runs on WebGPU (no sync read-back).

import type { Backend, MatmulParams, SquareParams } from '../../engine/backend.js';
import type { TypedArray } from '../../engine/dtype.js';
import { Flow } from '../../flow/model.js';
import { deepStack } from '../../flow/layers/specs.js';
import { train } from '../../flow/train.js';
import { createCpuBackend } from '../../backends/cpu/index.js';
import * as E from '../../engine/index.js';
import type { Tensor } from '../../engine/index.js';

export interface CheckResult {
  name: string;
  maxErr: number;
  pass: boolean;
  error?: string;
}

export interface CheckReport {
  kernelClass: string;
  implementation: string;
  details: Record<string, string | number | boolean>;
  results: CheckResult[];
  failed: string[];
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

export const FLOAT32_TOL: Tolerance = { atol: 2e-4, rtol: 2e-3 };

/** Max of |a−b| / (atol + rtol·|b|) scaled back to an absolute error; pass when every entry fits. */
function compare(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): { maxErr: number; pass: boolean } {
  if (got.length !== want.length) return { maxErr: Infinity, pass: false };
  let maxErr = 0;
  let pass = true;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (w === g) continue; // equal infinities
    const err = Math.abs(g - w);
    if (!(err <= tol.atol + tol.rtol * Math.abs(w))) pass = false;
    if (!(err <= maxErr)) maxErr = err;
  }
  return { maxErr, pass };
}

export async function runGpuChecks(gpu: Backend, tol: Tolerance = FLOAT32_TOL, seed = 1): Promise<CheckReport> {
  const cpu = createCpuBackend();
  const stream = new E.Rng(seed); // seeded, so failures reproduce
  const rand = (): number => stream.uniform();
  const results: CheckResult[] = [];
  const uniform = (n: number, lo = -1, hi = 1): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());

  async function check(name: string, body: () => Promise<{ got: ArrayLike<number>; want: ArrayLike<number> }[]>): Promise<void> {
    try {
      let maxErr = 0;
      let pass = true;
      for (const { got, want } of await body()) {
        const r = compare(got, want, tol);
        maxErr = Math.max(maxErr, r.maxErr);
        pass &&= r.pass;
      }
      results.push({ name, maxErr, pass });
    } catch (err) {
      results.push({ name, maxErr: Infinity, pass: false, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  }

  const up = (x: Float32Array): unknown => gpu.upload(x, 'float32');
  const read = (s: unknown, n: number): Promise<TypedArray> => gpu.read(s, 'float32', n);
  const K = gpu.kernels;
  const C = cpu.kernels;

  // ---- kernels, one by one ------------------------------------------------------------------
  const domains: Record<string, [number, number]> = { log: [0.05, 3], sqrt: [0, 3], log1p: [-0.9, 3], reciprocal: [0.2, 2] };
  for (const op of ['neg', 'exp', 'log', 'log1p', 'tanh', 'abs', 'sign', 'sqrt', 'reciprocal', 'sin', 'cos'] as const) {
    await check(`kernel unary ${op}`, async () => {
      const [lo, hi] = domains[op] ?? [-4, 4];
      const x = uniform(1000, lo, hi);
      if (op === 'reciprocal') x.forEach((v, i) => (x[i] = i % 2 === 0 ? v : -v));
      if (op === 'tanh' || op === 'log1p') x[0] = 1e-6; // the small-argument branch
      return [{ got: await read(K.unary(op, up(x), x.length), x.length), want: C.unary(op, x, x.length) }];
    });
  }
  for (const op of ['add', 'mul', 'maximum', 'greater', 'equal'] as const) {
    await check(`kernel binary ${op}`, async () => {
      const a = uniform(777);
      const b = uniform(777);
      for (let i = 0; i < a.length; i += 3) b[i] = a[i]; // ties for equal/greater/maximum
      return [{ got: await read(K.binary(op, up(a), up(b), a.length), a.length), want: C.binary(op, a, b, a.length) }];
    });
  }
  const shape = [3, 4, 5, 6];
  const x4 = uniform(360);
  for (const axes of [[0], [3], [1, 2], [0, 3], [0, 1, 2, 3]]) {
    for (const op of ['sum', 'max'] as const) {
      await check(`kernel ${op} over [${axes.join(',')}]`, async () => {
        const want = C[op](x4, shape, axes);
        return [{ got: await read(K[op](up(x4), shape, axes), want.length), want }];
      });
    }
  }
  await check('kernel sum, 3 passes (70000 → 1)', async () => {
    const x = uniform(70000, 0, 1);
    return [{ got: await read(K.sum(up(x), [70000], [0]), 1), want: C.sum(x, [70000], [0]) }];
  });
  await check('kernel max, 2 passes ([7, 3000] over 1)', async () => {
    const x = uniform(21000);
    return [{ got: await read(K.max(up(x), [7, 3000], [1]), 7), want: C.max(x, [7, 3000], [1]) }];
  });
  await check('kernel transpose', async () => {
    const perm = [2, 0, 3, 1];
    return [{ got: await read(K.transpose(up(x4), shape, perm), 360), want: C.transpose(x4, shape, perm) }];
  });
  await check('kernel expand', async () => {
    const x = uniform(12);
    const want = C.expand(x, [3, 1, 4, 1], [3, 5, 4, 2]);
    return [{ got: await read(K.expand(up(x), [3, 1, 4, 1], [3, 5, 4, 2]), want.length), want }];
  });
  await check('kernel slice', async () => {
    const want = C.slice(x4, shape, [1, 0, 2, 3], [2, 4, 2, 3]);
    return [{ got: await read(K.slice(up(x4), shape, [1, 0, 2, 3], [2, 4, 2, 3]), want.length), want }];
  });
  await check('kernel pad', async () => {
    const want = C.pad(x4, shape, [1, 0, 2, 0], [0, 2, 1, 3]);
    return [{ got: await read(K.pad(up(x4), shape, [1, 0, 2, 0], [0, 2, 1, 3]), want.length), want }];
  });
  await check('kernel cast float32 → float32', async () => [{ got: await read(K.cast(up(x4), 360, 'float32'), 360), want: x4 }]);
  await check('kernel cast to float64 is refused', async () => {
    let refused = 0;
    try {
      K.cast(up(x4), 360, 'float64');
    } catch (err) {
      refused = /float32 only/.test(String(err)) ? 1 : 0;
    }
    return [{ got: [refused], want: [1] }];
  });
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    await check(`kernel matmul transA=${transA} transB=${transB} batch 3`, async () => {
      const p: MatmulParams = { batch: 3, m: 17, n: 9, k: 23, transA, transB };
      const a = uniform(p.batch * p.m * p.k);
      const b = uniform(p.batch * p.k * p.n);
      const want = C.matmul(a, b, p);
      return [{ got: await read(K.matmul(up(a), up(b), p), want.length), want }];
    });
  }
  await check('kernel matmul 64x64x64', async () => {
    const p: MatmulParams = { batch: 1, m: 64, n: 64, k: 64, transA: false, transB: false };
    const a = uniform(4096);
    const b = uniform(4096);
    return [{ got: await read(K.matmul(up(a), up(b), p), 4096), want: C.matmul(a, b, p) }];
  });
  const sq: SquareParams = { batch: 2, n: 5 };
  const wellConditioned = (): Float32Array => {
    const a = uniform(sq.batch * sq.n * sq.n, -0.3, 0.3);
    for (let b = 0; b < sq.batch; b++) for (let i = 0; i < sq.n; i++) a[b * 25 + i * 6] += 2;
    return a;
  };
  await check('kernel solve (LU on the CPU)', async () => {
    const a = wellConditioned();
    const b = uniform(sq.batch * sq.n * 3);
    const want = C.solve(a, b, sq, 3);
    return [{ got: await read(K.solve(up(a), up(b), sq, 3), want.length), want }];
  });
  await check('kernel inv (LU on the CPU)', async () => {
    const a = wellConditioned();
    const want = C.inv(a, sq);
    return [{ got: await read(K.inv(up(a), sq), want.length), want }];
  });
  await check('kernel slogdet (LU on the CPU)', async () => {
    const a = wellConditioned();
    a.forEach((v, i) => (a[i] = i < 25 ? -v : v)); // a negative determinant in the batch (n odd)
    const want = C.slogdet(a, sq);
    const got = K.slogdet(up(a), sq);
    return [
      { got: await read(got.sign, 2), want: want.sign },
      { got: await read(got.logabsdet, 2), want: want.logabsdet },
    ];
  });

  // ---- every differentiable op through grad: values and gradients ---------------------------
  type Fn = (x: Tensor, y: Tensor) => Tensor;
  const gradCases: [string, Fn, [number[], number[]], [number, number]?][] = [
    ['neg·exp·log', (x, y) => E.sum(E.mul(E.neg(E.exp(x)), E.log(E.add(E.square(y), 1)))), [[4, 3], [4, 3]]],
    ['log1p·tanh·abs', (x, y) => E.sum(E.add(E.log1p(E.abs(x)), E.tanh(E.mul(x, y)))), [[5, 2], [5, 2]]],
    ['sqrt·reciprocal·div', (x, y) => E.sum(E.div(E.sqrt(E.add(E.square(x), 1)), E.add(E.square(y), 0.5))), [[6], [6]]],
    ['maximum·minimum·relu', (x, y) => E.sum(E.mul(E.maximum(x, y), E.add(E.minimum(x, y), E.relu(x)))), [[3, 5], [3, 5]]],
    ['broadcast (expand) + mean', (x, y) => E.mean(E.mul(E.add(x, y), x)), [[4, 3], [3]]],
    ['sum/max over axes', (x, y) => E.add(E.sum(E.mul(E.max(x, 1), y)), E.sum(E.sum(x, 0))), [[4, 5], [4]]],
    ['logsumexp·sigmoid·softplus', (x, y) => E.sum(E.add(E.logsumexp(x, 1), E.mul(E.sigmoid(y), E.softplus(y)))), [[3, 6], [3]]],
    ['reshape·transpose', (x, y) => E.sum(E.mul(E.transpose(E.reshape(x, [3, 4])), y)), [[12], [4, 3]]],
    ['slice·pad·concat', (x, y) => E.sum(E.square(E.concat([E.slice(x, [1, 0], [2, 3]), E.pad(y, [0, 1], [0, 0])], 0))), [[4, 3], [2, 2]]],
    ['matmul (all flags)', (x, y) => E.sum(E.add(E.matmul(x, y), E.matmul(x, y, { transA: true, transB: true }))), [[3, 3], [3, 3]]],
    ['batched matmul', (x, y) => E.sum(E.tanh(E.matmul(x, y, { transB: true }))), [[2, 3, 4], [2, 5, 4]]],
    ['solve', (x, y) => E.sum(E.solve(E.add(E.mul(x, 0.2), E.eye(3, { dtype: 'float32', backend: x.backend })), y)), [[3, 3], [3, 2]]],
    ['inv + logAbsDet', (x, y) => {
      const a = E.add(E.mul(x, 0.2), E.eye(4, { dtype: 'float32', backend: x.backend }));
      return E.add(E.sum(E.mul(E.inv(a), y)), E.logAbsDet(a));
    }, [[4, 4], [4, 4]]],
  ];
  for (const [name, f, [sx, sy]] of gradCases) {
    await check(`grad ${name}`, async () => {
      const hx = uniform(sx.reduce((a, b) => a * b, 1));
      const hy = uniform(sy.reduce((a, b) => a * b, 1));
      const run = async (backend: Backend): Promise<TypedArray[]> => {
        const x = E.tensor(hx, sx, { backend, dtype: 'float32' });
        const y = E.tensor(hy, sy, { backend, dtype: 'float32' });
        const { value, grads } = E.valueAndGrad(f)(x, y);
        const out = [await value.data(), await grads[0].data(), await grads[1].data()];
        E.dispose([x, y, value, grads]);
        return out;
      };
      const [g, c] = [await run(gpu), await run(cpu)];
      return g.map((got, i) => ({ got, want: c[i] }));
    });
  }
  await check('grad of grad (hvp of sum(tanh(x)·x))', async () => {
    const hx = uniform(6);
    const hv = uniform(6);
    const run = async (backend: Backend): Promise<TypedArray> => {
      const x = E.tensor(hx, [6], { backend, dtype: 'float32' });
      const v = E.tensor(hv, [6], { backend, dtype: 'float32' });
      return E.hvp((t) => E.sum(E.mul(E.tanh(t), t)))(x, v).data();
    };
    return [{ got: await run(gpu), want: await run(cpu) }];
  });

  await check('kernel affine', async () => {
    const x = uniform(500);
    return [{ got: await read(K.affine(up(x), 500, -1.5, 0.25), 500), want: C.affine(x, 500, -1.5, 0.25) }];
  });
  await check('kernel adam (fused step)', async () => {
    const [p, d, m] = [uniform(300), uniform(300), uniform(300)];
    const v = uniform(300, 0, 1);
    const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 1 - 0.9 ** 2, c2: 1 - 0.999 ** 2 };
    const g = K.adam(up(p), up(d), up(m), up(v), 300, h);
    const c = C.adam(p, d, m, v, 300, h);
    return [
      { got: await read(g.p, 300), want: c.p },
      { got: await read(g.m, 300), want: c.m },
      { got: await read(g.v, 300), want: c.v },
    ];
  });

  // the flow's own relative-gradient training (train() reads scalars synchronously: not on WebGPU)
  if (String(gpu.describe().details?.kernelClass ?? '') !== 'WebGPUKernel') {
    await check('flow: raw relative and ordinary gradients (dim 5, 2 layers)', async () => {
      const hx = Float64Array.from(uniform(40 * 5, -2, 2));
      const run = async (backend: Backend): Promise<Float64Array> => {
        const flow = Flow.create({ dim: 5, layers: 2, seed: 3, dtype: 'float32' }, { backend });
        const x = E.tensor(hx, [40, 5], { backend, dtype: 'float32' });
        const out: number[] = [];
        for (const method of ['relative', 'ordinary'] as const) {
          const { dW, db } = flow.gradient(x, method);
          for (const g of [...dW, ...db]) out.push(...Array.from(await g.data()));
        }
        return Float64Array.from(out);
      };
      return [{ got: await run(gpu), want: await run(cpu) }];
    });
    await check('flow: 4 Adam steps of relative-gradient training (dim 5, 2 layers)', async () => {
      const data = { data: Float64Array.from(uniform(200 * 5, -2, 2)), rows: 200, cols: 5 };
      const run = async (backend: Backend): Promise<Float64Array> => {
        const flow = Flow.create({ dim: 5, layers: 2, seed: 3, dtype: 'float32' }, { backend });
        await train(flow, { train: data }, { epochs: 1, batchSize: 50, lr: 1e-2, method: 'relative' });
        const p = flow.paramsToHost();
        return Float64Array.from(p.layers.flat().flatMap((a) => Array.from(a)));
      };
      return [{ got: await run(gpu), want: await run(cpu) }];
    });
    await check('flow: deep stack (affine, splines, dense) log p and mixed relative gradient (dim 4)', async () => {
      const hx = Float64Array.from(uniform(30 * 4, -2, 2));
      const run = async (backend: Backend): Promise<Float64Array> => {
        const flow = Flow.fromLayers(deepStack({ depth: 2, bins: 5, bound: 2.5 }), { dim: 4, seed: 2, dtype: 'float32' }, { backend });
        const x = E.tensor(hx, [30, 4], { backend, dtype: 'float32' });
        const out: number[] = Array.from(await flow.logProb(x).data());
        for (const g of flow.gradient(x, 'relative').layers.flat()) out.push(...Array.from(await g.data()));
        return Float64Array.from(out);
      };
      return [{ got: await run(gpu), want: await run(cpu) }];
    });
  }

  // ---- a few Adam steps of a relative-gradient update ---------------------------------------
  await check('5 Adam steps, relative gradient of an ICA-like loss', async () => {
    const d = 6;
    const nData = 40;
    const hw = uniform(d * d, -0.2, 0.2);
    for (let i = 0; i < d; i++) hw[i * d + i] += 1;
    const hx = uniform(d * nData, -2, 2);
    let firstRel: Tensor | undefined;
    const train = async (backend: Backend): Promise<TypedArray> => {
      const opts = { backend, dtype: 'float32' as const };
      const X = E.tensor(hx, [d, nData], opts);
      let W = E.tensor(hw, [d, d], opts);
      let m = E.zeros([d, d], opts);
      let v = E.zeros([d, d], opts);
      // loss(W) = mean over samples of Σ logcosh(W x) − log|det W|
      const loss = (w: Tensor): Tensor => E.sub(E.div(E.sum(E.logcosh(E.matmul(w, X))), nData), E.logAbsDet(w));
      const [b1, b2, lr, eps] = [0.9, 0.999, 0.05, 1e-8];
      for (let step = 1; step <= 5; step++) {
        const next = E.tidy(() => {
          const [g] = E.grad(loss)(W);
          const rel = E.matmul(E.matmul(g, W, { transB: true }), W); // relative gradient ∇W·WᵀW
          if (step === 1) firstRel = E.keep(rel);
          const m2 = E.add(E.mul(m, b1), E.mul(rel, 1 - b1));
          const v2 = E.add(E.mul(v, b2), E.mul(E.square(rel), 1 - b2));
          const mHat = E.div(m2, 1 - b1 ** step);
          const vHat = E.div(v2, 1 - b2 ** step);
          const w2 = E.sub(W, E.mul(E.div(mHat, E.add(E.sqrt(vHat), eps)), lr));
          return { w2, m2, v2 };
        });
        E.dispose([W, m, v]);
        ({ w2: W, m2: m, v2: v } = next);
      }
      return W.data();
    };
    const firstOf = async (backend: Backend): Promise<{ w: TypedArray; rel: TypedArray }> => {
      const w = await train(backend);
      const relT = firstRel as Tensor;
      const rel = await relT.data();
      relT.dispose();
      return { w, rel };
    };
    const [g, c] = [await firstOf(gpu), await firstOf(cpu)];
    // Adam divides by √v̂, so a gradient wrong by a constant factor leaves W unchanged: compare the
    // raw relative gradient of the first step as well
    return [{ got: g.rel, want: c.rel }, { got: g.w, want: c.w }];
  });

  const info = gpu.describe();
  return {
    kernelClass: String(info.details?.kernelClass ?? ''),
    implementation: info.implementation,
    details: info.details ?? {},
    results,
    failed: results.filter((r) => !r.pass).map((r) => `${r.name}: maxErr ${r.maxErr}${r.error ? ` (${r.error.split('\n')[0]})` : ''}`),
  };
}
