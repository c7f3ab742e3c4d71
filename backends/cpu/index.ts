// The CPU backend: float64 and float32 on flat typed arrays. Products go through a pluggable
// GEMM (plain TypeScript by default; faster tiers plug in via `createCpuBackend({ gemm })`, or
// are chosen once by `{ tier }` / createFastCpuBackend(), see runtime.ts), the LU family through
// ml-matrix or a blocked LU on the same GEMM.

import type { Backend, KernelTable, MatmulParams } from '../../engine/backend.js';
import { allocHost, dtypeOfArray, type DType, type TypedArray } from '../../engine/dtype.js';
import { adam, affine, binary, unary } from './elementwise.js';
import { splineKnots } from './spline-knots.js';
import { chooseGemm, type GemmChoice, type GemmTier } from './runtime.js';
import { gemmWithEpilogue, pointwise } from './fused.js';
import { spline } from './spline.js';
import { ArrayPool, type Alloc } from './pool.js';
import { gemmJs, type Gemm } from './gemm.js';
import { cast, expand, pad, slice, transpose } from './layout.js';
import { max, sum } from './reduce.js';
import { createLu, type LuKernels } from './lu-blocked.js';

export { gemmJs, type Gemm, type GemmArgs } from './gemm.js';
export { hostLinalg } from './lu-blocked.js';
export { chooseGemm, gemmTiers, type GemmChoice, type GemmTier } from './runtime.js';

/** Options of `createCpuBackend`: the GEMM kernel or tier, the LU kernels and the largest tensor allowed (bytes). */
export interface CpuBackendOptions {
  /** The product kernel; defaults to the plain TypeScript tiled GEMM. */
  gemm?: Gemm;
  /** Name of the GEMM tier, reported by describe(). */
  gemmName?: string;
  /**
   * When `gemm` is absent: the GEMM tier, chosen once at creation ('auto' = the fastest this
   * engine supports; a forced tier throws when unavailable). Default 'js', so that
   * createCpuBackend() alone never compiles WebAssembly or starts threads.
   */
  tier?: GemmTier | 'auto';
  /**
   * The LU family: 'blocked' (default: right-looking blocked LU whose trailing updates run on the
   * chosen GEMM, lu-blocked.ts), or kernels of your own with a name, e.g. ml-matrix's LU:
   * `import { mlMatrixLu } from 'relgrad/backends/cpu/ml-matrix'` (a separate entry point, so that
   * bundles without it do not carry ml-matrix).
   */
  lu?: 'blocked' | (LuKernels & { name: string });
  /**
   * Bytes one tensor may take (creation counts the host copy too); larger ones are refused
   * before allocating. Default: the host's memory (os.totalmem, or the cgroup limit).
   */
  maxBytes?: number;
}

function matmul(gemm: Gemm, a: TypedArray, b: TypedArray, p: MatmulParams, alloc: Alloc): TypedArray {
  const { batch, m, n, k, transA, transB } = p;
  const c = alloc(dtypeOfArray(a), batch * m * n);
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

/**
 * A CPU backend on flat typed arrays (float64 and float32).
 * Products go through the chosen GEMM tier (default: plain TypeScript).
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Backend<TypedArray> {
  let gemm = options.gemm ?? gemmJs;
  let gemmName = options.gemmName ?? (options.gemm ? 'custom' : 'js-tiled-4x4');
  let fallbacks = '';
  let shared: GemmChoice['elementwise'];
  let kernel: string | undefined;
  let place: GemmChoice['place'];
  let unplace: GemmChoice['unplace'];
  if (!options.gemm && options.tier && options.tier !== 'js') {
    const choice = chooseGemm(options.tier === 'auto' ? {} : { tier: options.tier });
    gemm = choice.gemm;
    gemmName = options.gemmName ?? choice.name;
    fallbacks = choice.fallbacks.join('; ');
    shared = choice.elementwise;
    kernel = choice.kernel;
    place = choice.place;
    unplace = choice.unplace;
  }
  const maxBytes = options.maxBytes;
  if (maxBytes !== undefined && !(Number.isFinite(maxBytes) && maxBytes > 0)) {
    throw new Error(`createCpuBackend: maxBytes must be a positive number of bytes, got ${String(maxBytes)}`);
  }
  const lu = options.lu ?? 'blocked';
  if (lu !== 'blocked' && (typeof lu !== 'object' || lu === null || typeof lu.solve !== 'function' || typeof lu.inv !== 'function' || typeof lu.slogdet !== 'function')) {
    throw new Error(`createCpuBackend: lu must be 'blocked' or { name, solve, inv, slogdet } (e.g. mlMatrixLu from relgrad/backends/cpu/ml-matrix), got ${JSON.stringify(lu)}`);
  }
  const linalg = lu === 'blocked' ? createLu(gemm) : lu;
  const luName = lu === 'blocked' ? 'blocked LU on the GEMM' : lu.name;
  const details: Record<string, string> = { gemm: gemmName, lu: luName };
  if (kernel) details.gemmKernel = kernel;
  if (fallbacks) details.gemmFallbacks = fallbacks;
  details.storage = place
    ? 'typed arrays in the threads\' shared WebAssembly.Memory from 1024 elements on (no copies for products and worker passes), ordinary typed arrays below'
    : 'ordinary typed arrays';
  // outputs that kernels overwrite completely come from a pool of the arrays the engine freed
  const pool = new ArrayPool({ place, unplace });
  const take = pool.take;
  const kernels: KernelTable<TypedArray> = {
    unary: (op, x, size) => unary(op, x, size, take),
    binary: (op, a, b, size) => binary(op, a, b, size, take, shared?.binary),
    affine: (x, size, scale, shift) => affine(x, size, scale, shift, take),
    sum: (x, shape, axes) => {
      // a full sum of an array in shared memory: the SIMD kernel (float64 accumulation)
      const total = axes.length === shape.length ? shared?.sumAll(x) : undefined;
      if (total === undefined) return sum(x, shape, axes, shared?.columnSums);
      const out = allocHost(dtypeOfArray(x), 1);
      out[0] = total;
      return out;
    },
    max,
    slice: (x, shape, begin, size) => slice(x, shape, begin, size, take),
    pad: (x, shape, before, after) => pad(x, shape, before, after, take),
    cast: (x, size, to) => cast(x, size, to, take),
    transpose: (x, shape, perm) => transpose(x, shape, perm, take),
    expand: (x, shape, outShape) => expand(x, shape, outShape, take),
    adam: (p, d, m, v, size, h) => adam(p, d, m, v, size, h, take, shared?.adam),
    matmul: (a, b, p) => matmul(gemm, a, b, p, take),
    gemm: (a, b, p, alpha, c, beta, bias) => gemmWithEpilogue(gemm, a, b, p, alpha, c, beta, bias, take),
    pointwise: (pass, map, y, back, size) => pointwise(pass, map, y, back, size, take, shared?.pointwise),
    spline: (pass, x, knots, back, p) => spline(pass, x, knots, back, p, take, shared?.spline),
    splineKnots: (pass, uw, uh, ud, g, p) => splineKnots(pass, uw, uh, ud, g, p, take, shared?.mapF64, shared?.knots),
    solve: linalg.solve,
    inv: linalg.inv,
    slogdet: linalg.slogdet,
  };
  return {
    name: 'cpu',
    defaultDtype: 'float64',
    ...(maxBytes === undefined ? {} : { maxBytes }),
    describe: () => ({
      name: 'cpu',
      implementation: `typed arrays; gemm: ${gemmName}${kernel ? ` [${kernel}]` : ''}; LU: ${luName}`,
      dtypes: ['float64', 'float32'],
      details,
    }),
    upload: (values: TypedArray, dtype: DType) => {
      const out = take(dtype, values.length);
      out.set(values);
      return out;
    },
    readSync: (s: TypedArray, dtype: DType) => (dtypeOfArray(s) === dtype ? s.slice() : allocHost(dtype, s.length).fill(0).map((_, i) => s[i])),
    read: async (s: TypedArray, dtype: DType) => (dtypeOfArray(s) === dtype ? s.slice() : allocHost(dtype, s.length).map((_, i) => s[i])),
    free: (s: TypedArray) => pool.give(s),
    kernels,
  };
}

/** The CPU backend on the fastest GEMM tier available here (reported in describe().details.gemm). */
export function createFastCpuBackend(): Backend<TypedArray> {
  return createCpuBackend({ tier: 'auto' });
}
