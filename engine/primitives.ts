// The closed set of primitive ops. Each entry checks shapes, runs its backend kernel, and states
// its backward rule right beside, written with engine ops so the backward pass is itself
// differentiable. `RULES` is a complete mapped type: a primitive without a rule does not compile.
// Cotangents carry a leading batch axis K (see tape.ts); NumPy broadcasting in the composite ops
// (ops.ts) lines saved values up with it on the right.

import type { BinaryKernelOp, UnaryKernelOp } from './backend.js';
import { assertFits } from './capacity.js';
import type { DType } from './dtype.js';
import { fmt, keepAxes, removeAxes, sameShape, sizeOf, type Shape } from './shape.js';
import { isRecording, record } from './tape.js';
import { handleOf, StorageRef, storageOf, Tensor } from './tensor.js';
import * as ops from './ops.js';

export interface PrimitiveParams {
  neg: object; exp: object; log: object; log1p: object; tanh: object;
  abs: object; sign: object; sqrt: object; reciprocal: object; sin: object; cos: object;
  add: object; mul: object; maximum: object; greater: object; equal: object;
  affine: { scale: number; shift: number };
  sum: { axes: readonly number[] };
  max: { axes: readonly number[] };
  reshape: { shape: readonly number[] };
  transpose: { perm: readonly number[] };
  expand: { shape: readonly number[] };
  slice: { begin: readonly number[]; size: readonly number[] };
  pad: { before: readonly number[]; after: readonly number[] };
  cast: { dtype: DType };
  identity: object;
  matmul: { transA: boolean; transB: boolean };
  solve: object;
  inv: object;
  logabsdet: object;
}
export type PrimitiveName = keyof PrimitiveParams;

type Grads = (Tensor | null)[];

interface Rule<P extends PrimitiveName> {
  /** Checks inputs, runs the kernel; may return non-differentiable auxiliary outputs too. */
  forward(inputs: readonly Tensor[], params: PrimitiveParams[P]): Tensor | { out: Tensor; aux: Tensor[] };
  backward(g: Tensor, inputs: readonly Tensor[], out: Tensor, params: PrimitiveParams[P], needs: readonly boolean[]): Grads;
}

// ---------------------------------------------------------------------------------------------
// helpers

function wrap(like: Tensor, shape: Shape, storage: unknown, dtype: DType = like.dtype): Tensor {
  return new Tensor([...shape], dtype, new StorageRef(like.backend, storage));
}

function sameDevice(op: string, inputs: readonly Tensor[]): void {
  const [first] = inputs;
  for (const t of inputs) {
    if (t.backend !== first.backend) {
      throw new Error(`${op}: inputs live on different backends (${first.backend.name} and ${t.backend.name})`);
    }
    if (t.dtype !== first.dtype) {
      throw new Error(`${op}: dtypes differ (${first.dtype} ${fmt(first.shape)} and ${t.dtype} ${fmt(t.shape)}); cast one first`);
    }
  }
}

function unaryForward(op: UnaryKernelOp) {
  return (inputs: readonly Tensor[]): Tensor => {
    const [x] = inputs;
    return wrap(x, x.shape, x.backend.kernels.unary(op, handleOf(x, op), x.size));
  };
}

function binaryForward(op: BinaryKernelOp) {
  return (inputs: readonly Tensor[]): Tensor => {
    const [a, b] = inputs;
    sameDevice(op, inputs);
    if (!sameShape(a.shape, b.shape)) {
      throw new Error(`${op}: shapes ${fmt(a.shape)} and ${fmt(b.shape)} differ (primitives do not broadcast; use ops.${op})`);
    }
    return wrap(a, a.shape, a.backend.kernels.binary(op, handleOf(a, op), handleOf(b, op), a.size));
  };
}

/** Cotangent g [K, ...reduced] back to [K, ...shape] by re-inserting the reduced axes as 1s. */
function unreduce(g: Tensor, shape: Shape, axes: readonly number[]): Tensor {
  const K = g.shape[0];
  return ops.broadcastTo(ops.reshape(g, [K, ...keepAxes(shape, axes)]), [K, ...shape]);
}

const none = (): Grads => [null, null];

/** Squares of the last two axes, as the LU family needs: [..., n, n]. */
function squareParams(op: string, a: Tensor): { batch: number; n: number } {
  const n = a.shape[a.rank - 1];
  if (a.rank < 2 || a.shape[a.rank - 2] !== n) {
    throw new Error(`${op}: expected square matrices [..., n, n], got ${fmt(a.shape)}`);
  }
  return { batch: sizeOf(a.shape.slice(0, -2)), n };
}

// ---------------------------------------------------------------------------------------------
// the rules

const RULES: { [P in PrimitiveName]: Rule<P> } = {
  // d(-x) = -g
  neg: { forward: unaryForward('neg'), backward: (g) => [ops.neg(g)] },
  // d exp(x) = g · exp(x)
  exp: { forward: unaryForward('exp'), backward: (g, _i, out) => [ops.mul(g, out)] },
  // d log(x) = g / x
  log: { forward: unaryForward('log'), backward: (g, [x]) => [ops.div(g, x)] },
  // d log1p(x) = g / (1 + x)
  log1p: { forward: unaryForward('log1p'), backward: (g, [x]) => [ops.div(g, ops.add(x, 1))] },
  // d tanh(x) = g · (1 - tanh²(x))
  tanh: { forward: unaryForward('tanh'), backward: (g, _i, out) => [ops.mul(g, ops.sub(1, ops.square(out)))] },
  // d|x| = g · sign(x)
  abs: { forward: unaryForward('abs'), backward: (g, [x]) => [ops.mul(g, ops.sign(x))] },
  // sign is piecewise constant: zero gradient
  sign: { forward: unaryForward('sign'), backward: () => [null] },
  // d√x = g / (2√x)
  sqrt: { forward: unaryForward('sqrt'), backward: (g, _i, out) => [ops.div(g, ops.mul(out, 2))] },
  // d(1/x) = -g / x²
  reciprocal: { forward: unaryForward('reciprocal'), backward: (g, _i, out) => [ops.neg(ops.mul(g, ops.square(out)))] },
  // d sin(x) = g · cos(x)
  sin: { forward: unaryForward('sin'), backward: (g, [x]) => [ops.mul(g, ops.cos(x))] },
  // d cos(x) = -g · sin(x)
  cos: { forward: unaryForward('cos'), backward: (g, [x]) => [ops.neg(ops.mul(g, ops.sin(x)))] },

  // d(a+b) = (g, g)
  add: { forward: binaryForward('add'), backward: (g, _i, _o, _p, needs) => [needs[0] ? g : null, needs[1] ? g : null] },
  // d(a·b) = (g·b, g·a)
  mul: {
    forward: binaryForward('mul'),
    backward: (g, [a, b], _o, _p, needs) => [needs[0] ? ops.mul(g, b) : null, needs[1] ? ops.mul(g, a) : null],
  },
  // d max(a,b) = g where a > b goes to a, else to b
  maximum: {
    forward: binaryForward('maximum'),
    backward: (g, [a, b], _o, _p, needs) => {
      const mask = ops.greater(a, b);
      return [needs[0] ? ops.mul(g, mask) : null, needs[1] ? ops.mul(g, ops.sub(1, mask)) : null];
    },
  },
  // y = a·x + c with constants a, c:  dx = a·g
  affine: {
    forward: ([x], { scale, shift }) => wrap(x, x.shape, x.backend.kernels.affine(handleOf(x, 'affine'), x.size, scale, shift)),
    backward: (g, _i, _o, { scale }) => [ops.affine(g, scale, 0)],
  },
  // comparisons are piecewise constant
  greater: { forward: binaryForward('greater'), backward: none },
  equal: { forward: binaryForward('equal'), backward: none },

  // d Σ_axes x = g broadcast back over the summed axes
  sum: {
    forward: ([x], { axes }) => wrap(x, removeAxes(x.shape, axes), x.backend.kernels.sum(handleOf(x, 'sum'), x.shape, axes)),
    backward: (g, [x], _o, { axes }) => [unreduce(g, x.shape, axes)],
  },
  // d max_axes x = g shared equally among the maximal entries
  max: {
    forward: ([x], { axes }) => {
      if (x.size === 0) throw new Error(`max: cannot reduce an empty tensor ${fmt(x.shape)}`);
      return wrap(x, removeAxes(x.shape, axes), x.backend.kernels.max(handleOf(x, 'max'), x.shape, axes));
    },
    backward: (g, [x], out, { axes }) => {
      const hits = ops.equal(x, ops.reshape(out, keepAxes(x.shape, axes)));
      const share = ops.div(hits, ops.sum(hits, axes, true));
      return [ops.mul(unreduce(g, x.shape, axes), share)];
    },
  },

  // reshape aliases the storage: no kernel
  reshape: {
    forward: ([x], { shape }) => {
      if (sizeOf(shape) !== x.size) throw new Error(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
      handleOf(x, 'reshape');
      return new Tensor([...shape], x.dtype, storageOf(x).retain());
    },
    backward: (g, [x]) => [ops.reshape(g, [g.shape[0], ...x.shape])],
  },
  // d transpose(x, p) = transpose(g, p⁻¹) (axis 0 of g is the cotangent batch)
  transpose: {
    forward: ([x], { perm }) => {
      const sorted = [...perm].sort((a, b) => a - b);
      if (perm.length !== x.rank || sorted.some((p, i) => p !== i)) {
        throw new Error(`transpose: permutation [${perm.join(',')}] does not fit shape ${fmt(x.shape)}`);
      }
      const shape = perm.map((p) => x.shape[p]);
      return wrap(x, shape, x.backend.kernels.transpose(handleOf(x, 'transpose'), x.shape, perm));
    },
    backward: (g, _i, _o, { perm }) => {
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => (inverse[p] = i));
      return [ops.transpose(g, [0, ...inverse.map((p) => p + 1)])];
    },
  },
  // explicit broadcasting; its gradient sums over the broadcast axes
  expand: {
    forward: ([x], { shape }) => {
      const bad = shape.length !== x.rank || x.shape.some((d, i) => d !== shape[i] && d !== 1);
      if (bad) throw new Error(`expand: cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
      assertFits('expand', x.backend, x.dtype, shape);
      return wrap(x, shape, x.backend.kernels.expand(handleOf(x, 'expand'), x.shape, shape));
    },
    backward: (g, [x], _o, { shape }) => {
      const axes = x.shape.flatMap((d, i) => (d === 1 && shape[i] !== 1 ? [i + 1] : []));
      if (axes.length === 0) return [g];
      return [ops.reshape(ops.sum(g, axes), [g.shape[0], ...x.shape])];
    },
  },
  // d slice = g padded back with zeros
  slice: {
    forward: ([x], { begin, size }) => {
      const bad = begin.length !== x.rank || size.length !== x.rank ||
        begin.some((b, i) => b < 0 || size[i] < 0 || b + size[i] > x.shape[i]);
      if (bad) throw new Error(`slice: box begin [${begin.join(',')}] size [${size.join(',')}] is outside ${fmt(x.shape)}`);
      return wrap(x, size, x.backend.kernels.slice(handleOf(x, 'slice'), x.shape, begin, size));
    },
    backward: (g, [x], _o, { begin, size }) =>
      [ops.pad(g, [0, ...begin], [0, ...x.shape.map((d, i) => d - begin[i] - size[i])])],
  },
  // d pad = the slice of g where x sat
  pad: {
    forward: ([x], { before, after }) => {
      if (before.length !== x.rank || after.length !== x.rank || [...before, ...after].some((p) => p < 0)) {
        throw new Error(`pad: widths [${before.join(',')}] / [${after.join(',')}] do not fit ${fmt(x.shape)}`);
      }
      const shape = x.shape.map((d, i) => d + before[i] + after[i]);
      assertFits('pad', x.backend, x.dtype, shape);
      return wrap(x, shape, x.backend.kernels.pad(handleOf(x, 'pad'), x.shape, before, after));
    },
    backward: (g, [x], _o, { before }) => [ops.slice(g, [0, ...before], [g.shape[0], ...x.shape])],
  },
  cast: {
    forward: ([x], { dtype }) => wrap(x, x.shape, x.backend.kernels.cast(handleOf(x, 'cast'), x.size, dtype), dtype),
    backward: (g, [x]) => [ops.cast(g, x.dtype)],
  },
  // an alias with its own identity on the tape (used for grad's arguments)
  identity: {
    forward: ([x]) => {
      handleOf(x, 'identity');
      return new Tensor(x.shape, x.dtype, storageOf(x).retain());
    },
    backward: (g) => [g],
  },

  // C = op(A) op(B):  d op(A) = g op(B)ᵀ,  d op(B) = op(A)ᵀ g
  matmul: {
    forward: ([a, b], { transA, transB }) => {
      sameDevice('matmul', [a, b]);
      if (a.rank < 2 || a.rank !== b.rank || !sameShape(a.shape.slice(0, -2), b.shape.slice(0, -2))) {
        throw new Error(`matmul: ${fmt(a.shape)} x ${fmt(b.shape)}: primitive needs equal batch axes (use ops.matmul to broadcast)`);
      }
      const [ar, ac] = a.shape.slice(-2);
      const [br, bc] = b.shape.slice(-2);
      const [m, k] = transA ? [ac, ar] : [ar, ac];
      const [k2, n] = transB ? [bc, br] : [br, bc];
      if (k !== k2) {
        throw new Error(`matmul: ${fmt(a.shape)}${transA ? 'ᵀ' : ''} x ${fmt(b.shape)}${transB ? 'ᵀ' : ''}: inner dimensions ${k} and ${k2} differ`);
      }
      const batchShape = a.shape.slice(0, -2);
      const p = { batch: sizeOf(batchShape), m, n, k, transA, transB };
      assertFits('matmul', a.backend, a.dtype, [...batchShape, m, n]);
      return wrap(a, [...batchShape, m, n], a.backend.kernels.matmul(handleOf(a, 'matmul'), handleOf(b, 'matmul'), p));
    },
    backward: (g, [a, b], _o, { transA, transB }, needs) => [
      needs[0] ? (transA ? ops.matmul(b, g, { transA: transB, transB: true }) : ops.matmul(g, b, { transB: !transB })) : null,
      needs[1] ? (transB ? ops.matmul(g, a, { transA: true, transB: transA }) : ops.matmul(a, g, { transA: !transA })) : null,
    ],
  },
  // X = A⁻¹B:  dB = A⁻ᵀ g,  dA = -dB Xᵀ
  solve: {
    forward: ([a, b]) => {
      sameDevice('solve', [a, b]);
      const p = squareParams('solve', a);
      if (b.rank !== a.rank || b.shape[b.rank - 2] !== p.n || !sameShape(a.shape.slice(0, -2), b.shape.slice(0, -2))) {
        throw new Error(`solve: A ${fmt(a.shape)} and B ${fmt(b.shape)} do not fit: B must be [..., ${p.n}, r] with A's batch axes`);
      }
      const nrhs = b.shape[b.rank - 1];
      return wrap(a, b.shape, a.backend.kernels.solve(handleOf(a, 'solve'), handleOf(b, 'solve'), p, nrhs));
    },
    backward: (g, [a], x, _p, needs) => {
      const K = g.shape[0];
      const aT = ops.broadcastTo(ops.swapLastAxes(a), [K, ...a.shape]);
      const dB = ops.solve(aT, g);
      return [needs[0] ? ops.neg(ops.matmul(dB, x, { transB: true })) : null, needs[1] ? dB : null];
    },
  },
  // Y = A⁻¹:  dA = -Yᵀ g Yᵀ
  inv: {
    forward: ([a]) => wrap(a, a.shape, a.backend.kernels.inv(handleOf(a, 'inv'), squareParams('inv', a))),
    backward: (g, _i, y) => [ops.neg(ops.matmul(ops.matmul(y, g, { transA: true }), y, { transB: true }))],
  },
  // d log|det A| = g · A⁻ᵀ
  logabsdet: {
    forward: ([a]) => {
      const p = squareParams('slogdet', a);
      const { sign, logabsdet } = a.backend.kernels.slogdet(handleOf(a, 'slogdet'), p);
      const batchShape = a.shape.slice(0, -2);
      return { out: wrap(a, batchShape, logabsdet), aux: [wrap(a, batchShape, sign)] };
    },
    backward: (g, [a]) => {
      const gm = ops.reshape(g, [...g.shape, 1, 1]);
      return [ops.mul(gm, ops.swapLastAxes(ops.inv(a)))];
    },
  },
};

/** Runs a primitive and records it on every active tape that tracks an input. */
export function applyWithAux<P extends PrimitiveName>(
  name: P,
  inputs: readonly Tensor[],
  params: PrimitiveParams[P],
): { out: Tensor; aux: Tensor[] } {
  const rule = RULES[name] as Rule<P>;
  const result = rule.forward(inputs, params);
  const { out, aux } = result instanceof Tensor ? { out: result, aux: [] } : result;
  if (isRecording(inputs)) {
    record(name, inputs, out, (g, needs) => rule.backward(g, inputs, out, params, needs));
  }
  return { out, aux };
}

export function apply<P extends PrimitiveName>(name: P, inputs: readonly Tensor[], params: PrimitiveParams[P]): Tensor {
  return applyWithAux(name, inputs, params).out;
}
