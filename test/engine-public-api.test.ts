// The acceptance test: a custom model written only against the package root — a
// two-layer tanh network with a logsumexp (softmax cross-entropy) loss. Its gradients and
// Hessian-vector products match central finite differences to 1e-7.

import t from 'tap';
import {
  Rng, add, grad, hvp, logsumexp, matmul, mean, mul, randn, reshape, slice, sub, sum, tanh, tensor, tidy, valueAndGrad,
  type Tensor,
} from '../index.js';

const N = 6; // examples
const D = 3; // inputs
const H = 5; // hidden units
const C = 4; // classes

const x = randn([N, D], { seed: 11 });
const rng = new Rng(12);
const oneHot = new Float64Array(N * C);
for (let i = 0; i < N; i++) oneHot[i * C + rng.int(C)] = 1;
const y = tensor(oneHot, [N, C]);

/** logits = tanh(X W1ᵀ + b1) W2ᵀ + b2;  loss = mean_i [logsumexp(logits_i) - logits_i · y_i]. */
function loss(w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor {
  const hidden = tanh(add(matmul(x, w1, { transB: true }), b1));
  const logits = add(matmul(hidden, w2, { transB: true }), b2);
  return mean(sub(logsumexp(logits, 1), sum(mul(logits, y), 1)));
}

const sizes = [H * D, H, C * H, C];
const shapes = [[H, D], [H], [C, H], [C]];
const total = sizes.reduce((a, b) => a + b, 0);

/** The same loss as a function of one flat parameter vector θ (for Hessian-vector products). */
function lossFlat(theta: Tensor): Tensor {
  let at = 0;
  const parts = shapes.map((shape, i) => {
    const part = reshape(slice(theta, [at], [sizes[i]]), shape);
    at += sizes[i];
    return part;
  });
  return loss(parts[0], parts[1], parts[2], parts[3]);
}

function lossAt(values: Float64Array): number {
  return tidy(() => lossFlat(tensor(values, [total])).item());
}

function gradAt(values: Float64Array): Float64Array {
  return tidy(() => Float64Array.from(grad(lossFlat)(tensor(values, [total]))[0].dataSync()));
}

const theta0 = Float64Array.from(randn([total], { seed: 13 }).dataSync(), (v) => 0.7 * v);
const h = 1e-6;

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), 1));
  return worst;
}

t.test('gradients of every parameter match central finite differences', async (t) => {
  const params = shapes.map((shape, i) => {
    const start = sizes.slice(0, i).reduce((a, b) => a + b, 0);
    return tensor(theta0.slice(start, start + sizes[i]), shape);
  });
  const { value, grads } = valueAndGrad(loss)(params[0], params[1], params[2], params[3]);
  t.ok(Math.abs(value.item() - lossAt(theta0)) < 1e-15, 'valueAndGrad value is the loss');
  const analytic = Float64Array.from(grads.flatMap((g) => Array.from(g.dataSync())));
  const numeric = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    const plus = Float64Array.from(theta0);
    const minus = Float64Array.from(theta0);
    plus[i] += h;
    minus[i] -= h;
    numeric[i] = (lossAt(plus) - lossAt(minus)) / (2 * h);
  }
  const err = relErr(analytic, numeric);
  t.ok(err < 1e-7, `∇loss vs finite differences: rel err ${err.toExponential(2)}`);
  t.ok(relErr(analytic, gradAt(theta0)) < 1e-15, 'the flat and per-parameter gradients agree');
});

t.test('Hessian-vector products match finite differences of the gradient', async (t) => {
  for (let trial = 0; trial < 3; trial++) {
    const v = Float64Array.from(randn([total], { seed: 100 + trial }).dataSync());
    const hv = hvp(lossFlat)(tensor(theta0, [total]), tensor(v, [total])).dataSync();
    const plus = gradAt(theta0.map((p, i) => p + h * v[i]));
    const minus = gradAt(theta0.map((p, i) => p - h * v[i]));
    const numeric = plus.map((g, i) => (g - minus[i]) / (2 * h));
    const err = relErr(hv, numeric);
    t.ok(err < 1e-7, `H·v (trial ${trial}) vs finite differences: rel err ${err.toExponential(2)}`);
  }
});
