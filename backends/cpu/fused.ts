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

/** Codes of the activation kernels, for the worker threads (see activationRange). */
const ACTIVATION_PASSES: readonly ActivationPass[] = ['value', 'log-derivative', 'backprop'];
const ACTIVATION_KINDS: readonly ActivationParams['kind'][] = ['smooth-leaky-relu', 'leaky-tanh'];

/**
 * Elements start..end of one activation pass, written into `out`. Self-contained (it uses
 * nothing but Math): the GEMM worker threads evaluate its source to share the work.
 * pass: 0 value, 1 log σ', 2 backprop; kind: 0 smooth leaky ReLU (a = α), 1 leaky tanh (a = β, b = γ).
 * Sigmoid from e = exp(-|y|) (no overflow): s = 1/(1+e) for y ≥ 0, e/(1+e) otherwise.
 */
export function activationRange(
  pass: number, kind: number, a: number, b: number,
  y: ArrayLike<number>, back: ArrayLike<number> | null, out: { [i: number]: number }, start: number, end: number,
): void {
  if (kind === 0) {
    const al = a;
    const bl = 1 - a;
    if (pass === 0) {
      // σ = αy + (1-α)(max(y, 0) + log1p(e^{-|y|}))
      for (let i = start; i < end; i++) {
        const v = y[i];
        out[i] = al * v + bl * ((v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v))));
      }
    } else if (pass === 1) {
      for (let i = start; i < end; i++) {
        const v = y[i];
        const e = Math.exp(-Math.abs(v));
        const s = v >= 0 ? 1 / (1 + e) : e / (1 + e);
        out[i] = Math.log(al + bl * s);
      }
    } else {
      const g = back as ArrayLike<number>;
      // Δ = σ'·back - σ''/σ',  σ' = α + (1-α)s,  σ'' = (1-α)s(1-s)
      for (let i = start; i < end; i++) {
        const v = y[i];
        const e = Math.exp(-Math.abs(v));
        const s = v >= 0 ? 1 / (1 + e) : e / (1 + e);
        const d = al + bl * s;
        out[i] = d * g[i] - (bl * s * (1 - s)) / d;
      }
    }
    return;
  }
  const beta = a;
  const gamma = b;
  if (pass === 0) {
    for (let i = start; i < end; i++) out[i] = Math.tanh(beta * y[i]) + gamma * y[i];
  } else if (pass === 1) {
    for (let i = start; i < end; i++) {
      const t = Math.tanh(beta * y[i]);
      out[i] = Math.log(beta * (1 - t * t) + gamma);
    }
  } else {
    const g = back as ArrayLike<number>;
    // σ' = β(1-t²) + γ,  σ'' = -2β²t(1-t²)
    for (let i = start; i < end; i++) {
      const t = Math.tanh(beta * y[i]);
      const sech2 = 1 - t * t;
      const d = beta * sech2 + gamma;
      out[i] = d * g[i] + (2 * beta * beta * t * sech2) / d;
    }
  }
}

/** Runs `activationRange` over 0..size, possibly sharing it with worker threads. */
export type ActivationRunner = (
  pass: number, kind: number, a: number, b: number, y: TypedArray, back: TypedArray | null, out: TypedArray, size: number,
) => void;

const sequentialActivation: ActivationRunner = (pass, kind, a, b, y, back, out, size) => activationRange(pass, kind, a, b, y, back, out, 0, size);

/** One activation pass (see ActivationPass); transcendental work is one exp (+ one log) per element. */
export function activation(
  pass: ActivationPass, act: ActivationParams, y: TypedArray, back: TypedArray | null, size: number,
  alloc: Alloc = allocHost, run: ActivationRunner = sequentialActivation,
): TypedArray {
  if (pass === 'backprop' && back === null) throw new Error("activation: the 'backprop' pass needs the back-propagated error");
  const out = alloc(dtypeOfArray(y), size);
  run(ACTIVATION_PASSES.indexOf(pass), ACTIVATION_KINDS.indexOf(act.kind), act.a, act.b, y, back, out, size);
  return out;
}
