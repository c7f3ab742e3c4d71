// The engine API that JAX and TensorFlow.js users reach for first: hessian, grad/valueAndGrad with
// argnums and hasAux, jvp (forward mode), memory(), Tensor.toString with values. Every derivative
// is checked against central finite differences of a host (plain JavaScript) copy of the function,
// so a wrong rule in the engine cannot cancel out in the reference.

import t from 'tap';
import * as rg from '../index.js';
import { grad, hessian, jvp, memory, tensor, tidy, valueAndGrad, type Tensor } from '../index.js';
import { maxRelErr } from './helpers/numeric.js';

const A = [[0.7, -0.4, 0.2], [0.1, 0.9, -0.6], [-0.3, 0.5, 0.8]];

/** f(x) = Σ_i tanh((A x)_i)² + x₀x₁x₂ (host). */
function fHost(x: readonly number[]): number {
  let s = x[0] * x[1] * x[2];
  for (let i = 0; i < 3; i++) s += Math.tanh(A[i][0] * x[0] + A[i][1] * x[1] + A[i][2] * x[2]) ** 2;
  return s;
}
/** The same f with engine ops, x of shape [3]. */
function fEngine(x: Tensor): Tensor {
  const ax = rg.reshape(rg.matmul(tensor(A), rg.reshape(x, [3, 1])), [3]);
  const prod = rg.mul(rg.mul(rg.slice(x, [0], [1]), rg.slice(x, [1], [1])), rg.slice(x, [2], [1]));
  return rg.add(rg.sum(rg.square(rg.tanh(ax))), rg.sum(prod));
}

/** ∂²f/∂x_i∂x_j by the four-point central difference, h = 1e-4 (error O(h²) ≈ 1e-8). */
function hostHessian(f: (x: number[]) => number, x: readonly number[], h = 1e-4): number[] {
  const n = x.length;
  const out: number[] = [];
  const at = (di: number, dj: number, i: number, j: number): number => {
    const y = [...x];
    y[i] += di;
    y[j] += dj;
    return f(y);
  };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out.push((at(h, h, i, j) - at(h, -h, i, j) - at(-h, h, i, j) + at(-h, -h, i, j)) / (4 * h * h));
  }
  return out;
}

function hostGrad(f: (x: number[]) => number, x: readonly number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const p = [...x];
    const m = [...x];
    p[i] += h;
    m[i] -= h;
    return (f(p) - f(m)) / (2 * h);
  });
}

t.test('hessian(f)(x): shape [...x, ...x], values against host finite differences', async (t) => {
  const x0 = [0.3, -0.5, 0.8];
  const H = hessian(fEngine)(tensor(x0));
  t.same([...H.shape], [3, 3]);
  const err = maxRelErr(H.dataSync(), hostHessian(fHost, x0));
  t.ok(err < 1e-6, `rel err ${err.toExponential(2)}`);
  t.ok(maxRelErr(H.dataSync(), rg.transpose(H).dataSync()) < 1e-14, 'symmetric');
  // a matrix argument: shape [2,2,2,2]; f(W) = Σ W² W₀₀ → ∂²f/∂W₀₀² = 6W₀₀ + … checked by host FD
  const fw = (w: Tensor): Tensor => rg.mul(rg.sum(rg.square(w)), rg.sum(rg.slice(w, [0, 0], [1, 1])));
  const fwHost = (w: number[]): number => w.reduce((s, v) => s + v * v, 0) * w[0];
  const w0 = [0.5, -1, 2, 0.25];
  const Hw = hessian(fw)(tensor([[0.5, -1], [2, 0.25]]));
  t.same([...Hw.shape], [2, 2, 2, 2]);
  t.ok(maxRelErr(Hw.dataSync(), hostHessian(fwHost, w0)) < 1e-6, 'matrix argument');
  // argnum: the Hessian in the second argument, the first held fixed
  const g2 = (a: Tensor, b: Tensor): Tensor => rg.sum(rg.mul(rg.exp(rg.mul(a, b)), b));
  const Hb = hessian(g2, 1)(tensor([0.3, -0.2]), tensor([0.5, 1.5]));
  const g2Host = (b: number[]): number => Math.exp(0.3 * b[0]) * b[0] + Math.exp(-0.2 * b[1]) * b[1];
  t.ok(maxRelErr(Hb.dataSync(), hostHessian(g2Host, [0.5, 1.5])) < 1e-6, 'argnum 1');
  // @ts-expect-error — the arity is a compile error too; this checks the run-time message
  t.throws(() => hessian(fEngine)(), /hessian: the function takes 1 argument but was called with 0/);
});

t.test('grad and valueAndGrad: argnums picks arguments, hasAux passes [loss, aux] through', async (t) => {
  const f = (a: Tensor, b: Tensor, c: Tensor): Tensor => rg.sum(rg.mul(rg.mul(rg.sin(a), rg.exp(b)), c));
  const fh = (a: number[], b: number[], c: number[]): number => a.reduce((s, ai, i) => s + Math.sin(ai) * Math.exp(b[i]) * c[i], 0);
  const [a0, b0, c0] = [[0.1, -0.7], [0.4, 0.2], [1.5, -2]];
  const [a, b, c] = [tensor(a0), tensor(b0), tensor(c0)];
  const db = hostGrad((v) => fh(a0, v, c0), b0);
  const dc = hostGrad((v) => fh(a0, b0, v), c0);
  const gb = grad(f, { argnums: 1 })(a, b, c);
  t.ok(maxRelErr(gb.dataSync(), db) < 1e-8, 'argnums 1: the bare gradient df/db');
  const [gc, gb2] = grad(f, { argnums: [2, 1] })(a, b, c);
  t.ok(maxRelErr(gc.dataSync(), dc) < 1e-8 && maxRelErr(gb2.dataSync(), db) < 1e-8, 'argnums [2, 1]: a tuple in that order');
  const all = grad(f)(a, b, c);
  t.equal(all.length, 3, 'no argnums: every argument');
  t.throws(() => grad(f, { argnums: 3 })(a, b, c), /grad: argnums 3 out of range for 3 arguments/);
  t.throws(() => grad(f, { argnums: [0, -1] })(a, b, c), /grad: argnums \[0,-1\] out of range/);

  const aux = tensor([42]);
  const withAux = (p: Tensor, q: Tensor): [Tensor, { note: string; t: Tensor }] => [f(p, q, c), { note: 'kept', t: aux }];
  const r = valueAndGrad(withAux, { hasAux: true, argnums: 0 })(a, b);
  t.ok(Math.abs(r.value.item() - fh(a0, b0, c0)) < 1e-15, 'value is the loss');
  t.equal(r.aux.note, 'kept', 'aux comes back untouched');
  t.equal(r.aux.t, aux, 'the same tensor object');
  t.notOk(aux.isDisposed, 'aux tensors survive the scope');
  t.ok(maxRelErr(r.grads.dataSync(), hostGrad((v) => fh(v, b0, c0), a0)) < 1e-8, 'grads w.r.t. argnums 0');
  t.throws(() => valueAndGrad((p: Tensor) => rg.sum(p) as never, { hasAux: true })(a), /valueAndGrad: with hasAux the function must return \[loss, aux\]/);
});

t.test('arity: a call with fewer tensors than f takes names grad and the counts', async (t) => {
  const f = (p: Tensor, q: Tensor): Tensor => rg.sum(rg.mul(p, q));
  const x = tensor([1, 2]);
  // the compile-time check is in test/engine-types.test.ts; this is the runtime guard for JS callers
  t.throws(() => (grad(f) as (...xs: Tensor[]) => Tensor[])(x), /grad: the function takes 2 arguments but was called with 1/);
  t.throws(() => (valueAndGrad(f) as (...xs: Tensor[]) => unknown)(x), /valueAndGrad: the function takes 2 arguments but was called with 1/);
  t.throws(() => rg.mul(x, undefined as never), /mul: expected a Tensor or a number, got undefined/);
});

t.test('jvp: J·t against host finite differences along t; several primals', async (t) => {
  const f = (a: Tensor, b: Tensor): Tensor => rg.mul(rg.tanh(rg.matmul(a, b)), rg.cos(b));
  const fh = (a: number[], b: number[]): number[] => {
    // a [2,2] row-major, b [2,2]
    const out: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
      const ab = a[i * 2] * b[j] + a[i * 2 + 1] * b[2 + j];
      out.push(Math.tanh(ab) * Math.cos(b[i * 2 + j]));
    }
    return out;
  };
  const [a0, b0, ta, tb] = [[0.3, -0.2, 0.5, 0.9], [1.1, -0.4, 0.2, 0.7], [1, 0.5, -0.3, 2], [-1, 0.2, 0.4, 0.1]];
  const h = 1e-6;
  const plus = fh(a0.map((v, i) => v + h * ta[i]), b0.map((v, i) => v + h * tb[i]));
  const minus = fh(a0.map((v, i) => v - h * ta[i]), b0.map((v, i) => v - h * tb[i]));
  const want = plus.map((p, i) => (p - minus[i]) / (2 * h));
  const { value, tangent } = jvp(f, [tensor(a0, [2, 2]), tensor(b0, [2, 2])], [tensor(ta, [2, 2]), tensor(tb, [2, 2])]);
  t.same([...tangent.shape], [2, 2]);
  t.ok(maxRelErr(value.dataSync(), fh(a0, b0)) < 1e-15, 'value');
  const err = maxRelErr(tangent.dataSync(), want);
  t.ok(err < 1e-8, `tangent rel err ${err.toExponential(2)}`);
  t.throws(() => jvp(f, [tensor(a0, [2, 2]), tensor(b0, [2, 2])], [tensor(ta, [2, 2]), tensor([1, 2])]), /jvp: tangent 1 has shape \[2\], primal 1 has \[2,2\]/);
  // forward mode composes with reverse mode: d/dx of the directional derivative of f = Σ sin(x)·x
  const g = (x: Tensor): Tensor => rg.sum(rg.mul(rg.sin(x), x));
  const dir = tensor([1, -1]);
  const dd = grad((x: Tensor) => jvp(g, [x], [dir]).tangent)(tensor([0.4, 1.2]))[0];
  const ddHost = hostGrad((x) => {
    const gh = (y: number[]): number => y.reduce((s, v) => s + Math.sin(v) * v, 0);
    return (gh([x[0] + 1e-5, x[1] - 1e-5]) - gh([x[0] - 1e-5, x[1] + 1e-5])) / 2e-5;
  }, [0.4, 1.2], 1e-4);
  t.ok(maxRelErr(dd.dataSync(), ddHost) < 1e-5, 'grad of jvp (Hessian-vector product)');
});

t.test('memory(): live tensors and bytes on the current backend', async (t) => {
  const before = memory();
  const x = tensor([[1, 2], [3, 4]]);
  const y = rg.reshape(x, [4]); // an alias: one more tensor, no more bytes
  const z = rg.cast(x, 'float32');
  t.same(memory(), { tensors: before.tensors + 3, bytes: before.bytes + 4 * 8 + 4 * 4 }, 'three tensors, two storages');
  y.dispose();
  t.same(memory(), { tensors: before.tensors + 2, bytes: before.bytes + 4 * 8 + 4 * 4 }, 'the alias keeps the storage');
  x.dispose();
  z.dispose();
  t.same(memory(), before, 'back where it started');
  const kept = tidy(() => rg.sum(rg.exp(tensor([1, 2, 3]))));
  t.same(memory(), { tensors: before.tensors + 1, bytes: before.bytes + 8 }, 'tidy frees its intermediates, keeps the result');
  kept.dispose();
  t.same(memory(), before);
});

t.test('Tensor.toString shows shape, dtype, backend and (elided) values', async (t) => {
  t.equal(String(tensor([[1, 2], [3, 4.5]])), 'Tensor([2,2], float64, cpu) [[1, 2], [3, 4.5]]');
  t.equal(String(rg.scalar(Math.PI)), 'Tensor([], float64, cpu) 3.14159');
  const long = tensor(Array.from({ length: 10 }, (_, i) => i), [10]);
  t.equal(String(long), 'Tensor([10], float64, cpu) [0, 1, 2, …, 7, 8, 9]');
  const x = tensor([1]);
  x.dispose();
  t.equal(String(x), 'Tensor([1], float64, cpu) <disposed>');
  t.notOk('storage' in tensor([1]), 'storage is not a public property');
  t.notOk('handle' in tensor([1]), 'nor handle()');
  t.notOk('StorageRef' in rg, 'StorageRef is not exported');
});
