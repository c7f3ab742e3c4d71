// Memory scopes: tidy disposes intermediates but keeps returned and keep()-ed tensors; nested
// grad keeps what an outer tape still needs; storage is freed exactly once when the last alias
// goes (counted on a wrapped CPU backend); using a disposed tensor throws a clear error.

import t from 'tap';
import * as rg from '../index.js';
import { dispose, grad, hvp, jacobian, keep, tensor, tidy, type Tensor } from '../index.js';
import { createCpuBackend } from '../backends/cpu/index.js';
import { countingBackend } from '../bench/lib/counting-backend.js';
import { numericGrad, maxRelErr } from './helpers/numeric.js';

const f64 = { dtype: 'float64' as const };

/** The CPU backend, counted; frees are not passed on, so no array is recycled and a double free stays visible. */
const countingCpuBackend = () => countingBackend(createCpuBackend(), (s) => s.byteLength, { name: 'cpu-counting', forwardFrees: false });

t.test('tidy disposes intermediates, keeps returned values, keep()-ed tensors and outer tensors', async (t) => {
  const a = tensor([1, 2, 3], [3], f64);
  let b: Tensor | undefined;
  let kept: Tensor | undefined;
  const c = tidy(() => {
    b = rg.exp(a);
    kept = keep(rg.mul(a, 2));
    return rg.add(b, 1);
  });
  t.ok(b?.isDisposed, 'intermediate disposed');
  t.notOk(c.isDisposed, 'returned value alive');
  t.notOk(kept?.isDisposed, 'keep()-ed tensor alive');
  t.notOk(a.isDisposed, 'tensor from outside the scope alive');
  t.same(Array.from(c.dataSync()), [2, 3, 4].map((v, i) => Math.exp(i + 1) + 1));
  // tensors in returned arrays and plain objects survive
  const out = tidy(() => ({ list: [rg.neg(a), rg.sqrt(a)], one: rg.log(a) }));
  t.notOk(out.list[0].isDisposed || out.list[1].isDisposed || out.one.isDisposed, 'returned structure alive');
  dispose(out);
  t.ok(out.list[0].isDisposed && out.list[1].isDisposed && out.one.isDisposed, 'dispose() walks structures');
  // nested scopes: the inner result moves to the outer scope and dies with it
  let inner: Tensor | undefined;
  tidy(() => {
    inner = tidy(() => rg.exp(a));
    t.notOk(inner.isDisposed, 'inner result alive in the outer scope');
    return undefined;
  });
  t.ok(inner?.isDisposed, 'inner result disposed with the outer scope');
  // a throwing fn still disposes what it made
  let made: Tensor | undefined;
  t.throws(() => tidy(() => {
    made = rg.exp(a);
    throw new Error('boom');
  }), /boom/);
  t.ok(made?.isDisposed, 'disposed on throw');
});

t.test('grad disposes its intermediates; the gradient survives', async (t) => {
  const x = tensor([0.5, -1], [2], f64);
  let inside: Tensor | undefined;
  const [g] = grad((y) => {
    inside = rg.tanh(y);
    return rg.sum(rg.square(inside));
  })(x);
  t.ok(inside?.isDisposed, 'intermediate of f disposed after grad');
  t.notOk(g.isDisposed, 'gradient alive');
  t.notOk(x.isDisposed, 'argument alive');
});

t.test('grad(grad(f)), hvp and grad of jacobian work inside tidy and do not leak', async (t) => {
  const { backend, live, badFrees } = countingCpuBackend();
  const x = tensor([0.3, -0.7, 1.2], [3], { dtype: 'float64', backend });
  const v = tensor([1, 0.5, -2], [3], { dtype: 'float64', backend });
  const f = (y: Tensor): Tensor => rg.sum(rg.mul(rg.exp(y), rg.tanh(y)));
  const w = tensor([[1, 0.2, 0], [0.1, 1, 0.3], [0, -0.2, 1]], undefined, { dtype: 'float64', backend });
  const baseline = live();
  const d2 = tidy(() => grad((y) => rg.sum(grad(f)(y)[0]))(x)[0]);
  t.notOk(d2.isDisposed);
  const xs = x.dataSync();
  const second = (u: number): number => {
    const e = Math.exp(u);
    const th = Math.tanh(u);
    const s2 = 1 - th * th;
    return e * th + 2 * e * s2 - 2 * e * s2 * th;
  };
  t.ok(maxRelErr(d2.dataSync(), Array.from(xs, second)) < 1e-13, 'values of the nested gradient');
  d2.dispose();
  t.equal(live(), baseline, 'grad of grad inside tidy: every intermediate freed');
  const hv = tidy(() => hvp(f)(x, v));
  hv.dispose();
  const gw = tidy(() => grad((m) => rg.logAbsDet(jacobian((y) => rg.tanh(rg.reshape(rg.matmul(m, rg.reshape(y, [3, 1])), [3])))(x)))(w)[0]);
  t.ok(maxRelErr(gw.dataSync(), numericGrad((m) => rg.logAbsDet(jacobian((y) => rg.tanh(rg.reshape(rg.matmul(m, rg.reshape(y, [3, 1])), [3])))(x)), w)) < 1e-7, 'grad of jacobian inside tidy is right');
  gw.dispose();
  t.equal(live(), baseline, 'hvp and grad of jacobian inside tidy: every intermediate freed');
  // grad outside any tidy: the intermediates are freed too, only the result remains
  const [g] = grad(f)(x);
  t.equal(live(), baseline + 1, 'grad alone leaves only its result');
  g.dispose();
  t.equal(live(), baseline);
  t.equal(badFrees(), 0, 'no storage freed twice');
});

t.test('aliases share storage, freed when the last one is disposed', async (t) => {
  const { backend, live, badFrees } = countingCpuBackend();
  const a = tensor([1, 2, 3, 4], [4], { dtype: 'float64', backend });
  const baseline = live();
  const r = rg.reshape(a, [2, 2]);
  const s = rg.stopGradient(a);
  t.equal(live(), baseline, 'reshape and stopGradient allocate nothing');
  a.dispose();
  t.same(r.toArray(), [[1, 2], [3, 4]], 'alias readable after the original is disposed');
  r.dispose();
  t.equal(live(), baseline, 'still held by the last alias');
  s.dispose();
  t.equal(live(), baseline - 1, 'freed with the last alias');
  s.dispose();
  t.equal(badFrees(), 0, 'disposing twice is harmless');
});

t.test('using a disposed tensor throws a clear error', async (t) => {
  const a = tensor([1, 2, 3], [3], f64);
  a.dispose();
  t.ok(a.isDisposed);
  t.throws(() => rg.exp(a), /exp: tensor #\d+ of shape \[3\] was disposed/);
  t.throws(() => a.dataSync(), /dataSync: tensor #\d+ of shape \[3\] was disposed/);
  t.throws(() => rg.add(a, 1), /add: tensor #\d+ of shape \[3\] was disposed/);
  t.throws(() => rg.matmul(rg.reshape(a, [3, 1]), rg.ones([1, 1])), /reshape: tensor #\d+ of shape \[3\] was disposed/);
  t.throws(() => grad((y) => rg.sum(y))(a), /grad: argument 0 \(tensor #\d+ of shape \[3\]\) was disposed/);
});

t.test('a failed grad leaves no tape open', async (t) => {
  const x = tensor([1, 2], [2], f64);
  t.throws(() => grad((_y: Tensor) => {
    throw new Error('inside f');
  })(x), /inside f/);
  t.throws(() => grad((y) => y)(x), /grad: the function must return a scalar/);
  const [g] = grad((y) => rg.sum(rg.square(y)))(x);
  t.same(Array.from(g.dataSync()), [2, 4], 'a later grad is unaffected');
  // and a later tidy frees normally (nothing held by a stale tape)
  let tmp: Tensor | undefined;
  tidy(() => {
    tmp = rg.exp(x);
    return undefined;
  });
  t.ok(tmp?.isDisposed);
});
