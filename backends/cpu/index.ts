// The CPU backend: float64 and float32 on flat typed arrays. Products go through a pluggable
// GEMM (plain TypeScript by default; faster tiers plug in via `createCpuBackend({ gemm })`),
// the LU family through ml-matrix.

import type { Backend, KernelTable, MatmulParams } from '../../engine/backend.js';
import { allocHost, dtypeOfArray, type DType, type TypedArray } from '../../engine/dtype.js';
import { binary, unary } from './elementwise.js';
import { gemmJs, type Gemm } from './gemm.js';
import { cast, expand, max, pad, slice, sum, transpose } from './layout.js';
import { inv, slogdet, solve } from './linalg.js';

export { gemmJs, type Gemm, type GemmArgs } from './gemm.js';

export interface CpuBackendOptions {
  /** The product kernel; defaults to the plain TypeScript tiled GEMM. */
  gemm?: Gemm;
  /** Name of the GEMM tier, reported by describe(). */
  gemmName?: string;
}

function matmul(gemm: Gemm, a: TypedArray, b: TypedArray, p: MatmulParams): TypedArray {
  const { batch, m, n, k, transA, transB } = p;
  const c = allocHost(dtypeOfArray(a), batch * m * n);
  for (let i = 0; i < batch; i++) {
    gemm({
      transA, transB, m, n, k, alpha: 1,
      a, aOffset: i * m * k, lda: transA ? m : k,
      b, bOffset: i * k * n, ldb: transB ? k : n,
      beta: 0, c, cOffset: i * m * n, ldc: n,
    });
  }
  return c;
}

export function createCpuBackend(options: CpuBackendOptions = {}): Backend<TypedArray> {
  const gemm = options.gemm ?? gemmJs;
  const gemmName = options.gemmName ?? (options.gemm ? 'custom' : 'js-tiled-4x4');
  const kernels: KernelTable<TypedArray> = {
    unary, binary, sum, max, transpose, expand, slice, pad, cast,
    matmul: (a, b, p) => matmul(gemm, a, b, p),
    solve, inv, slogdet,
  };
  return {
    name: 'cpu',
    defaultDtype: 'float64',
    describe: () => ({
      name: 'cpu',
      implementation: `typed arrays; gemm: ${gemmName}; LU: ml-matrix`,
      dtypes: ['float64', 'float32'],
      details: { gemm: gemmName },
    }),
    upload: (values: TypedArray, dtype: DType) => {
      const out = allocHost(dtype, values.length);
      out.set(values);
      return out;
    },
    readSync: (s: TypedArray, dtype: DType) => (dtypeOfArray(s) === dtype ? s.slice() : allocHost(dtype, s.length).fill(0).map((_, i) => s[i])),
    read: async (s: TypedArray, dtype: DType) => (dtypeOfArray(s) === dtype ? s.slice() : allocHost(dtype, s.length).map((_, i) => s[i])),
    free: () => {},
    kernels,
  };
}
