// Fused CPU kernels for hand-written gradients: a product with its epilogue (scale, addend,
// row bias) in one GEMM call, and the activation passes of a dense flow in one loop each.
// One pass over B×D elements replaces the 5–10 passes (and fresh arrays) of the composite ops.

import type { ActivationParams, ActivationPass, MatmulParams } from '../../engine/backend.js';
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

/** e^{-|y|} based sigmoid: no overflow for any y. */
function sigmoidOf(y: number, e: number): number {
  return y >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** One activation pass (see ActivationPass); transcendental work is one exp (+ one log) per element. */
export function activation(
  pass: ActivationPass, act: ActivationParams, y: TypedArray, back: TypedArray | null, size: number, alloc: Alloc = allocHost,
): TypedArray {
  const out = alloc(dtypeOfArray(y), size);
  if (pass === 'backprop' && back === null) throw new Error("activation: the 'backprop' pass needs the back-propagated error");
  if (act.kind === 'smooth-leaky-relu') {
    const al = act.a;
    const bl = 1 - al;
    if (pass === 'value') {
      // σ = αy + (1-α)(max(y, 0) + log1p(e^{-|y|}))
      for (let i = 0; i < size; i++) {
        const v = y[i];
        out[i] = al * v + bl * ((v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v))));
      }
    } else if (pass === 'log-derivative') {
      for (let i = 0; i < size; i++) {
        const v = y[i];
        out[i] = Math.log(al + bl * sigmoidOf(v, Math.exp(-Math.abs(v))));
      }
    } else {
      const g = back as TypedArray;
      // Δ = σ'·back - σ''/σ',  σ' = α + (1-α)s,  σ'' = (1-α)s(1-s)
      for (let i = 0; i < size; i++) {
        const v = y[i];
        const s = sigmoidOf(v, Math.exp(-Math.abs(v)));
        const d = al + bl * s;
        out[i] = d * g[i] - (bl * s * (1 - s)) / d;
      }
    }
    return out;
  }
  const beta = act.a;
  const gamma = act.b;
  if (pass === 'value') {
    for (let i = 0; i < size; i++) out[i] = Math.tanh(beta * y[i]) + gamma * y[i];
  } else if (pass === 'log-derivative') {
    for (let i = 0; i < size; i++) {
      const t = Math.tanh(beta * y[i]);
      out[i] = Math.log(beta * (1 - t * t) + gamma);
    }
  } else {
    const g = back as TypedArray;
    // σ' = β(1-t²) + γ,  σ'' = -2β²t(1-t²)
    for (let i = 0; i < size; i++) {
      const t = Math.tanh(beta * y[i]);
      const sech2 = 1 - t * t;
      const d = beta * sech2 + gamma;
      out[i] = d * g[i] + (2 * beta * beta * t * sech2) / d;
    }
  }
  return out;
}
