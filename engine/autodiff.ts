// Reverse-mode autodiff over the flat tape: grad, valueAndGrad, vjp, jacobian, hvp, customGrad.
// A backward pass runs with its own tape closed but outer tapes open, so derivatives of
// derivatives are recorded and can be differentiated again.
// Cotangents carry a leading batch axis K: `jacobian` seeds K = (number of outputs) one-hot
// cotangents and gets every row of the Jacobian from ONE backward pass.

import { fromHost, full } from './create.js';
import { allocHost } from './dtype.js';
import * as ops from './ops.js';
import { apply } from './primitives.js';
import { tidy } from './scope.js';
import { fmt, sameShape } from './shape.js';
import { popTape, pushTape, record, isRecording, Tape, untracked } from './tape.js';
import { Tensor } from './tensor.js';

type Fn = (...args: Tensor[]) => Tensor;

function checkArgs(op: string, args: readonly unknown[]): asserts args is Tensor[] {
  args.forEach((a, i) => {
    if (!(a instanceof Tensor)) throw new Error(`${op}: argument ${i} is not a Tensor (got ${typeof a})`);
  });
}

/** Records f on a fresh tape with leaves aliasing args; returns the tape, leaves and output. */
function trace(op: string, f: Fn, args: Tensor[]): { tape: Tape; leaves: Tensor[]; out: Tensor } {
  checkArgs(op, args);
  const tape = new Tape();
  const leaves = args.map((a) => apply('identity', [a], {}));
  for (const leaf of leaves) tape.watch(leaf);
  pushTape(tape);
  let out: unknown;
  try {
    out = f(...leaves);
  } finally {
    popTape(tape);
  }
  if (!(out instanceof Tensor)) throw new Error(`${op}: the function must return a Tensor, got ${typeof out}`);
  return { tape, leaves, out };
}

/** Walks the tape backwards from `out` with cotangent `seed` [K, ...out.shape]. */
function backward(tape: Tape, out: Tensor, seed: Tensor, leaves: readonly Tensor[]): Tensor[] {
  const K = seed.shape[0];
  const cotangents = new Map<number, Tensor>([[out.id, seed]]);
  for (let i = tape.nodes.length - 1; i >= 0; i--) {
    const node = tape.nodes[i];
    const g = cotangents.get(node.output.id);
    if (g === undefined) continue;
    const needs = node.inputs.map((t) => tape.tracked.has(t.id));
    if (!needs.some(Boolean)) continue;
    const inputGrads = node.backward(g, needs);
    node.inputs.forEach((input, j) => {
      const gi = inputGrads[j];
      if (!needs[j] || gi === null || gi === undefined) return;
      const expected = [K, ...input.shape];
      if (!sameShape(gi.shape, expected)) {
        throw new Error(`autodiff: backward of '${node.op}' gave a gradient of shape ${fmt(gi.shape)} for an input of shape ${fmt(input.shape)} (expected ${fmt(expected)})`);
      }
      const previous = cotangents.get(input.id);
      cotangents.set(input.id, previous === undefined ? gi : ops.add(previous, gi));
    });
  }
  return leaves.map((leaf) => cotangents.get(leaf.id) ?? full([K, ...leaf.shape], 0, { dtype: leaf.dtype, backend: leaf.backend }));
}

function onesLike(shape: readonly number[], like: Tensor): Tensor {
  return full(shape, 1, { dtype: like.dtype, backend: like.backend });
}

/**
 * valueAndGrad(f)(a, b, …) → { value, grads: [df/da, df/db, …] } for a scalar-valued f.
 * Intermediates are disposed; value and grads belong to the caller.
 */
export function valueAndGrad(f: Fn): (...args: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...args) =>
    tidy(() => {
      const { tape, leaves, out } = trace('grad', f, args);
      if (out.size !== 1) throw new Error(`grad: the function must return a scalar tensor, got shape ${fmt(out.shape)}`);
      const raw = backward(tape, out, onesLike([1, ...out.shape], out), leaves);
      return { value: out, grads: raw.map((g, i) => ops.reshape(g, args[i].shape)) };
    });
}

/** grad(f)(a, b, …) → [df/da, df/db, …] (always an array). */
export function grad(f: Fn): (...args: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...args) => {
    const { value, grads } = vg(...args);
    if (!isRecording([value])) value.dispose();
    return grads;
  };
}

/**
 * vjp(f, ...primals) → { value, vjp(cotangent) }: reverse mode with a cotangent of value's shape.
 * The recorded tape lives until `dispose()` is called (or the object is dropped).
 */
export function vjp(f: Fn, ...primals: Tensor[]): { value: Tensor; vjp: (cotangent: Tensor) => Tensor[]; dispose: () => void } {
  const { tape, leaves, out } = trace('vjp', f, primals);
  return {
    value: out,
    vjp: (cotangent) => {
      if (!sameShape(cotangent.shape, out.shape)) {
        throw new Error(`vjp: cotangent of shape ${fmt(cotangent.shape)} does not match the output ${fmt(out.shape)}`);
      }
      return tidy(() => backward(tape, out, ops.reshape(cotangent, [1, ...out.shape]), leaves).map((g, i) => ops.reshape(g, primals[i].shape)));
    },
    dispose: () => {
      // Fix (found by test/engine-autodiff.test.ts): this disposed every tensor the tape held,
      // including ones f closed over (weights), which the caller owns. Only tensors created by
      // the trace are ours: tensor ids increase monotonically, so those with id ≥ the first leaf's.
      const firstId = leaves.length > 0 ? leaves[0].id : out.id;
      for (const t of tape.held) if (t !== out && t.id >= firstId) t.dispose();
    },
  };
}

/**
 * jacobian(f)(x) → J of shape [...out, ...in], J[o, i] = ∂f(x)_o/∂x_i. Reverse mode, batched:
 * one backward pass carries all N = |out| one-hot cotangents at once (cost ≈ N × one vjp, in
 * vectorised kernels, no per-row loop). `argnum` picks the argument to differentiate.
 */
export function jacobian(f: Fn, argnum = 0): (...args: Tensor[]) => Tensor {
  return (...args) =>
    tidy(() => {
      const { tape, leaves, out } = trace('jacobian', f, args);
      if (argnum < 0 || argnum >= args.length) throw new Error(`jacobian: argnum ${argnum} but ${args.length} arguments`);
      const n = out.size;
      const host = allocHost(out.dtype, n * n);
      for (let i = 0; i < n; i++) host[i * n + i] = 1;
      const seed = fromHost(host, [n, ...out.shape], { dtype: out.dtype, backend: out.backend });
      const [j] = backward(tape, out, seed, [leaves[argnum]]);
      return ops.reshape(j, [...out.shape, ...args[argnum].shape]);
    });
}

/** Hessian-vector product H(x)·v of a scalar f, by differentiating the gradient (reverse over reverse). */
export function hvp(f: Fn): (x: Tensor, v: Tensor) => Tensor {
  return (x, v) => {
    if (!sameShape(x.shape, v.shape)) throw new Error(`hvp: v ${fmt(v.shape)} must have x's shape ${fmt(x.shape)}`);
    const inner = (y: Tensor): Tensor => ops.sum(ops.mul(grad(f)(y)[0], v));
    return grad(inner)(x)[0];
  };
}

/**
 * customGrad(forward, backward): an op whose value is forward(...xs) and whose vector-Jacobian
 * product is backward(g, xs, out) → one cotangent (or null) per input, g of out's shape.
 * The forward is not recorded; the backward is (so it may itself be differentiated).
 */
export function customGrad(
  forward: (...xs: Tensor[]) => Tensor,
  backwardFn: (g: Tensor, inputs: readonly Tensor[], output: Tensor) => (Tensor | null)[],
): (...xs: Tensor[]) => Tensor {
  return (...xs) => {
    checkArgs('customGrad', xs);
    const out = untracked(() => forward(...xs));
    if (!isRecording(xs)) return out;
    record('customGrad', xs, out, (g) => {
      const K = g.shape[0];
      const perRow = Array.from({ length: K }, (_, k) => {
        const gk = K === 1 ? ops.reshape(g, out.shape) : ops.reshape(ops.slice(g, [k, ...out.shape.map(() => 0)], [1, ...out.shape]), out.shape);
        const grads = backwardFn(gk, xs, out);
        if (grads.length !== xs.length) throw new Error(`customGrad: backward returned ${grads.length} gradients for ${xs.length} inputs`);
        return grads;
      });
      return xs.map((x, i) => {
        if (perRow.some((r) => r[i] === null)) return null;
        const rows = perRow.map((r) => {
          const gi = r[i] as Tensor;
          if (!sameShape(gi.shape, x.shape)) throw new Error(`customGrad: gradient ${i} has shape ${fmt(gi.shape)}, input has ${fmt(x.shape)}`);
          return ops.reshape(gi, [1, ...x.shape]);
        });
        return rows.length === 1 ? rows[0] : ops.concat(rows, 0);
      });
    });
    return out;
  };
}
