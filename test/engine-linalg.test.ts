// Linear algebra: matmul (every transpose flag, batch broadcasting, the folded path), solve
// (matrix and vector right-hand sides, batched), inv, slogdet / logAbsDet — values against
// plain-JS references and gradients against central finite differences (float64).

import t from 'tap';
import * as rg from '../index.js';
import { Rng, grad, tensor, type Tensor } from '../index.js';
import { checkGrads, checkValues, maxRelErr, randTensor, randWellConditioned } from './helpers/numeric.js';
import { host, invRef, matmulRef, slogdetRef, solveRef, transposeRef } from './helpers/reference.js';

const rng = new Rng(7);

/** [rows, cols] of an operand stored so that op(X) is r×c. */
const stored = (r: number, c: number, trans: boolean): number[] => (trans ? [c, r] : [r, c]);

t.test('matmul: all transpose flags, with batch broadcasting', async (t) => {
  const [m, k, n] = [3, 4, 2];
  const batches: [number[], number[]][] = [
    [[], []], // plain matrices
    [[2], [2]], // equal batches
    [[2, 3], []], // B without batch (the folded path when A is not transposed)
    [[], [3]], // A without batch
    [[2, 1], [3]], // broadcast of both
    [[1, 2], [3, 1]],
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const [ba, bb] of batches) {
        const a = randTensor(rng, [...ba, ...stored(m, k, transA)]);
        const b = randTensor(rng, [...bb, ...stored(k, n, transB)]);
        const label = `matmul [${a.shape}]${transA ? 'ᵀ' : ''} x [${b.shape}]${transB ? 'ᵀ' : ''}`;
        const f = (x: Tensor, y: Tensor): Tensor => rg.matmul(x, y, { transA, transB });
        checkValues(t, label, f(a, b), matmulRef(host(a), host(b), transA, transB), 1e-14);
        checkGrads(t, label, f, [a, b]);
      }
    }
  }
  const a = randTensor(rng, [3, 4]);
  const b = randTensor(rng, [4, 5]);
  checkValues(t, 'tensor.matmul', a.matmul(b), matmulRef(host(a), host(b)), 1e-14);
});

t.test('solve: matrix and vector right-hand sides, batched and broadcast', async (t) => {
  const n = 4;
  const cases: [number[], number[]][] = [
    [[n, n], [n, 3]],
    [[n, n], [n]],
    [[2, n, n], [2, n, 2]],
    [[2, n, n], [2, n]],
    [[n, n], [3, n, 2]], // A broadcast over B's batch
    // B one rank below A counts as a batch of vectors (NumPy < 2 rule), so a broadcast matrix
    // right-hand side needs A's rank
    [[2, 1, n, n], [1, 3, n, 2]],
  ];
  for (const [sa, sb] of cases) {
    const a = randWellConditioned(rng, sa);
    const b = randTensor(rng, sb);
    const label = `solve A [${sa}] B [${sb}]`;
    const x = rg.solve(a, b);
    t.same([...x.shape], sb.length === sa.length - 1 ? sb : [...broadcast(sa.slice(0, -2), sb.slice(0, -2)), n, sb[sb.length - 1]], `${label}: shape`);
    // A·X reproduces B (broadcast), and X matches the reference for the unbatched cases
    const back = sb.length === sa.length - 1 ? rg.reshape(rg.matmul(a, rg.reshape(x, [...x.shape, 1])), x.shape) : rg.matmul(a, x);
    const bFull = rg.broadcastTo(b, back.shape);
    t.ok(maxRelErr(back.dataSync(), bFull.dataSync()) < 1e-13, `${label}: A·X = B`);
    if (sa.length === 2 && sb.length === 2) checkValues(t, label, x, solveRef(host(a), host(b)), 1e-12);
    checkGrads(t, label, rg.solve, [a, b]);
  }
});

function broadcast(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const pa = [...new Array<number>(rank - a.length).fill(1), ...a];
  const pb = [...new Array<number>(rank - b.length).fill(1), ...b];
  return pa.map((d, i) => Math.max(d, pb[i]));
}

t.test('inv: values and gradient, batched', async (t) => {
  for (const shape of [[1, 1], [3, 3], [2, 4, 4]]) {
    const a = randWellConditioned(rng, shape);
    const y = rg.inv(a);
    checkValues(t, `inv [${shape}]`, y, invRef(host(a)), 1e-12);
    const eye = rg.broadcastTo(rg.eye(shape[shape.length - 1]), shape);
    t.ok(maxRelErr(rg.matmul(a, y).dataSync(), eye.dataSync()) < 1e-14, `inv [${shape}]: A·A⁻¹ = I`);
    checkGrads(t, `inv [${shape}]`, rg.inv, [a]);
  }
});

t.test('slogdet and logAbsDet: values, signs and gradient', async (t) => {
  for (const shape of [[1, 1], [3, 3], [5, 5], [2, 3, 4, 4]]) {
    const a = randWellConditioned(rng, shape);
    const { sign, logabsdet } = rg.slogdet(a);
    const ref = slogdetRef(host(a));
    checkValues(t, `slogdet [${shape}] log|det|`, logabsdet, ref.logabsdet, 1e-13);
    checkValues(t, `slogdet [${shape}] sign`, sign, ref.sign, 0);
    checkValues(t, `logAbsDet [${shape}]`, rg.logAbsDet(a), ref.logabsdet, 1e-13);
    checkGrads(t, `logAbsDet [${shape}]`, rg.logAbsDet, [a]);
    checkGrads(t, `slogdet [${shape}].logabsdet`, (x) => rg.slogdet(x).logabsdet, [a]);
  }
  // both signs occur: swapping two rows flips the sign and keeps log|det|
  const a = randWellConditioned(rng, [4, 4]);
  const swapped = rg.concat([rg.slice(a, [1, 0], [1, 4]), rg.slice(a, [0, 0], [1, 4]), rg.slice(a, [2, 0], [2, 4])], 0);
  const s1 = rg.slogdet(a);
  const s2 = rg.slogdet(swapped);
  t.equal(s1.sign.item() * s2.sign.item(), -1, 'a row swap flips the sign');
  t.ok(Math.abs(s1.logabsdet.item() - s2.logabsdet.item()) < 1e-13, 'and keeps log|det|');
  // a singular matrix gives sign 0 and -Infinity
  const singular = rg.slogdet(tensor([[1, 2], [2, 4]]));
  t.equal(singular.sign.item(), 0, 'singular: sign 0');
  t.equal(singular.logabsdet.item(), -Infinity, 'singular: log|det| = -Infinity');
  // no overflow where det itself would overflow: det(1e200·I₃) = 1e600
  const big = rg.mul(rg.eye(3), 1e200);
  t.ok(Math.abs(rg.logAbsDet(big).item() - 600 * Math.log(10)) < 1e-9, 'log|det| of 1e200·I₃ is 600·ln 10');
});

t.test('the gradient of log|det W| is W⁻ᵀ', async (t) => {
  for (const n of [2, 5]) {
    const w = randWellConditioned(rng, [n, n]);
    const [g] = grad(rg.logAbsDet)(w);
    checkValues(t, `d log|det W| / dW, n = ${n}`, g, transposeRef(invRef(host(w)), [1, 0]), 1e-12);
  }
  // and for a batch, each matrix gets its own inverse transpose
  const wb = randWellConditioned(rng, [3, 3, 3]);
  const [gb] = grad((x) => rg.sum(rg.logAbsDet(x)))(wb);
  checkValues(t, 'batched', gb, transposeRef(invRef(host(wb)), [0, 2, 1]), 1e-12);
  // the gradient of log|det| of a scaled matrix: d/dc log|det(cW)| = n / c
  const w = randWellConditioned(rng, [4, 4]);
  const [gc] = grad((c) => rg.logAbsDet(rg.mul(w, c)))(tensor([2], [1]));
  t.ok(Math.abs(gc.item() - 2) < 1e-13, 'd/dc log|det(cW)| = n/c');
});
