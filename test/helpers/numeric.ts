// Numeric checks for the engine tests: seeded random tensors, central finite differences
// (gradient and Jacobian, float64), a relative-error measure, and a tap assertion that compares
// autodiff gradients against finite differences.

import type { Test } from 'tap';
import { grad, mul, sum, tensor, tidy, Rng, type Backend, type DType, type Tensor } from '../../index.js';

export interface RandOptions {
  dtype?: DType;
  backend?: Backend;
  /** Values are offset + scale · N(0, 1) (or U(lo, hi) when `uniform` is given). */
  scale?: number;
  offset?: number;
  uniform?: [number, number];
}

export function randValues(rng: Rng, n: number, o: RandOptions = {}): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = o.uniform
      ? o.uniform[0] + (o.uniform[1] - o.uniform[0]) * rng.uniform()
      : (o.offset ?? 0) + (o.scale ?? 1) * rng.normal();
  }
  return out;
}

/** A random tensor from a seeded Rng (float64 on the default backend unless told). */
export function randTensor(rng: Rng, shape: readonly number[], o: RandOptions = {}): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(randValues(rng, n, o), [...shape], { dtype: o.dtype ?? 'float64', backend: o.backend });
}

/** A well-conditioned random n×n matrix (batched): N(0,1)/√n + 2·I. */
export function randWellConditioned(rng: Rng, shape: readonly number[], o: RandOptions = {}): Tensor {
  const n = shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  const v = randValues(rng, size, { scale: 1 / Math.sqrt(n) });
  for (let i = 0; i < size; i++) if (Math.floor(i / n) % n === i % n) v[i] += 2 * (rng.uniform() < 0.5 ? -1 : 1);
  return tensor(v, [...shape], { dtype: o.dtype ?? 'float64', backend: o.backend });
}

/** Evaluates f at host values `v` reshaped like x (same dtype and backend); returns host values. */
function evalAt(f: (x: Tensor) => Tensor, x: Tensor, v: Float64Array): Float64Array {
  return tidy(() => Float64Array.from(f(tensor(v, [...x.shape], { dtype: x.dtype, backend: x.backend })).dataSync()));
}

/** Central-difference gradient of a scalar f at x: (f(x + h e_i) - f(x - h e_i)) / 2h. */
export function numericGrad(f: (x: Tensor) => Tensor, x: Tensor, h = 1e-6): Float64Array {
  const jac = numericJacobian(f, x, h);
  if (jac.outSize !== 1) throw new Error(`numericGrad: f returned ${jac.outSize} values, not a scalar`);
  return jac.data;
}

/** Central-difference Jacobian [outSize, inSize] (row-major) of f at x. */
export function numericJacobian(
  f: (x: Tensor) => Tensor,
  x: Tensor,
  h = 1e-6,
): { data: Float64Array; outShape: number[]; outSize: number; inSize: number } {
  const x0 = Float64Array.from(x.dataSync());
  const outShape = tidy(() => [...f(x).shape]);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(outSize * x0.length);
  for (let i = 0; i < x0.length; i++) {
    const plus = Float64Array.from(x0);
    const minus = Float64Array.from(x0);
    plus[i] += h;
    minus[i] -= h;
    const fp = evalAt(f, x, plus);
    const fm = evalAt(f, x, minus);
    for (let o = 0; o < outSize; o++) data[o * x0.length + i] = (fp[o] - fm[o]) / (2 * h);
  }
  return { data, outShape, outSize, inSize: x0.length };
}

/**
 * max_i |a_i - b_i| / max(|a_i|, |b_i|, floor): relative where values are large, absolute
 * (scaled by `floor`) where they are near zero. Lengths must agree; NaN anywhere gives Infinity.
 */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1): number {
  if (a.length !== b.length) throw new Error(`maxRelErr: lengths ${a.length} and ${b.length} differ`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) return Infinity;
    if (a[i] === b[i]) continue; // equal infinities
    const err = Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), floor);
    if (!(err <= worst)) worst = err;
  }
  return worst;
}

/** The tap test object the assertions report to. */
export type Asserter = Pick<Test, 'ok'>;

/**
 * Checks autodiff gradients of f w.r.t. every argument against central differences. A
 * non-scalar output is first contracted with fixed random weights, which exercises the full
 * vector-Jacobian product. Returns the worst relative error.
 */
export function checkGrads(
  t: Asserter,
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  { tol = 1e-7, h = 1e-6, seed = 99 } = {},
): number {
  const outShape = tidy(() => [...f(...xs).shape]);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const weights =
    outSize === 1 ? undefined : randTensor(new Rng(seed), outShape, { dtype: xs[0].dtype, backend: xs[0].backend });
  const scalarF = (...args: Tensor[]): Tensor => (weights ? sum(mul(f(...args), weights)) : f(...args));
  const analytic = grad(scalarF)(...xs);
  let worst = 0;
  xs.forEach((x, i) => {
    const fi = (xi: Tensor): Tensor => scalarF(...xs.map((other, j) => (j === i ? xi : other)));
    const err = maxRelErr(analytic[i].dataSync(), numericGrad(fi, x, h));
    worst = Math.max(worst, err);
    t.ok(err < tol, `${name}: gradient of argument ${i} ${fmtShape(x.shape)} matches finite differences (rel err ${err.toExponential(2)} < ${tol})`);
  });
  analytic.forEach((g) => g.dispose());
  weights?.dispose();
  return worst;
}

/** Asserts that tensor values match a host reference (relative error with a floor of 1). */
export function checkValues(
  t: Asserter,
  name: string,
  actual: Tensor,
  expected: { data: ArrayLike<number>; shape: readonly number[] },
  tol = 1e-12,
): void {
  const sameShape = actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  t.ok(sameShape, `${name}: shape ${fmtShape(actual.shape)} is ${fmtShape(expected.shape)}`);
  if (!sameShape) return;
  const err = maxRelErr(actual.dataSync(), expected.data);
  t.ok(err <= tol, `${name}: values match the reference (rel err ${err.toExponential(2)} ≤ ${tol})`);
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
