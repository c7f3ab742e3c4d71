// Fused CPU kernels for hand-written gradients: a product with its epilogue (scale, addend,
// row bias) in one GEMM call, and the passes of an element-wise map (PointwiseMap) in one loop each.
// One pass over B×D elements replaces the 5–10 passes (and fresh arrays) of the composite ops.

import type { MatmulParams, PointwiseMap, PointwisePass } from '../../engine/backend.js';
import { allocHost, dtypeOfArray, type TypedArray } from '../../engine/dtype.js';
import type { Gemm } from './gemm.js';
import type { Alloc } from './pool.js';

/**
 * out[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] + 1·biasᵀ. `out` starts as a copy of C (memcpy)
 * or of the bias rows, and the GEMM applies alpha and its own beta when writing back, so the
 * epilogue costs no separate pass except when both C and a bias are given.
 * Cost 2·batch·m·n·k + O(batch·m·n).
 */
export function gemmWithEpilogue(
  gemm: Gemm, a: TypedArray, b: TypedArray, p: MatmulParams, alpha: number, c: TypedArray | null, beta: number, bias: TypedArray | null,
  alloc: Alloc = allocHost,
): TypedArray {
  const { batch, m, n, k, transA, transB } = p;
  const out = alloc(dtypeOfArray(a), batch * m * n);
  const rows = batch * m;
  let gemmBeta = 0;
  if (c && bias) {
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) out[o + j] = beta * c[o + j] + bias[j];
    }
    gemmBeta = 1;
  } else if (c) {
    out.set(c.subarray(0, rows * n));
    gemmBeta = beta;
  } else if (bias) {
    for (let r = 0; r < rows; r++) out.set(bias.subarray(0, n), r * n);
    gemmBeta = 1;
  }
  for (let i = 0; i < batch; i++) {
    gemm({
      transA, transB, m, n, k, alpha,
      a, aOffset: i * m * k, lda: transA ? m : k,
      b, bOffset: i * k * n, ldb: transB ? k : n,
      beta: gemmBeta, c: out, cOffset: i * m * n, ldc: n,
    });
  }
  return out;
}

/** Codes of the pointwise kernels, for the worker threads (see pointwiseRange). */
const POINTWISE_PASSES: readonly PointwisePass[] = ['value', 'log-derivative', 'input-gradient'];
const POINTWISE_BASES: readonly PointwiseMap['base'][] = ['softplus', 'tanh'];

/**
 * Elements start..end of one pass of σ(y) = linear·y + outer·φ(inner·y), written into `out`.
 * Self-contained (it uses nothing but Math): the GEMM worker threads evaluate its source.
 * pass: 0 value, 1 log σ', 2 input gradient σ'·back − σ''/σ'; base: 0 softplus, 1 tanh.
 * Sigmoid from e = exp(-|x|) (no overflow): s = 1/(1+e) for x ≥ 0, e/(1+e) otherwise.
 */
export function pointwiseRange(
  pass: number, base: number, linear: number, outer: number, inner: number,
  y: ArrayLike<number>, back: ArrayLike<number> | null, out: { [i: number]: number }, start: number, end: number,
): void {
  const c1 = outer * inner; // σ' = linear + c1·φ'
  const c2 = outer * inner * inner; // σ'' = c2·φ''
  if (base === 0) {
    if (pass === 0) {
      // softplus(x) = max(x, 0) + log1p(e^{-|x|})
      for (let i = start; i < end; i++) {
        const v = y[i];
        const x = inner * v;
        out[i] = linear * v + outer * ((x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x))));
      }
    } else if (pass === 1) {
      for (let i = start; i < end; i++) {
        const x = inner * y[i];
        const e = Math.exp(-Math.abs(x));
        const s = x >= 0 ? 1 / (1 + e) : e / (1 + e);
        out[i] = Math.log(linear + c1 * s);
      }
    } else {
      const g = back as ArrayLike<number>;
      // φ' = s, φ'' = s(1-s)
      for (let i = start; i < end; i++) {
        const x = inner * y[i];
        const e = Math.exp(-Math.abs(x));
        const s = x >= 0 ? 1 / (1 + e) : e / (1 + e);
        const d = linear + c1 * s;
        out[i] = d * g[i] - (c2 * s * (1 - s)) / d;
      }
    }
    return;
  }
  if (pass === 0) {
    for (let i = start; i < end; i++) out[i] = linear * y[i] + outer * Math.tanh(inner * y[i]);
  } else if (pass === 1) {
    for (let i = start; i < end; i++) {
      const t = Math.tanh(inner * y[i]);
      out[i] = Math.log(linear + c1 * (1 - t * t));
    }
  } else {
    const g = back as ArrayLike<number>;
    // φ' = 1 - t², φ'' = -2t(1 - t²)
    for (let i = start; i < end; i++) {
      const t = Math.tanh(inner * y[i]);
      const sech2 = 1 - t * t;
      const d = linear + c1 * sech2;
      out[i] = d * g[i] + (2 * c2 * t * sech2) / d;
    }
  }
}

/** Runs `pointwiseRange` over 0..size, possibly sharing it with worker threads. */
export type PointwiseRunner = (
  pass: number, base: number, linear: number, outer: number, inner: number, y: TypedArray, back: TypedArray | null, out: TypedArray, size: number,
) => void;

const sequentialPointwise: PointwiseRunner = (pass, base, linear, outer, inner, y, back, out, size) =>
  pointwiseRange(pass, base, linear, outer, inner, y, back, out, 0, size);

/** One pass of an element-wise map (see PointwisePass); transcendental work is one exp or tanh (+ one log) per element. */
export function pointwise(
  pass: PointwisePass, map: PointwiseMap, y: TypedArray, back: TypedArray | null, size: number,
  alloc: Alloc = allocHost, run: PointwiseRunner = sequentialPointwise,
): TypedArray {
  if (pass === 'input-gradient' && back === null) throw new Error("pointwise: the 'input-gradient' pass needs the back-propagated error");
  const out = alloc(dtypeOfArray(y), size);
  run(POINTWISE_PASSES.indexOf(pass), POINTWISE_BASES.indexOf(map.base), map.linear, map.outer, map.inner, y, back, out, size);
  return out;
}
