// Issue 12, "Also": a property-based test of the engine. Seeded random shapes and NumPy broadcasts
// for every public op family; each case checks the result's shape and values against a naive
// host reference, the gradient against float64 central differences, and that a shape error for
// incompatible inputs names the op the caller used. The generator is the project's Rng (no
// dependency), so a failing case is replayed by its printed seed.
import t from 'tap';
import * as rg from '../../index.js';
import { Rng, type Tensor } from '../../index.js';
import { checkGrads, checkValues, randTensor, randWellConditioned } from '../helpers/numeric.js';
import {
  host, invRef, mapBinary, mapUnary, matmulRef, padRef, reduceAxes, sliceRef, slogdetRef, solveRef, transposeRef, type HostArray,
} from '../helpers/reference.js';

const TRIALS = 6;

/** A random shape: rank 0..maxRank, dimensions 1..maxDim. */
function randShape(rng: Rng, maxRank = 3, maxDim = 3): number[] {
  return Array.from({ length: rng.int(maxRank + 1) }, () => 1 + rng.int(maxDim));
}

/** An operand shape that broadcasts to `out`: leading axes dropped, some dimensions set to 1. */
function broadcastable(rng: Rng, out: readonly number[]): number[] {
  const drop = rng.int(out.length + 1);
  return out.slice(drop).map((d) => (rng.uniform() < 0.3 ? 1 : d));
}

/** A shape that cannot broadcast with `a`: one axis of `a` (size ≥ 2) changed to another size ≥ 2. */
function incompatible(rng: Rng, a: readonly number[]): number[] | null {
  const axes = a.map((d, i) => (d >= 2 ? i : -1)).filter((i) => i >= 0);
  if (axes.length === 0) return null;
  const ax = axes[rng.int(axes.length)];
  return a.map((d, i) => (i === ax ? d + 1 : d));
}

const pos = (rng: Rng, shape: readonly number[]): Tensor => randTensor(rng, shape, { uniform: [0.5, 2] });
const away = (rng: Rng, shape: readonly number[]): Tensor => {
  const x = randTensor(rng, shape, { uniform: [0.5, 2] });
  const sign = randTensor(rng, shape, { uniform: [0, 1] });
  return rg.tidy(() => rg.mul(x, rg.sub(rg.mul(rg.greater(sign, 0.5), 2), 1)));
};

type Binary = [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number, (rng: Rng, s: number[]) => Tensor];
const BINARY: Binary[] = [
  ['add', rg.add, (x, y) => x + y, (r, s) => randTensor(r, s)],
  ['sub', rg.sub, (x, y) => x - y, (r, s) => randTensor(r, s)],
  ['mul', rg.mul, (x, y) => x * y, (r, s) => randTensor(r, s)],
  ['div', rg.div, (x, y) => x / y, away],
  ['maximum', rg.maximum, Math.max, (r, s) => randTensor(r, s)],
  ['minimum', rg.minimum, Math.min, (r, s) => randTensor(r, s)],
];

t.test('binary ops: broadcast shapes, values, gradients, and errors that name the op', async (t) => {
  for (const [name, op, ref, second] of BINARY) {
    for (let trial = 0; trial < TRIALS; trial++) {
      const seed = 1000 * BINARY.findIndex((b) => b[0] === name) + trial;
      const rng = new Rng(seed);
      const out = randShape(rng);
      const a = randTensor(rng, broadcastable(rng, out));
      const b = second(rng, broadcastable(rng, out));
      const label = `${name} ${JSON.stringify(a.shape)} ${JSON.stringify(b.shape)} (seed ${seed})`;
      const y = op(a, b);
      checkValues(t, label, y, mapBinary(host(a), host(b), ref));
      checkGrads(t, label, op, [a, b], { tol: 1e-6 });
      const bad = incompatible(rng, a.shape);
      if (bad !== null) {
        const c = second(rng, bad);
        t.throws(() => op(a, c), new RegExp(`^${name}: shapes \\[${a.shape.join(',')}\\] and \\[${bad.join(',')}\\] cannot be broadcast`), `${label}: error names ${name}`);
      }
    }
  }
});

type Unary = [string, (x: Tensor) => Tensor, (x: number) => number, (rng: Rng, s: number[]) => Tensor];
const softplusRef = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const UNARY: Unary[] = [
  ['neg', rg.neg, (x) => -x, (r, s) => randTensor(r, s)],
  ['exp', rg.exp, Math.exp, (r, s) => randTensor(r, s)],
  ['log', rg.log, Math.log, pos],
  ['log1p', rg.log1p, Math.log1p, pos],
  ['tanh', rg.tanh, Math.tanh, (r, s) => randTensor(r, s)],
  ['abs', rg.abs, Math.abs, away],
  ['sqrt', rg.sqrt, Math.sqrt, pos],
  ['reciprocal', rg.reciprocal, (x) => 1 / x, away],
  ['square', rg.square, (x) => x * x, (r, s) => randTensor(r, s)],
  ['relu', rg.relu, (x) => Math.max(x, 0), away],
  ['sigmoid', rg.sigmoid, (x) => 1 / (1 + Math.exp(-x)), (r, s) => randTensor(r, s, { scale: 3 })],
  ['softplus', rg.softplus, softplusRef, (r, s) => randTensor(r, s, { scale: 3 })],
  ['logSigmoid', rg.logSigmoid, (x) => -softplusRef(-x), (r, s) => randTensor(r, s, { scale: 3 })],
  ['logcosh', rg.logcosh, (x) => Math.log(Math.cosh(x)), (r, s) => randTensor(r, s, { scale: 2 })],
];

t.test('unary ops: any shape, values and gradients', async (t) => {
  UNARY.forEach(([name, op, ref, input], k) => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const seed = 50_000 + 100 * k + trial;
      const rng = new Rng(seed);
      const x = input(rng, randShape(rng));
      const label = `${name} ${JSON.stringify(x.shape)} (seed ${seed})`;
      checkValues(t, label, op(x), mapUnary(host(x), ref), 1e-12);
      checkGrads(t, label, op, [x], { tol: 1e-6 });
    }
  });
});

type Reduction = [string, (x: Tensor, axes: number[], keep: boolean) => Tensor, (a: HostArray, axes: number[], keep: boolean) => HostArray];
const REDUCTIONS: Reduction[] = [
  ['sum', rg.sum, (a, ax, k) => reduceAxes(a, ax, k, 0, (s, v) => s + v)],
  ['mean', rg.mean, (a, ax, k) => {
    const s = reduceAxes(a, ax, k, 0, (acc, v) => acc + v);
    const n = ax.reduce((p, i) => p * a.shape[i], 1);
    return { data: s.data.map((v) => v / n), shape: s.shape };
  }],
  ['max', rg.max, (a, ax, k) => reduceAxes(a, ax, k, -Infinity, Math.max)],
  ['logsumexp', rg.logsumexp, (a, ax, k) => {
    const m = reduceAxes(a, ax, true, -Infinity, Math.max);
    const e = reduceAxes({ data: a.data.map((v, i) => Math.exp(v - m.data[mIndex(i, a.shape, m.shape)])), shape: a.shape }, ax, k, 0, (s, v) => s + v);
    return { data: e.data.map((v, i) => Math.log(v) + m.data[i]), shape: e.shape };
  }],
];

/** Index into the keep-dims reduction `kept` of the element i of an array of `shape`. */
function mIndex(i: number, shape: readonly number[], kept: readonly number[]): number {
  let rest = i;
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = rest % shape[a];
    rest = Math.floor(rest / shape[a]);
  }
  return idx.reduce((acc, v, a) => acc * kept[a] + (kept[a] === 1 ? 0 : v), 0);
}

t.test('reductions: random axes and keepDims, values, gradients, and axis errors', async (t) => {
  REDUCTIONS.forEach(([name, op, ref], k) => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const seed = 70_000 + 100 * k + trial;
      const rng = new Rng(seed);
      const shape = randShape(rng, 3, 3).map((d) => d + 1); // ties in max have no derivative: dims ≥ 2 of continuous values
      const x = randTensor(rng, shape);
      const axes = shape.map((_, i) => i).filter(() => rng.uniform() < 0.5);
      const keep = rng.uniform() < 0.5;
      const label = `${name} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}${keep ? ' keepDims' : ''} (seed ${seed})`;
      checkValues(t, label, op(x, axes, keep), ref(host(x), axes, keep), 1e-12);
      if (axes.length > 0) checkGrads(t, label, (y) => op(y, axes, keep), [x], { tol: 1e-6 });
      t.throws(() => op(x, [shape.length], keep), new RegExp(`^${name}: axis ${shape.length} is out of range for a tensor of rank ${shape.length}`), `${label}: axis error names ${name}`);
    }
  });
});

t.test('layout and products: transpose, reshape, concat, stack, matmul', async (t) => {
  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = 90_000 + trial;
    const rng = new Rng(seed);
    const shape = randShape(rng, 3, 3);
    const x = randTensor(rng, shape);
    const perm = rng.permutation(shape.length);
    const p = Array.from(perm);
    checkValues(t, `transpose ${JSON.stringify(shape)} ${JSON.stringify(p)} (seed ${seed})`, rg.transpose(x, p), transposeRef(host(x), p));
    checkGrads(t, `transpose (seed ${seed})`, (y) => rg.transpose(y, p), [x]);
    const flat = rg.reshape(x, [-1]);
    t.same(Array.from(flat.dataSync()), Array.from(x.dataSync()), `reshape [-1] keeps row-major order (seed ${seed})`);
    t.throws(() => rg.reshape(x, [x.size + 1]), /^reshape: cannot reshape/, 'reshape error names reshape');

    // concat along a random axis: pieces differ only there
    const cshape = randShape(rng, 3, 3);
    if (cshape.length > 0) {
      const ax = rng.int(cshape.length);
      const other = cshape.map((d, i) => (i === ax ? 1 + rng.int(3) : d));
      const a = randTensor(rng, cshape);
      const b = randTensor(rng, other);
      const c = rg.concat([a, b], ax);
      t.same(c.shape, cshape.map((d, i) => (i === ax ? d + other[ax] : d)), `concat shape (seed ${seed})`);
      checkGrads(t, `concat axis ${ax} (seed ${seed})`, (u, v) => rg.concat([u, v], ax), [a, b]);
      const wrong = cshape.map((d, i) => (i !== ax ? d + 1 : d));
      if (cshape.length > 1) t.throws(() => rg.concat([a, randTensor(rng, wrong)], ax), /^concat: /, 'concat error names concat');
      t.throws(() => rg.stack([a, randTensor(rng, other.map((d) => d + 1))]), /^stack: tensor 1 has shape/, 'stack error names stack');
      const s = rg.stack([a, a]);
      t.same(s.shape, [2, ...cshape], `stack shape (seed ${seed})`);
    }

    // matmul with broadcast batch axes
    const [m, k, n] = [1 + rng.int(3), 1 + rng.int(3), 1 + rng.int(3)];
    const batch = randShape(rng, 2, 2);
    const A = randTensor(rng, [...broadcastable(rng, batch), m, k]);
    const B = randTensor(rng, [...broadcastable(rng, batch), k, n]);
    const label = `matmul ${JSON.stringify(A.shape)} x ${JSON.stringify(B.shape)} (seed ${seed})`;
    checkValues(t, label, rg.matmul(A, B), matmulRef(host(A), host(B)));
    checkGrads(t, label, (u, v) => rg.matmul(u, v), [A, B], { tol: 1e-6 });
    const C = randTensor(rng, [k + 1, n]);
    t.throws(() => rg.matmul(A, C), /^matmul: .*inner dimensions/, `${label}: inner mismatch names matmul`);
  }
});

t.test('slice, pad, broadcastTo, where, softmax and the LU family', async (t) => {
  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = 110_000 + trial;
    const rng = new Rng(seed);
    const drawn = randShape(rng, 3, 4).map((d) => d + 1);
    const shape = drawn.length > 0 ? drawn : [2]; // slice boxes and softmax axes need rank ≥ 1
    const x = randTensor(rng, shape);
    // a random box inside x, and random pads
    const begin = shape.map((d) => rng.int(d));
    const size = shape.map((d, i) => 1 + rng.int(d - begin[i]));
    checkValues(t, `slice ${JSON.stringify(shape)} at ${JSON.stringify(begin)} (seed ${seed})`, rg.slice(x, begin, size), sliceRef(host(x), begin, size));
    checkGrads(t, `slice (seed ${seed})`, (y) => rg.slice(y, begin, size), [x]);
    t.throws(() => rg.slice(x, begin, size.map((d, i) => d + shape[i])), /^slice: /, 'an out-of-range box names slice');
    const before = shape.map(() => rng.int(2));
    const after = shape.map(() => rng.int(2));
    checkValues(t, `pad (seed ${seed})`, rg.pad(x, before, after), padRef(host(x), before, after));
    checkGrads(t, `pad (seed ${seed})`, (y) => rg.pad(y, before, after), [x]);

    // broadcastTo a random target
    const target = [1 + rng.int(2), ...shape];
    const small = randTensor(rng, broadcastable(rng, target));
    const zeros = rg.zeros(target, { dtype: 'float64' });
    checkValues(t, `broadcastTo ${JSON.stringify(small.shape)} → ${JSON.stringify(target)} (seed ${seed})`, rg.broadcastTo(small, target), mapBinary(host(small), host(zeros), (a) => a));
    checkGrads(t, `broadcastTo (seed ${seed})`, (y) => rg.broadcastTo(y, target), [small]);

    // where with a broadcast 0/1 mask
    const mask = rg.tidy(() => rg.greater(randTensor(rng, broadcastable(rng, shape)), 0));
    const other = randTensor(rng, broadcastable(rng, shape));
    const m = host(mask);
    const picked = mapBinary(mapBinary(m, host(x), (c, a) => c * a), mapBinary(m, host(other), (c, b) => (1 - c) * b), (u, v) => u + v);
    checkValues(t, `where (seed ${seed})`, rg.where(mask, x, other), picked);
    checkGrads(t, `where (seed ${seed})`, (a, b) => rg.where(mask, a, b), [x, other]);
    const bad = incompatible(rng, shape);
    if (bad !== null) t.throws(() => rg.where(mask, x, randTensor(rng, bad)), /^where: shapes .* cannot be broadcast/, 'where names itself');

    // softmax along a random axis: rows sum to 1, values match exp(x - logsumexp)
    const axis = rng.int(shape.length);
    const sm = rg.softmax(x, axis);
    const lse = reduceAxes(host(x), [axis], true, 0, (acc, v) => acc + Math.exp(v));
    const smRef = mapBinary(host(x), { data: lse.data.map(Math.log), shape: lse.shape }, (a, l) => Math.exp(a - l));
    checkValues(t, `softmax axis ${axis} (seed ${seed})`, sm, smRef, 1e-12);
    checkGrads(t, `logSoftmax axis ${axis} (seed ${seed})`, (y) => rg.logSoftmax(y, axis), [x], { tol: 1e-6 });

    // solve / inv / logAbsDet with batch broadcasting
    const n = 1 + rng.int(3);
    const A = randWellConditioned(rng, [...randShape(rng, 1, 2), n, n]);
    const B = randTensor(rng, [...A.shape.slice(0, -2), n, 1 + rng.int(2)]);
    checkValues(t, `solve ${JSON.stringify(A.shape)} (seed ${seed})`, rg.solve(A, B), solveRef(host(A), host(B)), 1e-10);
    checkGrads(t, `solve (seed ${seed})`, (a, b) => rg.solve(a, b), [A, B], { tol: 1e-6 });
    checkValues(t, `inv (seed ${seed})`, rg.inv(A), invRef(host(A)), 1e-10);
    checkValues(t, `logAbsDet (seed ${seed})`, rg.logAbsDet(A), slogdetRef(host(A)).logabsdet, 1e-10);
    checkGrads(t, `logAbsDet (seed ${seed})`, (a) => rg.logAbsDet(a), [A], { tol: 1e-6 });
    t.throws(() => rg.solve(A, randTensor(rng, [...A.shape.slice(0, -2), n + 1, 1])), /^solve: /, 'a mismatched right-hand side names solve');
  }
});
