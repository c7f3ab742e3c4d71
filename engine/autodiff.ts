// Reverse-mode autodiff over the flat tape: grad, valueAndGrad, vjp, jacobian, hvp, customGrad.
// A backward pass runs with its own tape closed but outer tapes open, so derivatives of
// derivatives are recorded and can be differentiated again.
// Cotangents carry a leading batch axis K: `jacobian` seeds K = (number of outputs) one-hot
// cotangents and gets every row of the Jacobian from ONE backward pass.

import { fromHost, full } from './create.js';
import { assertFits } from './capacity.js';
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
    if (a.isDisposed) throw new Error(`${op}: argument ${i} (tensor #${a.id} of shape [${a.shape.join(',')}]) was disposed`);
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

/** One gradient per parameter of a function taking the tensors `A`: a tuple typed from `A`. */
export type Grads<A extends readonly Tensor[]> = { [K in keyof A]: Tensor };

/** `argnums` picks the arguments to differentiate: one index (a bare gradient) or a list (a tuple). */
export interface GradOptions<N extends number | readonly number[] = number | readonly number[]> {
  argnums?: N;
}

/** Options of `valueAndGrad`: which arguments to differentiate (`argnums`) and whether f returns [loss, aux]. */
export interface ValueAndGradOptions<N extends number | readonly number[] = number | readonly number[]> extends GradOptions<N> {
  /** f returns [loss, aux]; aux is passed through untouched (and not differentiated). */
  hasAux?: boolean;
}

/** What grad returns for `argnums` N over arguments A: all of A's gradients, one Tensor, or a tuple. */
export type GradsFor<A extends readonly Tensor[], N> = N extends number ? Tensor
  : N extends readonly number[] ? { [K in keyof N]: Tensor } : Grads<A>;

/** Checks the call against f's declared arity and `argnums`; returns the indices to differentiate. */
function selectArgs(op: string, f: (...args: never[]) => unknown, args: readonly unknown[], argnums: number | readonly number[] | undefined): number[] {
  // f.length counts the parameters before the first default or rest parameter
  if (args.length < f.length) {
    throw new Error(`${op}: the function takes ${f.length} argument${f.length === 1 ? '' : 's'} but was called with ${args.length}`);
  }
  checkArgs(op, args);
  if (argnums === undefined) return args.map((_, i) => i);
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= args.length) {
      throw new Error(`${op}: argnums ${JSON.stringify(argnums)} out of range for ${args.length} argument${args.length === 1 ? '' : 's'}`);
    }
  }
  return list;
}

function isPair(value: unknown): value is [unknown, unknown] {
  return Array.isArray(value) && value.length === 2;
}

/**
 * The value of f and its gradients. Shared by valueAndGrad and grad: traces f, seeds the scalar
 * output with 1, runs one backward pass, keeps the gradients of the arguments in `selected`.
 */
function valueAndGradImpl(
  op: string,
  f: (...args: Tensor[]) => unknown,
  args: Tensor[],
  selected: readonly number[],
  hasAux: boolean,
): { value: Tensor; aux: unknown; grads: Tensor[] } {
  return tidy(() => {
    let aux: unknown;
    const { tape, leaves, out } = trace(op, (...xs) => {
      const result = f(...xs);
      if (!hasAux) return result as Tensor;
      if (!isPair(result)) throw new Error(`${op}: with hasAux the function must return [loss, aux], got ${typeof result}`);
      aux = result[1];
      return result[0] as Tensor;
    }, args);
    if (out.size !== 1) throw new Error(`${op}: the function must return a scalar tensor, got shape ${fmt(out.shape)}`);
    const raw = backward(tape, out, onesLike([1, ...out.shape], out), selected.map((i) => leaves[i]));
    return { value: out, aux, grads: raw.map((g, j) => ops.reshape(g, args[selected[j]].shape)) };
  });
}

/**
 * valueAndGrad(f)(a, b, …) → { value, grads: [df/da, df/db, …] } for a scalar-valued f.
 * Options: `argnums` (a number: `grads` is that one gradient; a list: a tuple in that order) and
 * `hasAux` (f returns [loss, aux]; the result gains `aux`). Intermediates are disposed; value,
 * aux and grads belong to the caller.
 */
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => { value: Tensor; grads: Grads<A> };
export function valueAndGrad<A extends Tensor[], const N extends number | readonly number[] | undefined = undefined>(
  f: (...args: A) => Tensor,
  options: { argnums?: N; hasAux?: false },
): (...args: A) => { value: Tensor; grads: GradsFor<A, N> };
export function valueAndGrad<A extends Tensor[], Aux, const N extends number | readonly number[] | undefined = undefined>(
  f: (...args: A) => readonly [Tensor, Aux],
  options: { argnums?: N; hasAux: true },
): (...args: A) => { value: Tensor; aux: Aux; grads: GradsFor<A, N> };
export function valueAndGrad(
  f: (...args: Tensor[]) => unknown,
  options: ValueAndGradOptions = {},
): (...args: Tensor[]) => unknown {
  return (...args) => {
    const selected = selectArgs('valueAndGrad', f, args, options.argnums);
    const { value, aux, grads } = valueAndGradImpl('valueAndGrad', f, args, selected, options.hasAux === true);
    const shaped = typeof options.argnums === 'number' ? grads[0] : grads;
    return options.hasAux === true ? { value, aux, grads: shaped } : { value, grads: shaped };
  };
}

/**
 * grad(f)(a, b, …) → [df/da, df/db, …], a tuple typed from f's parameters. With `{ argnums: i }`
 * the one gradient df/d(argument i); with `{ argnums: [i, j] }` the tuple [df/di, df/dj].
 */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => Grads<A>;
export function grad<A extends Tensor[], const N extends number | readonly number[] | undefined = undefined>(
  f: (...args: A) => Tensor,
  options: GradOptions<NonNullable<N>> & { argnums?: N },
): (...args: A) => GradsFor<A, N>;
export function grad(f: (...args: Tensor[]) => Tensor, options: GradOptions = {}): (...args: Tensor[]) => Tensor | Tensor[] {
  return (...args) => {
    const selected = selectArgs('grad', f, args, options.argnums);
    const { value, grads } = valueAndGradImpl('grad', f, args, selected, false);
    if (!isRecording([value])) value.dispose();
    return typeof options.argnums === 'number' ? grads[0] : grads;
  };
}

/**
 * jvp(f, primals, tangents) → { value: f(primals), tangent: J·tangents } (forward mode), by the
 * double-vjp construction: u ↦ Jᵀu is linear, so the gradient of ⟨Jᵀu, t⟩ with respect to u is
 * J·t. Cost ≈ two reverse passes, and the result can be differentiated again.
 */
export function jvp<A extends Tensor[]>(f: (...args: A) => Tensor, primals: readonly [...A], tangents: Grads<A>): { value: Tensor; tangent: Tensor } {
  const ps = [...primals] as Tensor[];
  const ts = [...(tangents as readonly Tensor[])];
  if (ps.length !== ts.length) throw new Error(`jvp: ${ps.length} primals but ${ts.length} tangents`);
  selectArgs('jvp', f as (...args: never[]) => unknown, ps, undefined);
  checkArgs('jvp', ts);
  ps.forEach((p, i) => {
    if (!sameShape(p.shape, ts[i].shape)) throw new Error(`jvp: tangent ${i} has shape ${fmt(ts[i].shape)}, primal ${i} has ${fmt(p.shape)}`);
  });
  return tidy(() => {
    const { tape, leaves, out } = trace('jvp', f as Fn, ps);
    // u: a cotangent leaf on an outer tape; the reverse pass below is recorded there
    const outer = new Tape();
    const u = apply('identity', [full(out.shape, 0, { dtype: out.dtype, backend: out.backend })], {});
    outer.watch(u);
    pushTape(outer);
    let inner: Tensor;
    try {
      const pulled = backward(tape, out, ops.reshape(u, [1, ...out.shape]), leaves);
      inner = pulled
        .map((g, i) => ops.sum(ops.mul(ops.reshape(g, ps[i].shape), ts[i])))
        .reduce((acc, term) => ops.add(acc, term));
    } finally {
      popTape(outer);
    }
    const [tangent] = backward(outer, inner, onesLike([1], inner), [u]);
    return { value: out, tangent: ops.reshape(tangent, out.shape) };
  });
}

/**
 * hessian(f)(x, …) → H of shape [...x.shape, ...x.shape], H[i, j] = ∂²f/∂x_i∂x_j for a scalar f,
 * as the Jacobian of the gradient (reverse over reverse). `argnum` picks the argument. Cost ≈
 * |x| gradient evaluations, batched into one backward pass.
 */
export function hessian<A extends Tensor[]>(f: (...args: A) => Tensor, argnum = 0): (...args: A) => Tensor {
  return (...args) => {
    selectArgs('hessian', f as (...args: never[]) => unknown, args, argnum);
    const gradient = (x: Tensor): Tensor => {
      const all = [...args] as Tensor[];
      all[argnum] = x;
      return grad(f as Fn, { argnums: argnum })(...all);
    };
    return jacobian(gradient)(args[argnum]);
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
      // Only tensors created by the trace are ours to free, not ones f closed over (weights, which
      // the caller owns): tensor ids increase monotonically, so those with id ≥ the first leaf's.
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
      assertFits('jacobian', out.backend, out.dtype, [n, ...out.shape], 2);
      const host = allocHost(out.dtype, n * n, 'jacobian', [n, ...out.shape]);
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
    const inner = (y: Tensor): Tensor => ops.sum(ops.mul(grad(f, { argnums: 0 })(y), v));
    return grad(inner, { argnums: 0 })(x);
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
