// Element-wise kernels on flat typed arrays: one loop per op family, one line per op.

import type { BinaryKernelOp, UnaryKernelOp } from '../../engine/backend.js';
import { allocHost, dtypeOfArray, type TypedArray } from '../../engine/dtype.js';

const UNARY: Record<UnaryKernelOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  tanh: Math.tanh,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  sqrt: Math.sqrt,
  reciprocal: (x) => 1 / x,
};

export function unary(op: UnaryKernelOp, x: TypedArray, size: number): TypedArray {
  const out = allocHost(dtypeOfArray(x), size);
  const f = UNARY[op];
  for (let i = 0; i < size; i++) out[i] = f(x[i]);
  return out;
}

export function binary(op: BinaryKernelOp, a: TypedArray, b: TypedArray, size: number): TypedArray {
  const out = allocHost(dtypeOfArray(a), size);
  switch (op) {
    case 'add': for (let i = 0; i < size; i++) out[i] = a[i] + b[i]; break;
    case 'mul': for (let i = 0; i < size; i++) out[i] = a[i] * b[i]; break;
    case 'maximum': for (let i = 0; i < size; i++) out[i] = a[i] > b[i] || Number.isNaN(a[i]) ? a[i] : b[i]; break;
    case 'greater': for (let i = 0; i < size; i++) out[i] = a[i] > b[i] ? 1 : 0; break;
    case 'equal': for (let i = 0; i < size; i++) out[i] = a[i] === b[i] ? 1 : 0; break;
  }
  return out;
}
