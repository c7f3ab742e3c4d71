// The backend contract: storage plus one kernel per primitive. A backend that lacks a kernel
// fails to compile, because `KernelTable` is a complete mapped set of required methods.

import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

export type UnaryKernelOp = 'neg' | 'exp' | 'log' | 'log1p' | 'tanh' | 'abs' | 'sign' | 'sqrt' | 'reciprocal' | 'sin' | 'cos';
export type BinaryKernelOp = 'add' | 'mul' | 'maximum' | 'greater' | 'equal';

/** Batched product C[b] = op(A[b]) · op(B[b]); op transposes the last two axes when flagged. */
export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

/** Constants of one Adam step (Kingma & Ba 2015); c1, c2 are the bias corrections 1 - βᵗ. */
export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  c1: number;
  c2: number;
}

/**
 * An element-wise increasing map σ(y) = linear·y + outer·φ(inner·y) with a smooth base φ:
 * - 'softplus': φ(x) = log(1 + eˣ), φ' = s = sigmoid(x), φ'' = s(1 − s);
 * - 'tanh': φ(x) = tanh x = t, φ' = 1 − t², φ'' = −2t(1 − t²).
 * σ' = linear + outer·inner·φ'(inner·y) and σ'' = outer·inner²·φ''(inner·y); the caller keeps σ' > 0.
 */
export interface PointwiseMap {
  base: 'softplus' | 'tanh';
  linear: number;
  outer: number;
  inner: number;
}

/**
 * Which quantity a pointwise kernel computes element-wise, in one pass each (instead of the ~8
 * of their composite forms): 'value' σ(y); 'log-derivative' log σ'(y); 'input-gradient'
 * ∂/∂y [back·σ(y) − log σ'(y)] = σ'(y)·back − σ''(y)/σ'(y) (needs `back`).
 */
export type PointwisePass = 'value' | 'log-derivative' | 'input-gradient';

/**
 * A monotone rational-quadratic spline per unit (Durkan et al. 2019): K bins
 * on [-bound, bound], the identity outside; x is [rows, dim] and the knots three arrays [dim, K+1]:
 * every unit's x-knots, y-knots (both rising from -bound to bound) and derivatives.
 */
export interface SplineParams {
  rows: number;
  dim: number;
  bins: number;
  bound: number;
}

/**
 * Which quantity a spline kernel computes: 'value' f(x); 'log-derivative' log f'(x) (0 outside);
 * 'inverse' f⁻¹(x); 'input-gradient' back·f'(x) − ∂log f'(x)/∂x (needs `back`); 'knot-gradient'
 * Σ_rows ∂[back·f(x) − log f'(x)]/∂(xs, ys, ds), shape [3, dim, K+1] (needs `back`); 'backward' both
 * gradients from one pass over the elements, flat: the input gradient's rows·dim values, then the knot gradient's.
 */
export type SplinePass = 'value' | 'log-derivative' | 'inverse' | 'input-gradient' | 'knot-gradient' | 'backward';

/**
 * A spline's parametrisation by unconstrained values: per unit, K width and K height
 * logits and K − 1 unconstrained derivative values give the knots
 *   x_k = -bound + Σ_{i<k} 2·bound·(minBin + (1 − K·minBin)·softmax(uw)_i),  y_k likewise from uh,
 *   d_0 = d_K = 1,  d_k = minDerivative + softplus(ud_{k−1}).
 * `scale` multiplies the pulled-back gradient (e.g. 1/B for a batch mean).
 */
export interface SplineKnotParams {
  dim: number;
  bins: number;
  bound: number;
  minBin: number;
  minDerivative: number;
  scale: number;
}

/** Batched square-matrix parameters for the LU family. */
export interface SquareParams {
  batch: number;
  n: number;
}

/**
 * One kernel per primitive that computes. `S` is the backend's storage handle. Every kernel
 * returns fresh storage and never writes to its inputs. Shapes are already checked by the engine.
 */
export interface KernelTable<S> {
  unary(op: UnaryKernelOp, x: S, size: number): S;
  binary(op: BinaryKernelOp, a: S, b: S, size: number): S;
  /** out[i] = scale·x[i] + shift: arithmetic with a constant, without materialising it. */
  affine(x: S, size: number, scale: number, shift: number): S;
  /** Sum over `axes` of a tensor of `shape`; the result drops those axes. */
  sum(x: S, shape: Shape, axes: readonly number[]): S;
  /** Maximum over `axes`. */
  max(x: S, shape: Shape, axes: readonly number[]): S;
  /** Permutes axes: out axis i is input axis perm[i]. */
  transpose(x: S, shape: Shape, perm: readonly number[]): S;
  /** Broadcasts size-1 axes of `shape` (same rank as `outShape`) to `outShape`. */
  expand(x: S, shape: Shape, outShape: Shape): S;
  /** Takes the box begin[i] .. begin[i]+size[i] from each axis. */
  slice(x: S, shape: Shape, begin: readonly number[], size: readonly number[]): S;
  /** Surrounds with zeros: before[i] and after[i] elements on each axis. */
  pad(x: S, shape: Shape, before: readonly number[], after: readonly number[]): S;
  cast(x: S, size: number, to: DType): S;
  /**
   * One fused Adam step (not differentiable; optimisers only): m' = β1·m + (1-β1)·d,
   * v' = β2·v + (1-β2)·d², p' = p - lr·(m'/c1)/(√(v'/c2) + ε). One pass instead of ~16.
   */
  adam(p: S, d: S, m: S, v: S, size: number, h: AdamHyper): { p: S; m: S; v: S };
  matmul(a: S, b: S, p: MatmulParams): S;
  /**
   * A product with a fused epilogue (not differentiable; hand-written gradients only):
   * out[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] + 1·biasᵀ, where C (same shape as out) and the
   * row vector bias (n elements, shared by every row and batch) are optional.
   */
  gemm(a: S, b: S, p: MatmulParams, alpha: number, c: S | null, beta: number, bias: S | null): S;
  /** One pass of an element-wise map (see PointwiseMap, PointwisePass) over `size` elements; `back` only for 'input-gradient'. */
  pointwise(pass: PointwisePass, map: PointwiseMap, y: S, back: S | null, size: number): S;
  /** One spline pass (see SplinePass); `back` only for the two gradient passes. */
  spline(pass: SplinePass, x: S, knots: { xs: S; ys: S; ds: S }, back: S | null, p: SplineParams): S;
  /**
   * Optional: the spline knots ([dim, K+1] each) from the parameters uw, uh [dim, K] and
   * ud [dim, K−1] in one pass ('knots', see SplineKnotParams), or their gradient pulled back to the
   * parameters ('knots-backward': `g` is the knot gradient [3, dim, K+1]; returns scale·∂⟨knots, g⟩/∂(uw, uh, ud)).
   * A backend without it leaves the caller to compose engine ops (the same functions, differentiable).
   */
  splineKnots?(pass: 'knots' | 'knots-backward', uw: S, uh: S, ud: S, g: S | null, p: SplineKnotParams): [S, S, S];
  /** X = A⁻¹ B for A: [batch, n, n], B: [batch, n, nrhs]. Throws on a singular A. */
  solve(a: S, b: S, p: SquareParams, nrhs: number): S;
  /** A⁻¹ for A: [batch, n, n]. Throws on a singular A. */
  inv(a: S, p: SquareParams): S;
  /** sign(det A) and log|det A| for A: [batch, n, n]; singular gives sign 0, log|det| -Infinity. */
  slogdet(a: S, p: SquareParams): { sign: S; logabsdet: S };
}

/**
 * The LU family on host typed arrays: what a backend without kernels of its own for solve, inv and
 * slogdet (GPU.js cannot pivot) runs after reading back, and what the CPU backend accepts as an
 * alternative to its blocked LU. Same contracts as the KernelTable entries of the same names.
 */
export interface LuKernels {
  solve: (a: TypedArray, rhs: TypedArray, p: SquareParams, nrhs: number) => TypedArray;
  inv: (a: TypedArray, p: SquareParams) => TypedArray;
  slogdet: (a: TypedArray, p: SquareParams) => { sign: TypedArray; logabsdet: TypedArray };
}

/** LU kernels with a name that says what computes them (reported by a backend's describe()). */
export type HostLinalg = LuKernels & { readonly name: string };

/** What a backend's `describe()` reports: its name, what computes and where. */
export interface BackendInfo {
  /** Backend name as passed to setBackend. */
  name: string;
  /** What actually computes: e.g. 'typed arrays + js gemm', or a GPU.js kernel class. */
  implementation: string;
  dtypes: readonly DType[];
  details?: Record<string, string | number | boolean>;
}

/**
 * The backend contract: storage of type `S` (a typed array on the CPU, a device array on the GPU) plus one kernel per primitive.
 * Implement it to run the engine on new hardware; pass the object to `setBackend`.
 */
export interface Backend<S = unknown> {
  readonly name: string;
  /** dtype used when a tensor is created without one. */
  readonly defaultDtype: DType;
  /**
   * Bytes one tensor (with a transient host copy while it is created) may take; larger ones are
   * refused before allocating. Absent: the host's memory (engine/capacity.ts).
   */
  readonly maxBytes?: number;
  describe(): BackendInfo;
  upload(values: TypedArray, dtype: DType): S;
  /** Synchronous read-back to a host array of the storage's dtype. */
  readSync(s: S, dtype: DType, size: number): TypedArray;
  read(s: S, dtype: DType, size: number): Promise<TypedArray>;
  free(s: S): void;
  readonly kernels: KernelTable<S>;
}
