// Fused ops for hand-written gradients: a product with its epilogue in one kernel call, and one
// pass of an element-wise map with its derivatives. Like adamUpdate they are not differentiable and are
// never recorded on a tape; under `grad` (when an input is being tracked) they refuse, so a
// caller uses the composite ops there. Cost: the product's 2·m·n·k flops plus one pass.

import type { PointwiseMap, PointwisePass, SplinePass } from './backend.js';
import { isRecording } from './tape.js';
import { fmt, sameShape, sizeOf } from './shape.js';
import { handleOf, StorageRef, Tensor } from './tensor.js';

/** Options of the fused product `gemm`: transposes of A and B, the scale α and the epilogue added to α·op(A)·op(B). */
export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  /** Scale of the product (default 1). */
  alpha?: number;
  /** Addend with the output's shape, scaled by beta. */
  c?: Tensor;
  /** Scale of c (default 1). */
  beta?: number;
  /** Row vector [n] added to every row of the output. */
  bias?: Tensor;
}

function refuseUnderTape(op: string, inputs: Tensor[]): void {
  if (isRecording(inputs)) {
    throw new Error(`${op}: not differentiable (a fused kernel for hand-written gradients); use the composite ops (matmul, add, ...) under grad`);
  }
}

function sameBackendAndDtype(op: string, first: Tensor, others: Tensor[]): void {
  for (const t of others) {
    if (t.backend !== first.backend || t.dtype !== first.dtype) {
      throw new Error(`${op}: ${fmt(t.shape)} ${t.dtype} on ${t.backend.name} does not match ${fmt(first.shape)} ${first.dtype} on ${first.backend.name}`);
    }
  }
}

/**
 * alpha·op(A)·op(B) + beta·C + 1·biasᵀ for A, B with equal batch axes [..., m, k]·[..., k, n]
 * (op = transpose of the last two axes when flagged). One product, one epilogue pass.
 */
export function gemm(a: Tensor, b: Tensor, options: GemmOptions = {}): Tensor {
  const { transA = false, transB = false, alpha = 1, c, beta = 1, bias } = options;
  const extra = [...(c ? [c] : []), ...(bias ? [bias] : [])];
  refuseUnderTape('gemm', [a, b, ...extra]);
  sameBackendAndDtype('gemm', a, [b, ...extra]);
  if (a.rank < 2 || a.rank !== b.rank || !sameShape(a.shape.slice(0, -2), b.shape.slice(0, -2))) {
    throw new Error(`gemm: ${fmt(a.shape)} x ${fmt(b.shape)}: needs equal batch axes and rank ≥ 2`);
  }
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2) throw new Error(`gemm: ${fmt(a.shape)}${transA ? 'ᵀ' : ''} x ${fmt(b.shape)}${transB ? 'ᵀ' : ''}: inner dimensions ${k} and ${k2} differ`);
  const batchShape = a.shape.slice(0, -2);
  const shape = [...batchShape, m, n];
  if (c && !sameShape(c.shape, shape)) throw new Error(`gemm: addend c ${fmt(c.shape)} does not match the output ${fmt(shape)}`);
  if (bias && !sameShape(bias.shape, [n])) throw new Error(`gemm: bias ${fmt(bias.shape)} must be [${n}]`);
  const p = { batch: sizeOf(batchShape), m, n, k, transA, transB };
  const out = a.backend.kernels.gemm(
    handleOf(a, 'gemm'), handleOf(b, 'gemm'), p, alpha, c ? handleOf(c, 'gemm') : null, beta, bias ? handleOf(bias, 'gemm') : null,
  );
  return new Tensor(shape, a.dtype, new StorageRef(a.backend, out));
}

/**
 * One pass of the element-wise map σ(y) = linear·y + outer·φ(inner·y) (see PointwiseMap and
 * PointwisePass): 'value' σ(y), 'log-derivative' log σ'(y), or 'input-gradient'
 * σ'(y)·back − σ''(y)/σ'(y), the gradient of back·σ(y) − log σ'(y) with respect to y.
 */
export function pointwisePass(pass: PointwisePass, map: PointwiseMap, y: Tensor, back?: Tensor): Tensor {
  refuseUnderTape('pointwisePass', back ? [y, back] : [y]);
  if (pass === 'input-gradient') {
    if (!back) throw new Error("pointwisePass: the 'input-gradient' pass needs the back-propagated error");
    sameBackendAndDtype('pointwisePass', y, [back]);
    if (!sameShape(y.shape, back.shape)) throw new Error(`pointwisePass: y ${fmt(y.shape)} and back ${fmt(back.shape)} differ`);
  }
  const out = y.backend.kernels.pointwise(pass, map, handleOf(y, 'pointwisePass'), back ? handleOf(back, 'pointwisePass') : null, y.size);
  return new Tensor(y.shape, y.dtype, new StorageRef(y.backend, out));
}

/** A spline's knots, [dim, K+1] each: x-knots and y-knots (rising from -bound to bound) and derivatives. */
export interface SplineKnots {
  xs: Tensor;
  ys: Tensor;
  ds: Tensor;
}

/**
 * One spline pass (see SplinePass) for x: [rows, dim] and knots [dim, K+1] each; `back` [rows, dim]
 * for the gradient passes. Returns [rows, dim], [3, dim, K+1] for 'knot-gradient' (the gradients
 * of xs, ys and ds), or both flat for 'backward' ([rows·dim + 3·dim·(K+1)], input gradient first). Not differentiable (the flow's spline layer keeps a composite path
 * for tapes).
 */
export function splinePass(pass: SplinePass, x: Tensor, knots: SplineKnots, options: { bound: number; back?: Tensor }): Tensor {
  const { back, bound } = options;
  const { xs, ys, ds } = knots;
  refuseUnderTape('splinePass', back ? [x, xs, ys, ds, back] : [x, xs, ys, ds]);
  sameBackendAndDtype('splinePass', x, back ? [xs, ys, ds, back] : [xs, ys, ds]);
  if (x.rank !== 2) throw new Error(`splinePass: x must be [rows, dim], got ${fmt(x.shape)}`);
  const [rows, dim] = x.shape;
  for (const [name, k] of [['xs', xs], ['ys', ys], ['ds', ds]] as const) {
    if (k.rank !== 2 || k.shape[0] !== dim || k.shape[1] < 3 || k.shape[1] !== xs.shape[1]) {
      throw new Error(`splinePass: knots.${name} must be [${dim}, K+1] with K ≥ 2 (as knots.xs) for x ${fmt(x.shape)}, got ${fmt(k.shape)}`);
    }
  }
  if (!(bound > 0) || !Number.isFinite(bound)) throw new Error(`splinePass: bound must be a positive number, got ${bound}`);
  const needsBack = pass === 'input-gradient' || pass === 'knot-gradient' || pass === 'backward';
  if (needsBack && back === undefined) throw new Error(`splinePass: the '${pass}' pass needs the back-propagated error`);
  if (back !== undefined && !sameShape(back.shape, x.shape)) throw new Error(`splinePass: back ${fmt(back.shape)} and x ${fmt(x.shape)} differ`);
  const K = xs.shape[1] - 1;
  const h = (t: Tensor): unknown => handleOf(t, 'splinePass');
  const out = x.backend.kernels.spline(pass, h(x), { xs: h(xs), ys: h(ys), ds: h(ds) }, back ? h(back) : null, { rows, dim, bins: K, bound });
  const shape = pass === 'knot-gradient' ? [3, dim, K + 1] : pass === 'backward' ? [rows * dim + 3 * dim * (K + 1)] : x.shape;
  return new Tensor(shape, x.dtype, new StorageRef(x.backend, out));
}

/** The spline parametrisation's constants (see SplineKnotParams): interval, smallest bin fraction and interior derivative. */
export interface SplineKnotOptions {
  bound: number;
  minBin: number;
  minDerivative: number;
}

/** Checks uw, uh [dim, K] and ud [dim, K−1] (one backend and dtype) and returns dim and K. */
function knotShape(op: string, uw: Tensor, uh: Tensor, ud: Tensor): { dim: number; K: number } {
  sameBackendAndDtype(op, uw, [uh, ud]);
  if (uw.rank !== 2 || uw.shape[1] < 2) throw new Error(`${op}: uw must be [dim, K] with K ≥ 2, got ${fmt(uw.shape)}`);
  const [dim, K] = uw.shape;
  if (!sameShape(uh.shape, uw.shape)) throw new Error(`${op}: uh must be ${fmt(uw.shape)} as uw, got ${fmt(uh.shape)}`);
  if (ud.rank !== 2 || ud.shape[0] !== dim || ud.shape[1] !== K - 1) throw new Error(`${op}: ud must be [${dim}, ${K - 1}], got ${fmt(ud.shape)}`);
  return { dim, K };
}

/**
 * The spline knots from the layer's parameters uw, uh [dim, K] and ud [dim, K−1] in one kernel
 * pass (SplineKnotParams gives the map), or undefined when the backend has no such kernel (then the
 * caller composes engine ops). Not differentiable.
 */
export function splineKnots(uw: Tensor, uh: Tensor, ud: Tensor, o: SplineKnotOptions): SplineKnots | undefined {
  const kernel = uw.backend.kernels.splineKnots;
  if (kernel === undefined) return undefined;
  refuseUnderTape('splineKnots', [uw, uh, ud]);
  const { dim, K } = knotShape('splineKnots', uw, uh, ud);
  const h = (t: Tensor): unknown => handleOf(t, 'splineKnots');
  const out = kernel('knots', h(uw), h(uh), h(ud), null, { dim, bins: K, ...o, scale: 1 });
  const wrap = (s: unknown): Tensor => new Tensor([dim, K + 1], uw.dtype, new StorageRef(uw.backend, s));
  return { xs: wrap(out[0]), ys: wrap(out[1]), ds: wrap(out[2]) };
}

/**
 * scale·∂⟨knots(uw, uh, ud), g⟩/∂(uw, uh, ud) for a knot gradient g [3, dim, K+1] (xs, ys, ds) in
 * one kernel pass, or undefined when the backend has no such kernel. Not differentiable.
 */
export function splineKnotsBackward(uw: Tensor, uh: Tensor, ud: Tensor, g: Tensor, o: SplineKnotOptions & { scale: number }): [Tensor, Tensor, Tensor] | undefined {
  const kernel = uw.backend.kernels.splineKnots;
  if (kernel === undefined) return undefined;
  refuseUnderTape('splineKnotsBackward', [uw, uh, ud, g]);
  const { dim, K } = knotShape('splineKnotsBackward', uw, uh, ud);
  sameBackendAndDtype('splineKnotsBackward', uw, [g]);
  if (g.size !== 3 * dim * (K + 1)) throw new Error(`splineKnotsBackward: g must hold 3·${dim}·${K + 1} values ([3, dim, K+1]), got ${fmt(g.shape)}`);
  const h = (t: Tensor): unknown => handleOf(t, 'splineKnotsBackward');
  const out = kernel('knots-backward', h(uw), h(uh), h(ud), h(g), { dim, bins: K, ...o });
  const wrap = (s: unknown, cols: number): Tensor => new Tensor([dim, cols], uw.dtype, new StorageRef(uw.backend, s));
  return [wrap(out[0], K), wrap(out[1], K), wrap(out[2], K - 1)];
}
