// Element-wise kernels on flat typed arrays: one loop per op family, one line per op.

import type { AdamHyper, BinaryKernelOp, UnaryKernelOp } from '../../engine/backend.js';
import { allocHost, dtypeOfArray, type TypedArray } from '../../engine/dtype.js';
import type { Alloc } from './pool.js';

/** A case the switch lacks fails to compile (`op` is not `never`) and, from untyped callers, throws. */
function unknownOp(family: string, op: never): never {
  throw new Error(`cpu ${family}: unknown op '${String(op)}'`);
}

/** One tight loop per op (a shared loop calling f(x[i]) through a table is several times slower). */
export function unary(op: UnaryKernelOp, x: TypedArray, size: number, alloc: Alloc = allocHost): TypedArray {
  const out = alloc(dtypeOfArray(x), size);
  switch (op) {
    case 'neg': for (let i = 0; i < size; i++) out[i] = -x[i]; break;
    case 'exp': for (let i = 0; i < size; i++) out[i] = Math.exp(x[i]); break;
    case 'log': for (let i = 0; i < size; i++) out[i] = Math.log(x[i]); break;
    case 'log1p': for (let i = 0; i < size; i++) out[i] = Math.log1p(x[i]); break;
    case 'tanh': for (let i = 0; i < size; i++) out[i] = Math.tanh(x[i]); break;
    case 'abs': for (let i = 0; i < size; i++) out[i] = Math.abs(x[i]); break;
    case 'sign': for (let i = 0; i < size; i++) { const v = x[i]; out[i] = v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN; } break;
    case 'sqrt': for (let i = 0; i < size; i++) out[i] = Math.sqrt(x[i]); break;
    case 'reciprocal': for (let i = 0; i < size; i++) out[i] = 1 / x[i]; break;
    case 'sin': for (let i = 0; i < size; i++) out[i] = Math.sin(x[i]); break;
    case 'cos': for (let i = 0; i < size; i++) out[i] = Math.cos(x[i]); break;
    default: return unknownOp('unary', op);
  }
  return out;
}

/** out = scale·x + shift */
export function affine(x: TypedArray, size: number, scale: number, shift: number, alloc: Alloc = allocHost): TypedArray {
  const out = alloc(dtypeOfArray(x), size);
  if (shift === 0) for (let i = 0; i < size; i++) out[i] = scale * x[i];
  else if (scale === 1) for (let i = 0; i < size; i++) out[i] = x[i] + shift;
  else for (let i = 0; i < size; i++) out[i] = scale * x[i] + shift;
  return out;
}

/** out = a + b or a·b by SIMD kernels (threads/index.ts); false when it did not run (the JavaScript loop then does). */
export type BinaryRunner = (op: 'add' | 'mul', a: TypedArray, b: TypedArray, out: TypedArray, size: number) => boolean;

export function binary(op: BinaryKernelOp, a: TypedArray, b: TypedArray, size: number, alloc: Alloc = allocHost, vector?: BinaryRunner): TypedArray {
  const out = alloc(dtypeOfArray(a), size);
  if ((op === 'add' || op === 'mul') && vector?.(op, a, b, out, size) === true) return out;
  switch (op) {
    case 'add': for (let i = 0; i < size; i++) out[i] = a[i] + b[i]; break;
    case 'mul': for (let i = 0; i < size; i++) out[i] = a[i] * b[i]; break;
    case 'maximum': for (let i = 0; i < size; i++) out[i] = a[i] > b[i] || Number.isNaN(a[i]) ? a[i] : b[i]; break;
    case 'greater': for (let i = 0; i < size; i++) out[i] = a[i] > b[i] ? 1 : 0; break;
    case 'equal': for (let i = 0; i < size; i++) out[i] = a[i] === b[i] ? 1 : 0; break;
    default: return unknownOp('binary', op);
  }
  return out;
}

/**
 * Elements start..end of one Adam step into po, mo, vo. Self-contained (the GEMM worker threads
 * evaluate its source): lr·(m/c1)/(√(v/c2) + ε) = rate·m/(√v + epsHat) with rate = lr·√c2/c1 and
 * epsHat = ε·√c2, one division and one square root per element.
 */
export function adamRange(
  p: ArrayLike<number>, d: ArrayLike<number>, m: ArrayLike<number>, v: ArrayLike<number>,
  po: { [i: number]: number }, mo: { [i: number]: number }, vo: { [i: number]: number },
  start: number, end: number, rate: number, epsHat: number, beta1: number, beta2: number,
): void {
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = start; i < end; i++) {
    const g = d[i];
    const mi = beta1 * m[i] + a1 * g;
    const vi = beta2 * v[i] + a2 * g * g;
    mo[i] = mi;
    vo[i] = vi;
    po[i] = p[i] - (rate * mi) / (Math.sqrt(vi) + epsHat);
  }
}

/** Runs `adamRange` over 0..size, possibly sharing it with worker threads. */
export type AdamRunner = (
  p: TypedArray, d: TypedArray, m: TypedArray, v: TypedArray, po: TypedArray, mo: TypedArray, vo: TypedArray,
  size: number, rate: number, epsHat: number, beta1: number, beta2: number,
) => void;

const sequentialAdam: AdamRunner = (p, d, m, v, po, mo, vo, size, rate, epsHat, beta1, beta2) =>
  adamRange(p, d, m, v, po, mo, vo, 0, size, rate, epsHat, beta1, beta2);

/** One fused Adam step (see KernelTable.adam). */
export function adam(
  p: TypedArray, d: TypedArray, m: TypedArray, v: TypedArray, size: number, h: AdamHyper,
  alloc: Alloc = allocHost, run: AdamRunner = sequentialAdam,
): { p: TypedArray; m: TypedArray; v: TypedArray } {
  const dtype = dtypeOfArray(p);
  const po = alloc(dtype, size);
  const mo = alloc(dtype, size);
  const vo = alloc(dtype, size);
  const { lr, beta1, beta2, eps, c1, c2 } = h;
  run(p, d, m, v, po, mo, vo, size, (lr * Math.sqrt(c2)) / c1, eps * Math.sqrt(c2), beta1, beta2);
  return { p: po, m: mo, v: vo };
}
