// Autodiff transforms: second order (hvp, grad of grad, jacobian, gradients of functions that
// call jacobian), customGrad, stopGradient, vjp, valueAndGrad, several and repeated arguments.
// References are central finite differences in float64 or closed forms.

import t from 'tap';
import * as rg from '../index.js';
import { Rng, customGrad, grad, hvp, jacobian, stopGradient, tensor, valueAndGrad, vjp, type Tensor } from '../index.js';
import { checkGrads, checkValues, maxRelErr, numericGrad, numericJacobian, randTensor, randWellConditioned } from './helpers/numeric.js';
import { host, mapUnary } from './helpers/reference.js';

const rng = new Rng(31337);

/** A smooth scalar test function of x [n] mixing most op families. */
function mixed(w: Tensor): (x: Tensor) => Tensor {
  return (x) => {
    const h = rg.tanh(rg.reshape(rg.matmul(w, rg.reshape(x, [-1, 1])), [-1]));
    return rg.add(rg.add(rg.sum(rg.square(h)), rg.logsumexp(rg.mul(x, h))), rg.mean(rg.softplus(rg.mul(x, x))));
  };
}

t.test('hvp matches finite differences of the gradient', async (t) => {
  const n = 5;
  const w = randTensor(rng, [n, n]);
  const f = mixed(w);
  for (let trial = 0; trial < 3; trial++) {
    const x = randTensor(rng, [n]);
    const v = randTensor(rng, [n]);
    const hv = hvp(f)(x, v);
    // (∇f(x + hv) - ∇f(x - hv)) / 2h, as a function of the scalar step
    const step = tensor([0], [1]);
    const gradAlong = (s: Tensor): Tensor => grad(f)(rg.add(x, rg.mul(v, s)))[0];
    const numeric = numericJacobian(gradAlong, step).data;
    const err = maxRelErr(hv.dataSync(), numeric);
    t.ok(err < 1e-7, `H·v vs finite differences of ∇f (rel err ${err.toExponential(2)})`);
  }
  // a quadratic has H = A + Aᵀ exactly
  const a = randTensor(rng, [n, n]);
  const quad = (x: Tensor): Tensor => rg.sum(rg.mul(rg.reshape(x, [1, n]), rg.reshape(rg.matmul(a, rg.reshape(x, [n, 1])), [1, n])));
  const x = randTensor(rng, [n]);
  const v = randTensor(rng, [n]);
  const ah = host(a);
  const expected = Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += (ah.data[i * n + j] + ah.data[j * n + i]) * v.dataSync()[j];
    return s;
  });
  t.ok(maxRelErr(hvp(quad)(x, v).dataSync(), expected) < 1e-14, 'quadratic form: H·v = (A + Aᵀ)v');
});

t.test('grad(grad(f)) and grad(grad(grad(f))) of a scalar function of a scalar', async (t) => {
  // f(x) = exp(x)·tanh(x) + x³/3 - log(x)
  const f = (x: Tensor): Tensor => rg.sub(rg.add(rg.mul(rg.exp(x), rg.tanh(x)), rg.div(rg.mul(x, rg.square(x)), 3)), rg.log(x));
  const d1 = (x: Tensor): Tensor => grad(f)(x)[0];
  const d2 = (x: Tensor): Tensor => grad(d1)(x)[0];
  const d3 = (x: Tensor): Tensor => grad(d2)(x)[0];
  for (const v of [0.3, 1.1, 2.5]) {
    const x = tensor([v], []);
    const e = Math.exp(v);
    const th = Math.tanh(v);
    const s2 = 1 - th * th; // sech²
    const exact1 = e * th + e * s2 + v * v - 1 / v;
    const exact2 = e * th + 2 * e * s2 - 2 * e * s2 * th + 2 * v + 1 / (v * v);
    t.ok(Math.abs(d1(x).item() - exact1) < 1e-13 * Math.abs(exact1), `f'(${v})`);
    t.ok(Math.abs(d2(x).item() - exact2) < 1e-13 * Math.abs(exact2), `f''(${v})`);
    const num2 = numericGrad(d1, x)[0];
    t.ok(Math.abs(d2(x).item() - num2) < 1e-7 * Math.abs(exact2), `f''(${v}) vs finite differences of f'`);
    const num3 = numericGrad(d2, x)[0];
    t.ok(Math.abs(d3(x).item() - num3) < 1e-7 * Math.max(1, Math.abs(num3)), `f'''(${v}) vs finite differences of f''`);
  }
});

t.test('jacobian matches a numeric Jacobian, with [...out, ...in] shape', async (t) => {
  const w = randTensor(rng, [3, 4]);
  const b = randTensor(rng, [3]);
  const vecF = (x: Tensor): Tensor => rg.add(rg.tanh(rg.reshape(rg.matmul(w, rg.reshape(x, [4, 1])), [3])), rg.mul(b, rg.sum(rg.square(x))));
  const x = randTensor(rng, [4]);
  const j = jacobian(vecF)(x);
  t.same([...j.shape], [3, 4], 'vector → vector: [3, 4]');
  const num = numericJacobian(vecF, x);
  t.ok(maxRelErr(j.dataSync(), num.data) < 1e-8, 'vector → vector values');
  // matrix output [2, 3] of a matrix input [3, 2]: J has shape [2, 3, 3, 2]
  const c = randTensor(rng, [2, 2]);
  const matF = (m: Tensor): Tensor => rg.mul(rg.exp(rg.matmul(c, rg.tanh(m), { transB: true })), 0.5);
  // c [2,2] · tanh(m)ᵀ [2,3]
  const m = randTensor(rng, [3, 2]);
  const jm = jacobian(matF)(m);
  t.same([...jm.shape], [2, 3, 3, 2], 'matrix [3,2] → matrix [2,3]: [2, 3, 3, 2]');
  t.ok(maxRelErr(jm.dataSync(), numericJacobian(matF, m).data) < 1e-8, 'matrix → matrix values');
  // the identity's Jacobian is I (the seed reaches the leaf unchanged)
  const ji = jacobian((y: Tensor) => y)(x);
  t.same(ji.toArray(), [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0))), 'jacobian of the identity is I');
  const jc = jacobian((y: Tensor) => rg.mul(rg.ones([2], { dtype: 'float64' }), rg.scalar(3, { dtype: 'float64' })))(x);
  t.same(Array.from(jc.dataSync()), new Array(8).fill(0), 'jacobian of a constant is zero');
  // scalar output gives the gradient's shape; argnum picks the argument
  const js = jacobian((p: Tensor, q: Tensor) => rg.sum(rg.mul(p, q)), 1)(x, rg.mul(x, 2));
  t.same([...js.shape], [4], 'scalar output: J has the input shape');
  checkValues(t, 'argnum = 1', js, host(x));
});

t.test('the gradient of log|det J| of a jacobian (the flow baseline) matches finite differences', async (t) => {
  // y(x) = tanh(Wx + b); log|det ∂y/∂x| = Σ log(1 - tanh²(Wx + b)) + log|det W|
  const n = 4;
  const x = randTensor(rng, [n], { scale: 0.5 });
  const layer = (w: Tensor, b: Tensor) => (v: Tensor): Tensor =>
    rg.tanh(rg.add(rg.reshape(rg.matmul(w, rg.reshape(v, [n, 1])), [n]), b));
  const logDetJ = (w: Tensor, b: Tensor): Tensor => rg.logAbsDet(jacobian(layer(w, b))(x));
  const w = randWellConditioned(rng, [n, n]);
  const b = randTensor(rng, [n], { scale: 0.3 });
  // value against the closed form
  const z = rg.add(rg.reshape(rg.matmul(w, rg.reshape(x, [n, 1])), [n]), b);
  const closed = rg.add(rg.sum(rg.log(rg.sub(1, rg.square(rg.tanh(z))))), rg.logAbsDet(w)).item();
  t.ok(Math.abs(logDetJ(w, b).item() - closed) < 1e-12, 'value: Σ log(1 - tanh²) + log|det W|');
  checkGrads(t, 'd log|det J| / d(W, b)', logDetJ, [w, b]);
  // and the same through valueAndGrad with several outputs of jacobian batched (K = n)
  const { value, grads } = valueAndGrad(logDetJ)(w, b);
  t.ok(Math.abs(value.item() - closed) < 1e-12, 'valueAndGrad value');
  t.equal(grads.length, 2);
  // second order through it: H·v w.r.t. b by finite differences of the gradient
  const v = randTensor(rng, [n]);
  const hv = hvp((bb: Tensor) => logDetJ(w, bb))(b, v);
  const step = tensor([0], [1]);
  const num = numericJacobian((s) => grad((bb: Tensor) => logDetJ(w, bb))(rg.add(b, rg.mul(v, s)))[0], step).data;
  t.ok(maxRelErr(hv.dataSync(), num) < 1e-7, 'H·v through jacobian matches finite differences');
});

t.test('customGrad: value, the custom gradient is used, K > 1 inside jacobian, second order', async (t) => {
  const x = randTensor(rng, [4]);
  // forward x², backward claims 3·x·g (deliberately not the true 2x) to prove it is used
  const sq = customGrad((a) => rg.square(a), (g, [a]) => [rg.mul(rg.mul(g, a), 3)]);
  checkValues(t, 'value', sq(x), mapUnary(host(x), (v) => v * v));
  const [g] = grad((a) => rg.sum(sq(a)))(x);
  checkValues(t, 'the custom backward is used', g, mapUnary(host(x), (v) => 3 * v));
  // inside jacobian the cotangent batch K = 4 is split row by row
  const j = jacobian(sq)(x);
  const xs = x.dataSync();
  const diag = Array.from({ length: 16 }, (_, i) => (Math.floor(i / 4) === i % 4 ? 3 * xs[i % 4] : 0));
  t.ok(maxRelErr(j.dataSync(), diag) < 1e-15, 'jacobian through customGrad is diag(3x)');
  // composed with ordinary ops on both sides, K > 1
  const w = randTensor(rng, [3, 4]);
  // a correct custom rule (forward 1.5x², backward 3x·g) composed with ordinary ops on both
  // sides, inside jacobian (K = 3) against finite differences of the forward values
  const sq15 = customGrad((a) => rg.mul(rg.square(a), 1.5), (gg, [a]) => [rg.mul(rg.mul(gg, a), 3)]);
  const composed = (a: Tensor): Tensor => rg.tanh(rg.reshape(rg.matmul(w, rg.reshape(sq15(rg.mul(a, 0.5)), [4, 1])), [3]));
  const errK = maxRelErr(jacobian(composed)(x).dataSync(), numericJacobian(composed, x).data);
  t.ok(errK < 1e-8, `custom rule composed inside jacobian (K = 3), rel err ${errK.toExponential(2)}`);
  // the backward is recorded: its own derivative is available (d/dx of 3x·g is 3g)
  const hv = hvp((a) => rg.sum(sq(a)))(x, rg.ones([4]));
  checkValues(t, 'second order through the custom backward', hv, mapUnary(host(x), () => 3));
  // a null gradient means zero for that input; two inputs
  const scaled = customGrad((a, s) => rg.mul(a, s), (gg, [, s]) => [rg.mul(gg, s), null]);
  const s = tensor([2.5], [1]);
  const [ga, gs] = grad((a, ss) => rg.sum(scaled(a, ss)))(x, s);
  checkValues(t, 'first input', ga, mapUnary(host(x), () => 2.5));
  t.same(Array.from(gs.dataSync()), [0], 'null gradient gives zeros');
  t.throws(() => grad((a) => rg.sum(customGrad((y) => rg.exp(y), () => [])(a)))(x), /customGrad: backward returned 0 gradients for 1 inputs/);
  t.throws(() => grad((a) => rg.sum(customGrad((y) => rg.exp(y), (gg) => [rg.sum(gg)])(a)))(x), /customGrad: gradient 0 has shape \[\], input has \[4\]/);
});

t.test('stopGradient blocks the gradient but keeps the value', async (t) => {
  const x = randTensor(rng, [3]);
  checkValues(t, 'value', stopGradient(x), host(x), 0);
  const [g] = grad((a) => rg.sum(rg.mul(a, stopGradient(a))))(x);
  checkValues(t, 'd/dx Σ x·sg(x) = sg(x)', g, host(x), 0);
  const [g0] = grad((a) => rg.sum(stopGradient(rg.exp(a))))(x);
  t.same(Array.from(g0.dataSync()), [0, 0, 0], 'fully stopped: zero gradient');
});

t.test('vjp: value, cotangent products, several primals', async (t) => {
  const a = randTensor(rng, [2, 3]);
  const b = randTensor(rng, [3]);
  const f = (p: Tensor, q: Tensor): Tensor => rg.mul(rg.tanh(p), rg.exp(q));
  const { value, vjp: pullback, dispose } = vjp(f, a, b);
  // reference: tanh(a[i,j])·exp(b[j]) by a host loop
  const ha = host(a).data;
  const hb = host(b).data;
  checkValues(t, 'value', value, { data: Float64Array.from(ha, (v, i) => Math.tanh(v) * Math.exp(hb[i % 3])), shape: [2, 3] }, 1e-15);
  const c = randTensor(rng, [2, 3]);
  const [ga, gb] = pullback(c);
  const ja = numericJacobian((p) => f(p, b), a).data;
  const jb = numericJacobian((q) => f(a, q), b).data;
  const cd = Array.from(c.dataSync());
  const expectA = Array.from({ length: 6 }, (_, i) => cd.reduce((s, cv, o) => s + cv * ja[o * 6 + i], 0));
  const expectB = Array.from({ length: 3 }, (_, i) => cd.reduce((s, cv, o) => s + cv * jb[o * 3 + i], 0));
  t.ok(maxRelErr(ga.dataSync(), expectA) < 1e-8, 'cᵀ ∂f/∂a');
  t.ok(maxRelErr(gb.dataSync(), expectB) < 1e-8, 'cᵀ ∂f/∂b');
  // the pullback can be called again with another cotangent
  const [ga2] = pullback(rg.mul(c, 2));
  t.ok(maxRelErr(ga2.dataSync(), expectA.map((v) => 2 * v)) < 1e-8, 'a second cotangent');
  t.throws(() => pullback(b), /vjp: cotangent of shape \[3\] does not match the output \[2,3\]/);
  dispose();
  t.notOk(a.isDisposed || b.isDisposed, 'dispose leaves the primals alive');
  t.notOk(value.isDisposed, 'and the value');
});

t.test('vjp.dispose leaves tensors the function closed over alive', async (t) => {
  const w = randTensor(rng, [3]);
  const x = randTensor(rng, [3]);
  const { vjp: pullback, dispose } = vjp((p) => rg.mul(p, w), x);
  pullback(rg.ones([3])).forEach((g) => g.dispose());
  dispose();
  t.notOk(w.isDisposed, 'the closed-over weight is still usable');
  t.doesNotThrow(() => w.dataSync());
});

t.test('valueAndGrad and grad with several arguments, repeated arguments, unused arguments', async (t) => {
  const a = randTensor(rng, [2, 2]);
  const b = randTensor(rng, [2, 2]);
  const f = (p: Tensor, q: Tensor): Tensor => rg.sum(rg.mul(rg.matmul(p, q), p));
  const { value, grads } = valueAndGrad(f)(a, b);
  // reference: Σ_ij (a·b)_ij a_ij by host loops
  const [ha, hb] = [host(a).data, host(b).data];
  let want = 0;
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) want += (ha[i * 2] * hb[j] + ha[i * 2 + 1] * hb[2 + j]) * ha[i * 2 + j];
  t.ok(Math.abs(value.item() - want) <= 1e-14 * Math.max(1, Math.abs(want)), `value ${value.item()} vs host ${want}`);
  checkGrads(t, 'f(a, b)', f, [a, b]);
  t.same([...grads[0].shape], [2, 2]);
  // the same tensor twice: each slot gets its own partial derivative
  const [g1, g2] = grad((p, q) => rg.sum(rg.mul(p, rg.exp(q))))(a, a);
  checkValues(t, 'same tensor twice, slot 0 = exp(a)', g1, mapUnary(host(a), Math.exp));
  checkValues(t, 'same tensor twice, slot 1 = a·exp(a)', g2, mapUnary(host(a), (v) => v * Math.exp(v)));
  // an argument the function ignores gets zeros of its shape
  const [, gUnused] = grad((p, _q) => rg.sum(p))(a, randTensor(rng, [3]));
  t.same(Array.from(gUnused.dataSync()), [0, 0, 0], 'unused argument: zeros');
  // a constant function: zero gradient
  const [gConst] = grad((_p: Tensor) => rg.scalar(1))(a);
  t.same(Array.from(gConst.dataSync()), [0, 0, 0, 0]);
  // the function may return its argument (a one-element tensor)
  const [gId] = grad((p) => p)(tensor([3], [1]));
  t.same(Array.from(gId.dataSync()), [1], 'identity');
  // float32 in, float32 gradient out
  const a32 = rg.cast(a, 'float32');
  const [g32] = grad((p) => rg.sum(rg.square(p)))(a32);
  t.equal(g32.dtype, 'float32');
  checkValues(t, 'float32 gradient', g32, mapUnary(host(a32), (v) => 2 * v), 1e-7);
});
