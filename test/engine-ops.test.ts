// Op behaviour the op table (test/conformance/op-table.ts, run on every backend by the
// conformance suites) does not cover: stability at large |x| and ±Infinity, exact derivatives at
// kinks, ties, comparisons, numbers mixed with tensors, layout and creation edge cases.

import t from 'tap';
import * as rg from '../index.js';
import { Rng, grad, hvp, tensor, type Tensor } from '../index.js';
import { checkGrads, checkValues, randTensor } from './helpers/numeric.js';
import { host, mapBinary, mapUnary, padRef, sliceRef, transposeRef } from './helpers/reference.js';

const rng = new Rng(20240601);


t.test('softplus, sigmoid, logSigmoid, logcosh stay finite and accurate at large |x|', async (t) => {
  const xs = [-800, -100, -40, -20, 20, 40, 100, 800];
  const x = tensor(xs, [xs.length], { dtype: 'float64' });
  const expected: Record<string, (v: number) => number> = {
    // the standard stable forms, evaluated in plain JS
    softplus: (v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))),
    sigmoid: (v) => (v > 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
    logSigmoid: (v) => (v > 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v))),
    logcosh: (v) => Math.abs(v) - Math.LN2 + Math.log1p(Math.exp(-2 * Math.abs(v))),
  };
  const derivative: Record<string, (v: number) => number> = {
    softplus: (v) => 1 / (1 + Math.exp(-v)),
    sigmoid: (v) => Math.exp(-Math.abs(v)) / (1 + Math.exp(-Math.abs(v))) ** 2,
    logSigmoid: (v) => 1 / (1 + Math.exp(v)),
    logcosh: Math.tanh,
  };
  for (const name of Object.keys(expected) as ('softplus' | 'sigmoid' | 'logSigmoid' | 'logcosh')[]) {
    const op = rg[name];
    const y = op(x).dataSync();
    const [g] = grad((z) => rg.sum(op(z)))(x);
    xs.forEach((v, i) => {
      const want = expected[name](v);
      const rel = Math.abs(y[i] - want) / Math.max(Math.abs(want), 1e-300);
      t.ok(Number.isFinite(y[i]) && rel < 1e-14, `${name}(${v}) = ${y[i]} ≈ ${want}`);
      const dWant = derivative[name](v);
      const dg = g.dataSync()[i];
      t.ok(Number.isFinite(dg) && Math.abs(dg - dWant) <= 1e-14 * Math.max(Math.abs(dWant), 1e-300) + 1e-300, `${name}'(${v}) = ${dg} ≈ ${dWant}`);
    });
  }
});

t.test('softplus, sigmoid, logSigmoid, logcosh at ±Infinity', async (t) => {
  const x = tensor([-Infinity, Infinity], [2], { dtype: 'float64' });
  t.same(Array.from(rg.softplus(x).dataSync()), [0, Infinity], 'softplus');
  t.same(Array.from(rg.sigmoid(x).dataSync()), [0, 1], 'sigmoid');
  t.same(Array.from(rg.logSigmoid(x).dataSync()), [-Infinity, -0], 'logSigmoid');
  t.same(Array.from(rg.logcosh(x).dataSync()), [Infinity, Infinity], 'logcosh');
});

t.test('softplus, sigmoid, logcosh have the right first and second derivatives at exactly 0', async (t) => {
  // A zero input is common (zero-initialised biases), so the kinks of |x| and max(x, 0) used for
  // stability must not leak into the derivatives there.
  const zero = tensor([0], [1], { dtype: 'float64' });
  const one = tensor([1], [1], { dtype: 'float64' });
  const cases: [string, (x: Tensor) => Tensor, number, number][] = [
    ['softplus', rg.softplus, 0.5, 0.25],
    ['sigmoid', rg.sigmoid, 0.25, 0],
    ['logSigmoid', rg.logSigmoid, 0.5, -0.25],
    ['logcosh', rg.logcosh, 0, 1],
  ];
  for (const [name, op, d1, d2] of cases) {
    const f = (x: Tensor): Tensor => rg.sum(op(x));
    t.ok(Math.abs(grad(f)(zero)[0].item() - d1) < 1e-15, `${name}'(0) = ${d1}`);
    t.ok(Math.abs(hvp(f)(zero, one).item() - d2) < 1e-15, `${name}''(0) = ${d2}`);
  }
});

t.test('numbers mix with tensors on either side', async (t) => {
  const x = randTensor(rng, [2, 3]);
  checkValues(t, 'x + 2', rg.add(x, 2), mapUnary(host(x), (v) => v + 2));
  checkValues(t, '2 - x', rg.sub(2, x), mapUnary(host(x), (v) => 2 - v));
  checkValues(t, '1 / x', rg.div(1, x), mapUnary(host(x), (v) => 1 / v));
  checkValues(t, 'x * 3', rg.mul(x, 3), mapUnary(host(x), (v) => v * 3));
});

t.test('comparisons and where', async (t) => {
  const a = randTensor(rng, [3, 1, 4]);
  const b = randTensor(rng, [2, 1]);
  checkValues(t, 'greater', rg.greater(a, b), mapBinary(host(a), host(b), (x, y) => (x > y ? 1 : 0)));
  checkValues(t, 'equal', rg.equal(a, a), mapUnary(host(a), () => 1));
  checkValues(t, 'equal (distinct)', rg.equal(a, rg.add(a, 1)), mapUnary(host(a), () => 0));
  const cond = rg.greater(a, 0);
  const x = randTensor(rng, [3, 2, 4]);
  const y = randTensor(rng, [4]);
  const expected = mapBinary(mapBinary(host(cond), host(x), (c, v) => c * v), host(y), () => 0);
  const condH = host(rg.broadcastTo(cond, [3, 2, 4]));
  const xH = host(x);
  const yH = host(rg.broadcastTo(y, [3, 2, 4]));
  expected.data = expected.data.map((_, i) => (condH.data[i] ? xH.data[i] : yH.data[i]));
  checkValues(t, 'where', rg.where(cond, x, y), expected);
  checkGrads(t, 'where', (u, v) => rg.where(cond, u, v), [x, y]);
  const [gc] = grad((c) => rg.sum(rg.greater(c, 0)))(a);
  t.same(Array.from(gc.dataSync()), new Array(12).fill(0), 'greater has zero gradient');
});

t.test('maximum and max send the gradient to a single winner on distinct values', async (t) => {
  const a = tensor([1, 5, 3], [3], { dtype: 'float64' });
  const b = tensor([2, 4, 3.5], [3], { dtype: 'float64' });
  const [ga, gb] = grad((x, y) => rg.sum(rg.maximum(x, y)))(a, b);
  t.same(Array.from(ga.dataSync()), [0, 1, 0]);
  t.same(Array.from(gb.dataSync()), [1, 0, 1]);
  const [gt] = grad((x) => rg.max(x))(tensor([1, 7, 7, 2], [4], { dtype: 'float64' }));
  t.same(Array.from(gt.dataSync()), [0, 0.5, 0.5, 0], 'ties share the gradient equally');
});

t.test('logsumexp is stable for large inputs', async (t) => {
  const x = tensor([[1000, 1001, 999], [-1000, -1001, -999]], undefined, { dtype: 'float64' });
  const out = rg.logsumexp(x, 1).dataSync();
  const tail = Math.log(1 + Math.exp(-1) + Math.exp(-2));
  t.ok(Math.abs(out[0] - (1001 + tail)) < 1e-12, `logsumexp of ~1000: ${out[0]}`);
  t.ok(Math.abs(out[1] - (-999 + tail)) < 1e-12, `logsumexp of ~-1000: ${out[1]}`);
  const [g] = grad((y) => rg.sum(rg.logsumexp(y, 1)))(x);
  const soft = [Math.exp(-1), 1, Math.exp(-2)].map((v) => v / (1 + Math.exp(-1) + Math.exp(-2)));
  const gd = g.dataSync();
  t.ok(soft.every((v, i) => Math.abs(gd[i] - v) < 1e-15 && Math.abs(gd[3 + [0, 2, 1][i]] - v) < 1e-15), 'gradient is the softmax');
});

t.test('layout ops: reshape, transpose, broadcastTo, slice, pad, concat, stack, cast', async (t) => {
  const x = randTensor(rng, [2, 3, 4]);
  const xh = host(x);
  // reshape (with an inferred axis)
  checkValues(t, 'reshape [6,4]', rg.reshape(x, [6, 4]), { data: xh.data, shape: [6, 4] }, 0);
  checkValues(t, 'reshape [-1,2]', rg.reshape(x, [-1, 2]), { data: xh.data, shape: [12, 2] }, 0);
  checkGrads(t, 'reshape', (y) => rg.reshape(y, [4, 3, 2]), [x]);
  // transpose
  for (const perm of [[0, 2, 1], [2, 0, 1], [1, 2, 0], [2, 1, 0]]) {
    checkValues(t, `transpose [${perm}]`, rg.transpose(x, perm), transposeRef(xh, perm), 0);
    checkGrads(t, `transpose [${perm}]`, (y) => rg.transpose(y, perm), [x]);
  }
  checkValues(t, 'transpose default reverses', rg.transpose(x), transposeRef(xh, [2, 1, 0]), 0);
  checkValues(t, 'swapLastAxes', rg.swapLastAxes(x), transposeRef(xh, [0, 2, 1]), 0);
  checkValues(t, 'tensor.T', x.T, transposeRef(xh, [2, 1, 0]), 0);
  // broadcastTo (the expand primitive)
  const b = randTensor(rng, [3, 1]);
  checkValues(t, 'broadcastTo', rg.broadcastTo(b, [2, 3, 4]), mapBinary(host(b), { data: new Float64Array(24), shape: [2, 3, 4] }, (u) => u), 0);
  checkGrads(t, 'broadcastTo', (y) => rg.broadcastTo(y, [2, 3, 4]), [b]);
  // slice
  // one run of memory (the whole, rows of one leading index, a single innermost run) and strided blocks
  // (a middle axis of size 1 under a whole leading axis is not one run)
  const boxes: [number[], number[]][] = [
    [[0, 0, 0], [2, 3, 4]], [[1, 1, 0], [1, 2, 4]], [[1, 2, 1], [1, 1, 3]], [[0, 2, 1], [2, 1, 2]], [[1, 0, 3], [1, 3, 1]],
    [[0, 1, 0], [2, 1, 4]], [[1, 1, 1], [1, 2, 3]],
  ];
  for (const [begin, size] of boxes) {
    checkValues(t, `slice ${begin}/${size}`, rg.slice(x, begin, size), sliceRef(xh, begin, size), 0);
    checkGrads(t, `slice ${begin}/${size}`, (y) => rg.slice(y, begin, size), [x]);
  }
  checkValues(t, 'slice with -1 size', rg.slice(x, [1, 1, 2], [-1, 1, -1]), sliceRef(xh, [1, 1, 2], [1, 1, 2]), 0);
  // pad
  const before = [1, 0, 2];
  const after = [0, 2, 1];
  checkValues(t, 'pad', rg.pad(x, before, after), padRef(xh, before, after), 0);
  checkGrads(t, 'pad', (y) => rg.pad(y, before, after), [x]);
  // concat along each axis, stack
  const y = randTensor(rng, [2, 3, 4]);
  const z = randTensor(rng, [2, 2, 4]);
  const cat1 = rg.concat([x, z], 1);
  checkValues(t, 'concat axis 1 (first part)', rg.slice(cat1, [0, 0, 0], [2, 3, 4]), xh, 0);
  checkValues(t, 'concat axis 1 (second part)', rg.slice(cat1, [0, 3, 0], [2, 2, 4]), host(z), 0);
  for (const axis of [0, 2, -1]) {
    const cat = rg.concat([x, y], axis);
    const ax = axis < 0 ? 3 + axis : axis;
    const second = [0, 0, 0];
    second[ax] = x.shape[ax];
    checkValues(t, `concat axis ${axis}`, rg.slice(cat, second, [...y.shape]), host(y), 0);
    checkGrads(t, `concat axis ${axis}`, (u, v) => rg.concat([u, v], axis), [x, y]);
  }
  checkGrads(t, 'concat of three along axis 1', (u, v, w) => rg.concat([u, v, w], 1), [x, z, y]);
  const st = rg.stack([x, y]);
  t.same([...st.shape], [2, 2, 3, 4], 'stack adds a leading axis');
  checkValues(t, 'stack [1]', rg.reshape(rg.slice(st, [1, 0, 0, 0], [1, 2, 3, 4]), [2, 3, 4]), host(y), 0);
  checkGrads(t, 'stack', (u, v) => rg.stack([u, v]), [x, y]);
  // cast
  const f32 = rg.cast(x, 'float32');
  t.equal(f32.dtype, 'float32');
  checkValues(t, 'cast to float32', f32, mapUnary(xh, Math.fround), 0);
  checkValues(t, 'cast back to float64', rg.cast(f32, 'float64'), mapUnary(xh, Math.fround), 0);
  t.equal(rg.cast(x, 'float64'), x, 'cast to the same dtype is the identity');
  const [gc] = grad((u) => rg.sum(rg.mul(rg.cast(rg.cast(u, 'float32'), 'float64'), u)))(x);
  t.equal(gc.dtype, 'float64', 'gradient through a cast has the input dtype');
  // d/du [c(u)·u] with c = float32 round trip: c(u) directly, plus u's cotangent rounded to float32
  checkValues(t, 'gradient through cast', gc, mapUnary(xh, (v) => 2 * Math.fround(v)), 1e-15);
});

t.test('tensor creation: nested arrays, typed arrays, ndarrays, constants', async (t) => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  t.same([...a.shape], [2, 3]);
  t.equal(a.dtype, 'float64', 'the CPU default dtype is float64');
  t.same(a.toArray(), [[1, 2, 3], [4, 5, 6]]);
  const f = tensor(new Float32Array([1.5, 2.5]));
  t.equal(f.dtype, 'float32', 'a Float32Array keeps its dtype');
  const nd = { data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [3, 2], stride: [1, 3], offset: 0 };
  t.same(rg.fromNdarray(nd).toArray(), [[1, 4], [2, 5], [3, 6]], 'strided ndarray is read through its strides');
  t.same(rg.eye(2).toArray(), [[1, 0], [0, 1]]);
  t.same(rg.full([2], 7).toArray(), [7, 7]);
  t.same(rg.zeros([2]).toArray(), [0, 0]);
  t.same(rg.ones([1, 2]).toArray(), [[1, 1]]);
  t.equal(rg.scalar(3).item(), 3);
  t.same(a.toNdarray().stride, [3, 1]);
});
