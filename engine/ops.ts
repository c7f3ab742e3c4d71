// The public ops. Primitives are called through `apply`; everything else here is a composite
// built from them and needs no gradient of its own. Binary ops broadcast NumPy-style by
// inserting explicit `expand` primitives (whose gradient is a sum).

import { apply, applyWithAux } from './primitives.js';
import { broadcastShapes, fmt, normalizeAxes, removeAxes, sameShape, sizeOf, type Shape } from './shape.js';
import { handleOf, StorageRef, storageOf, Tensor } from './tensor.js';
import type { DType } from './dtype.js';
import type { AdamHyper } from './backend.js';

/** A tensor or a plain number; a number is a scalar of the other operand's dtype and backend. */
export type TensorLike = Tensor | number;

/** A number becomes a scalar tensor of the other operand's dtype and backend. */
function lift(op: string, v: TensorLike, like: Tensor): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v !== 'number') throw new Error(`${op}: expected a Tensor or a number, got ${typeof v}`);
  const host = like.dtype === 'float64' ? new Float64Array([v]) : new Float32Array([v]);
  return new Tensor([], like.dtype, new StorageRef(like.backend, like.backend.upload(host, like.dtype)));
}

function pair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, lift(op, b, a)];
  if (b instanceof Tensor) return [lift(op, a, b), b];
  throw new Error(`${op}: at least one operand must be a Tensor`);
}

/** Broadcasts x to `shape` (NumPy rules) with reshape + the expand primitive. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  if (x.rank > shape.length) throw new Error(`broadcastTo: cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  const padded = x.rank === shape.length ? x : reshape(x, [...new Array<number>(shape.length - x.rank).fill(1), ...x.shape]);
  return apply('expand', [padded], { shape: [...shape] });
}

function binary(op: 'add' | 'mul' | 'maximum' | 'greater' | 'equal', a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = pair(op, a, b);
  const shape = broadcastShapes(op, x.shape, y.shape);
  return apply(op, [broadcastTo(x, shape), broadcastTo(y, shape)], {});
}

/** a·x + c for constants a and c (one pass, no broadcast tensor). */
export const affine = (x: Tensor, scale: number, shift: number): Tensor =>
  scale === 1 && shift === 0 ? x : apply('affine', [x], { scale, shift });

/** affine on behalf of `op`, so errors (e.g. a disposed input) name the op the caller used. */
function affineFor(op: string, x: Tensor, scale: number, shift: number): Tensor {
  handleOf(x, op);
  return affine(x, scale, shift);
}

// element-wise, binary (broadcasting); a plain number operand becomes an affine map
/** a + b element-wise, broadcasting; d/da = 1, d/db = 1. */
export const add = (a: TensorLike, b: TensorLike): Tensor => {
  if (typeof b === 'number' && a instanceof Tensor) return affineFor('add', a, 1, b);
  if (typeof a === 'number' && b instanceof Tensor) return affineFor('add', b, 1, a);
  return binary('add', a, b);
};
/** a · b element-wise, broadcasting; d/da = b, d/db = a. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => {
  if (typeof b === 'number' && a instanceof Tensor) return affineFor('mul', a, b, 0);
  if (typeof a === 'number' && b instanceof Tensor) return affineFor('mul', b, a, 0);
  return binary('mul', a, b);
};
/** max(a, b) element-wise, broadcasting; the gradient goes to a where a > b, else to b (ties go to b). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
/** 1 where a > b, else 0 (no gradient). */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('greater', a, b);
/** 1 where a == b, else 0 (no gradient). */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('equal', a, b);
/**
 * Checks a composite's tensor operands before it calls the primitives it is built from, so that a
 * disposed input, mixed dtypes or unbroadcastable shapes are reported under the op the caller used.
 */
function checkOperands(op: string, tensors: readonly Tensor[]): void {
  const [first] = tensors;
  let shape: Shape = [];
  for (const t of tensors) {
    handleOf(t, op);
    if (t.dtype !== first.dtype) throw new Error(`${op}: dtypes differ (${first.dtype} ${fmt(first.shape)} and ${t.dtype} ${fmt(t.shape)}); cast one first`);
    if (t.backend !== first.backend) throw new Error(`${op}: inputs live on different backends (${first.backend.name} and ${t.backend.name})`);
    shape = broadcastShapes(op, shape, t.shape);
  }
}

/** a − b element-wise, broadcasting; d/da = 1, d/db = −1. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => {
  if (typeof b === 'number' && a instanceof Tensor) return affineFor('sub', a, 1, -b);
  if (typeof a === 'number' && b instanceof Tensor) return affineFor('sub', b, -1, a);
  const [x, y] = pair('sub', a, b);
  checkOperands('sub', [x, y]);
  return add(x, neg(y));
};
/** a / b element-wise, broadcasting, as a · (1/b); d/da = 1/b, d/db = −a/b². */
export const div = (a: TensorLike, b: TensorLike): Tensor => {
  if (typeof b === 'number' && a instanceof Tensor) return affineFor('div', a, 1 / b, 0);
  const [x, y] = pair('div', a, b);
  checkOperands('div', [x, y]);
  return mul(x, reciprocal(y));
};
/** min(a, b) element-wise, broadcasting, as −max(−a, −b). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => {
  const [x, y] = pair('minimum', a, b);
  checkOperands('minimum', [x, y]);
  return neg(maximum(neg(x), neg(y)));
};
/** cond ? a : b for a 0/1 mask `cond` (NaN in the branch not taken still propagates). */
export const where = (cond: Tensor, a: TensorLike, b: TensorLike): Tensor => {
  checkOperands('where', [cond, ...[a, b].filter((v): v is Tensor => v instanceof Tensor)]);
  return add(mul(cond, a), mul(sub(1, cond), b));
};

// element-wise, unary
/** −x element-wise; d/dx = −1. */
export const neg = (x: Tensor): Tensor => apply('neg', [x], {});
/** eˣ element-wise; d/dx = eˣ. */
export const exp = (x: Tensor): Tensor => apply('exp', [x], {});
/** Natural logarithm ln x element-wise; d/dx = 1/x. */
export const log = (x: Tensor): Tensor => apply('log', [x], {});
/** ln(1 + x) element-wise, accurate for small |x|; d/dx = 1/(1 + x). */
export const log1p = (x: Tensor): Tensor => apply('log1p', [x], {});
/** tanh x element-wise; d/dx = 1 − tanh²x. */
export const tanh = (x: Tensor): Tensor => apply('tanh', [x], {});
/** |x| element-wise; d/dx = sign(x) (0 at x = 0). */
export const abs = (x: Tensor): Tensor => apply('abs', [x], {});
/** −1, 0 or 1 element-wise as x < 0, x = 0, x > 0; zero gradient. */
export const sign = (x: Tensor): Tensor => apply('sign', [x], {});
/** √x element-wise; d/dx = 1/(2√x). */
export const sqrt = (x: Tensor): Tensor => apply('sqrt', [x], {});
/** 1/x element-wise; d/dx = −1/x². */
export const reciprocal = (x: Tensor): Tensor => apply('reciprocal', [x], {});
/** sin x element-wise (radians); d/dx = cos x. */
export const sin = (x: Tensor): Tensor => apply('sin', [x], {});
/** cos x element-wise (radians); d/dx = −sin x. */
export const cos = (x: Tensor): Tensor => apply('cos', [x], {});
/** x² element-wise, as x · x; d/dx = 2x. */
export const square = (x: Tensor): Tensor => mul(x, x);

/**
 * xᵖ element-wise. A number p: integer |p| ≤ 64 by repeated squaring (exact for any sign of x,
 * gradient p·xᵖ⁻¹ everywhere), ½ as sqrt, otherwise exp(p·log x) (NaN for x < 0, as NumPy).
 * A tensor p (broadcast): exp(p·log x), defined for x > 0 (x = 0 gives 0 for p > 0).
 */
export function pow(x: Tensor, p: TensorLike): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`pow: the base must be a Tensor, got ${typeof x}`);
  if (p instanceof Tensor) return exp(mul(p, log(x)));
  if (typeof p !== 'number') throw new Error(`pow: the exponent must be a number or a Tensor, got ${typeof p}`);
  if (p === 0) {
    // x⁰ = 1 everywhere, NaN included (NumPy's rule), with x's shape; no gradient flows
    const ones = x.dtype === 'float64' ? new Float64Array(x.size).fill(1) : new Float32Array(x.size).fill(1);
    return new Tensor(x.shape, x.dtype, new StorageRef(x.backend, x.backend.upload(ones, x.dtype)));
  }
  if (p === 0.5) return sqrt(x);
  if (Number.isInteger(p) && Math.abs(p) <= 64) {
    // x^|p| by squaring: x^13 = x^8 · x^4 · x
    let result: Tensor | undefined;
    let base = x;
    for (let k = Math.abs(p); k > 0; k >>= 1) {
      if (k & 1) result = result === undefined ? base : mul(result, base);
      if (k > 1) base = mul(base, base);
    }
    return p < 0 ? reciprocal(result as Tensor) : (result as Tensor);
  }
  return exp(mul(log(x), p));
}

/**
 * clip(x, lo, hi) = min(max(x, lo), hi). Gradient 1 strictly inside (lo, hi), 0 outside and at the
 * bounds (maximum/minimum give ties to the bound).
 */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new Error(`clip: lower bound ${lo} is above the upper bound ${hi}`);
  return minimum(maximum(x, lo), hi);
}
/** max(x, 0) element-wise; d/dx = 1 for x > 0, else 0. */
export const relu = (x: Tensor): Tensor => maximum(x, 0);
/**
 * |x| as max(x, -x): the same value as abs(x), but its derivative at x = 0 is -1 (the x < 0
 * branch, since maximum gives ties to its second operand) where abs's is sign(0) = 0. softplus
 * and logcosh use it so that x = 0 takes the x < 0 branch throughout (relu'(0) = 0 there too), a
 * smooth branch: softplus'(0) = ½, sigmoid'(0) = ¼ and logcosh''(0) = 1 come out exact, which
 * abs(x) would get wrong (0) for zero-initialised parameters.
 */
function absAsBranch(x: Tensor): Tensor {
  // maximum gives ties to its second operand, so at 0 this is -x: the x < 0 branch (2 passes)
  return maximum(x, neg(x));
}
/** softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^{-|x|}), stable for large |x|. */
export const softplus = (x: Tensor): Tensor => add(relu(x), log1p(exp(neg(absAsBranch(x)))));
/** sigmoid(x) = 1/(1 + e^{-x}) = exp(-softplus(-x)), stable for large |x|. */
export const sigmoid = (x: Tensor): Tensor => exp(neg(softplus(neg(x))));
/** log sigmoid(x) = -softplus(-x). */
export const logSigmoid = (x: Tensor): Tensor => neg(softplus(neg(x)));
/** log cosh(x) = |x| + log1p(e^{-2|x|}) - log 2, stable for large |x|. */
export const logcosh = (x: Tensor): Tensor => {
  const ax = absAsBranch(x);
  return sub(add(ax, log1p(exp(mul(ax, -2)))), Math.LN2);
};

/** x converted to `dtype` ('float64' or 'float32'); x itself when it already has it. The gradient is cast back. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype !== 'float64' && dtype !== 'float32') throw new Error(`cast: unknown dtype '${String(dtype)}'; expected float64 or float32`);
  handleOf(x, 'cast');
  return x.dtype === dtype ? x : apply('cast', [x], { dtype });
}

// reductions
/** Σ over `axes` (default: all, giving a scalar []); `keepDims` keeps them as size 1. Gradient: broadcast back. */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes('sum', axes, x.rank);
  const out = apply('sum', [x], { axes: ax });
  return keepDims ? reshape(out, x.shape.map((d, i) => (ax.includes(i) ? 1 : d))) : out;
}

/** Arithmetic mean over `axes` (default: all, giving a scalar []), as sum / count; `keepDims` keeps them as size 1. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  return div(sum(x, ax, keepDims), count);
}

/**
 * Maximum over `axes` (default: all, giving a scalar []); `keepDims` keeps them as size 1.
 * The gradient is shared equally among the maximal entries.
 */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes('max', axes, x.rank);
  const out = apply('max', [x], { axes: ax });
  return keepDims ? reshape(out, x.shape.map((d, i) => (ax.includes(i) ? 1 : d))) : out;
}

/** Minimum over axes: -max(-x); the gradient is shared equally among tied minima. */
export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return neg(max(neg(x), axes, keepDims));
}

/**
 * Index of the first maximum along `axis` (default: the last), as a tensor of x's dtype without
 * the axis (exact below 2²⁴ entries in float32). A NaN counts as the maximum (NumPy's rule).
 * No gradient (piecewise constant). Composite: one max, two comparisons, one max of a score.
 */
export function argmax(x: Tensor, axis = -1): Tensor {
  const [ax] = normalizeAxes('argmax', axis, x.rank);
  const n = x.shape[ax];
  if (n === 0) throw new Error(`argmax: axis ${ax} of ${fmt(x.shape)} is empty`);
  const m = max(x, ax, true);
  const isNaN = sub(1, equal(x, x));
  const hits = maximum(equal(x, m), isNaN);
  // score n - i at a hit: the largest score is the first hit
  const ramp = new Float64Array(n);
  for (let i = 0; i < n; i++) ramp[i] = n - i;
  const host = x.dtype === 'float64' ? ramp : Float32Array.from(ramp);
  const rampShape = x.shape.map((d, i) => (i === ax ? n : 1));
  const rampT = new Tensor(rampShape, x.dtype, new StorageRef(x.backend, x.backend.upload(host, x.dtype)));
  return stopGradient(sub(n, max(mul(hits, rampT), ax)));
}

/** log softmax(x) = x - logsumexp(x) along `axis` (default: the last). Stable for large |x|. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logsumexp(x, axis, true));
}

/** softmax(x)_i = exp(x_i) / Σ_j exp(x_j) along `axis` (default: the last), as exp(logSoftmax(x)). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}

/**
 * Entries `indices` along `axis` (tf.gather / np.take): out has x's shape with that axis replaced by
 * indices.length. Indices are host integers (or a tensor of them, read back), 0 ≤ i < n, repeats
 * allowed; the gradient scatters back (repeated indices add up). Composite: one slice per run of
 * consecutive indices, joined by a balanced tree of concatenations — exact (no arithmetic on
 * entries not taken), O(R·log R) pieces for R runs.
 */
export function gather(x: Tensor, indices: readonly number[] | Tensor, axis = 0): Tensor {
  const [ax] = normalizeAxes('gather', axis, x.rank);
  const n = x.shape[ax];
  const list = indices instanceof Tensor ? Array.from(indices.dataSync()) : [...indices];
  if (list.length === 0) throw new Error(`gather: needs at least one index`);
  list.forEach((i, k) => {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new Error(`gather: index ${i} (position ${k}) is out of range for axis ${ax} of ${fmt(x.shape)} (0 ≤ i < ${n})`);
    }
  });
  const pieces: Tensor[] = [];
  for (let k = 0; k < list.length; ) {
    let run = 1;
    while (k + run < list.length && list[k + run] === list[k] + run) run++;
    const begin = x.shape.map((_, i) => (i === ax ? list[k] : 0));
    const size = x.shape.map((d, i) => (i === ax ? run : d));
    pieces.push(slice(x, begin, size));
    k += run;
  }
  let level = pieces;
  while (level.length > 1) {
    const next: Tensor[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? concat([level[i], level[i + 1]], ax) : level[i]);
    level = next;
  }
  return level[0];
}

/** log Σ exp(x) over axes, shifted by the (gradient-stopped) maximum for stability. */
export function logsumexp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes('logsumexp', axes, x.rank);
  handleOf(x, 'logsumexp');
  if (ax.some((a) => x.shape[a] === 0)) throw new Error(`logsumexp: cannot reduce an empty tensor ${fmt(x.shape)} over axes [${ax.join(',')}]`);
  const m = stopGradient(max(x, ax, true));
  const out = add(log(sum(exp(sub(x, m)), ax, true)), m);
  return keepDims ? out : reshape(out, removeAxes(x.shape, ax));
}

// layout
/** The same values (row-major order) with a new shape of equal size; one axis may be −1, inferred. Shares storage, no copy. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const free = shape.indexOf(-1);
  const target = [...shape];
  if (free >= 0) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    target[free] = known === 0 ? 0 : x.size / known;
    if (!Number.isInteger(target[free])) throw new Error(`reshape: cannot reshape ${fmt(x.shape)} to ${fmt(shape)}`);
  }
  if (sameShape(target, x.shape)) return x;
  return apply('reshape', [x], { shape: target });
}

/** Permutes axes; without `perm` reverses them (a matrix is transposed). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.every((a, i) => a === i)) return x;
  return apply('transpose', [x], { perm: [...p] });
}

/** Swaps the last two axes: a batch of matrices transposed. */
export function swapLastAxes(x: Tensor): Tensor {
  if (x.rank < 2) throw new Error(`swapLastAxes: needs rank ≥ 2, got ${fmt(x.shape)}`);
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return transpose(x, perm);
}

/** The box begin..begin+size on each axis; a size of -1 runs to the end. */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  const sz = x.shape.map((d, i) => (size === undefined || size[i] === -1 ? d - begin[i] : size[i]));
  if (begin.length !== x.rank) throw new Error(`slice: begin [${begin.join(',')}] does not fit ${fmt(x.shape)}`);
  return apply('slice', [x], { begin: [...begin], size: sz });
}

/** x padded with zeros: `before[i]` and `after[i]` entries on each side of axis i. The gradient is the matching slice. */
export function pad(x: Tensor, before: readonly number[], after: readonly number[]): Tensor {
  return apply('pad', [x], { before: [...before], after: [...after] });
}

/** Joins tensors along an axis (a sum of zero-padded pieces). */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  const [first] = tensors;
  const ax = normalizeAxes('concat', axis, first.rank)[0];
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new Error(`concat: ${fmt(t.shape)} does not fit ${fmt(first.shape)} along axis ${ax}`);
    }
  }
  const total = tensors.reduce((n, t) => n + t.shape[ax], 0);
  let offset = 0;
  let out: Tensor | undefined;
  for (const t of tensors) {
    const before = t.shape.map((_, i) => (i === ax ? offset : 0));
    const after = t.shape.map((d, i) => (i === ax ? total - offset - d : 0));
    offset += t.shape[ax];
    const piece = pad(t, before, after);
    out = out === undefined ? piece : add(out, piece);
  }
  return out as Tensor;
}

/** Stacks equal-shaped tensors along a new leading axis. */
export function stack(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw new Error('stack: needs at least one tensor');
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`stack: item ${i} is not a Tensor (got ${typeof t})`);
    handleOf(t, 'stack');
    if (!sameShape(t.shape, tensors[0].shape)) {
      throw new Error(`stack: tensor ${i} has shape ${fmt(t.shape)}, tensor 0 has ${fmt(tensors[0].shape)}; stacked tensors need equal shapes`);
    }
  });
  return concat(tensors.map((t) => reshape(t, [1, ...t.shape])), 0);
}

// linear algebra
/** Transpose flags of `matmul`: op(A) = Aᵀ when `transA`, op(B) = Bᵀ when `transB`. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * op(A)·op(B) on the last two axes, batch axes broadcast. Cost O(batch·m·n·k).
 * When B has no batch axes and A is not transposed, A's batch folds into its rows (one product).
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul: ${fmt(a.shape)} x ${fmt(b.shape)}: both need rank ≥ 2`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (sameShape(batchA, batchB)) return apply('matmul', [a, b], { transA, transB });
  if (batchB.length === 0 && !transA) {
    const [rows, cols] = a.shape.slice(-2);
    const folded = apply('matmul', [reshape(a, [sizeOf(batchA) * rows, cols]), b], { transA, transB });
    return reshape(folded, [...batchA, rows, folded.shape[1]]);
  }
  const batch = broadcastShapes('matmul', batchA, batchB);
  const a2 = broadcastTo(a, [...batch, ...a.shape.slice(-2)]);
  const b2 = broadcastTo(b, [...batch, ...b.shape.slice(-2)]);
  return apply('matmul', [a2, b2], { transA, transB });
}

/** X = A⁻¹B by LU (batch axes broadcast; B may be a vector [..., n]). Cost O(n³ + n²r). */
export function solve(a: Tensor, b: Tensor): Tensor {
  const vector = b.rank === a.rank - 1;
  const bm = vector ? reshape(b, [...b.shape, 1]) : b;
  const batch = broadcastShapes('solve', a.shape.slice(0, -2), bm.shape.slice(0, -2));
  const x = apply('solve', [broadcastTo(a, [...batch, ...a.shape.slice(-2)]), broadcastTo(bm, [...batch, ...bm.shape.slice(-2)])], {});
  return vector ? reshape(x, x.shape.slice(0, -1)) : x;
}

/** A⁻¹ by LU with partial pivoting. Cost O(n³). */
export const inv = (a: Tensor): Tensor => apply('inv', [a], {});

/** log|det A| (differentiable, gradient A⁻ᵀ). Cost O(n³). */
export const logAbsDet = (a: Tensor): Tensor => apply('logabsdet', [a], {});

/** sign(det A) (no gradient) and log|det A| by one LU. */
export function slogdet(a: Tensor): { sign: Tensor; logabsdet: Tensor } {
  const { out, aux } = applyWithAux('logabsdet', [a], {});
  return { sign: aux[0], logabsdet: out };
}

/**
 * One fused Adam step for parameter p with direction d and moments m, v (same shapes, one
 * backend): returns the new { p, m, v }. Not differentiable and not recorded: optimisers only.
 */
export function adamUpdate(p: Tensor, d: Tensor, m: Tensor, v: Tensor, h: AdamHyper): { p: Tensor; m: Tensor; v: Tensor } {
  for (const t of [d, m, v]) {
    if (!sameShape(t.shape, p.shape) || t.dtype !== p.dtype || t.backend !== p.backend) {
      throw new Error(`adamUpdate: ${fmt(t.shape)} ${t.dtype} does not match the parameter ${fmt(p.shape)} ${p.dtype}`);
    }
  }
  const r = p.backend.kernels.adam(handleOf(p, 'adamUpdate'), handleOf(d, 'adamUpdate'), handleOf(m, 'adamUpdate'), handleOf(v, 'adamUpdate'), p.size, h);
  const wrap = (s: unknown): Tensor => new Tensor(p.shape, p.dtype, new StorageRef(p.backend, s));
  return { p: wrap(r.p), m: wrap(r.m), v: wrap(r.v) };
}

/** An alias of x through which no gradient flows. */
export function stopGradient(x: Tensor): Tensor {
  handleOf(x, 'stopGradient');
  return new Tensor(x.shape, x.dtype, storageOf(x).retain());
}
