// Optimizers for models written against the engine: adam and sgd objects whose
// `step(params, grads)` returns new parameters (the inputs stay alive; ops never mutate), with a
// host-side state that can be saved as JSON and loaded into a fresh optimizer.
//   Adam: Kingma & Ba 2015, with PyTorch's `weight_decay` (L2 added to the gradient) — one fused
//         kernel pass per parameter (KernelTable.adam).
//   SGD:  p ← p − lr·d with heavy-ball momentum b ← μ·b + d, d replaced by b (PyTorch's rule;
//         the first step takes b = d).

import { fromHost, zeros } from './create.js';
import * as ops from './ops.js';
import { keep, tidy } from './scope.js';
import { fmt, sameShape } from './shape.js';
import type { Tensor } from './tensor.js';

/** The engine's optimizers: 'adam' or 'sgd'. */
export type OptimizerName = 'adam' | 'sgd';

/** A saved optimizer: plain numbers only, so JSON.stringify / JSON.parse round-trip it exactly. */
export interface OptimizerState {
  name: OptimizerName;
  /** Steps taken (Adam's bias correction uses it). */
  step: number;
  lr: number;
  /** Per-parameter slots as flat row-major arrays: Adam's m and v, SGD's momentum buffer b. */
  slots: Record<string, number[][]>;
}

/**
 * An engine optimizer (from `adam` or `sgd`): `step(params, grads)` returns new parameters and
 * leaves its inputs alive; its state saves as JSON.
 */
export interface Optimizer {
  readonly name: OptimizerName;
  /** The learning rate of the next step (set it from a schedule; 0, where a cosine schedule ends, is allowed). */
  lr: number;
  /** Steps taken. */
  readonly steps: number;
  /**
   * New parameters from the current ones and their gradients (same order, shapes, dtypes and
   * backend). The first call fixes the parameter list; later calls must pass the same shapes.
   */
  step<P extends readonly Tensor[]>(params: P, grads: { [K in keyof P]: Tensor }): { [K in keyof P]: Tensor };
  /** Host copy of the state (JSON-safe). */
  state(): OptimizerState;
  /** Restores a saved state; slots are uploaded on the next step, next to its parameters. */
  load(state: OptimizerState): void;
  /** Frees the slot tensors. */
  dispose(): void;
}

/** Options of `adam` (Kingma & Ba 2015): learning rate, moment decays β1 and β2, ε and L2 weight decay. */
export interface AdamOptions {
  lr?: number;
  /** β1, β2: decay of the first and second moment estimates. */
  betas?: readonly [number, number];
  eps?: number;
  /** L2 penalty λ: the gradient becomes d + λ·p (PyTorch's Adam weight_decay). */
  weightDecay?: number;
}

/** Options of `sgd`: learning rate, heavy-ball momentum μ and L2 weight decay. */
export interface SgdOptions {
  lr: number;
  /** μ in b ← μ·b + d (0: plain gradient descent). */
  momentum?: number;
}

function checkNumber(op: string, name: string, v: number, ok: (v: number) => boolean, what: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new Error(`${op}: ${name} must be ${what}, got ${String(v)}`);
}

/** Slot bookkeeping shared by both optimizers: tensors kept alive across steps, loaded lazily. */
class Slots {
  tensors: Record<string, Tensor[]> = {};
  pending: Record<string, number[][]> | undefined;
  shapes: (readonly number[])[] | undefined;

  constructor(readonly op: string, readonly names: readonly string[]) {}

  /** Checks params against grads and the fixed parameter list; creates or uploads slots. */
  prepare(params: readonly Tensor[], grads: readonly Tensor[]): void {
    if (params.length !== grads.length) throw new Error(`${this.op}.step: ${params.length} parameters but ${grads.length} gradients`);
    params.forEach((p, i) => {
      const g = grads[i];
      if (!sameShape(p.shape, g.shape) || p.dtype !== g.dtype || p.backend !== g.backend) {
        throw new Error(`${this.op}.step: gradient ${i} (${fmt(g.shape)} ${g.dtype}) does not match parameter ${i} (${fmt(p.shape)} ${p.dtype})`);
      }
    });
    if (this.shapes !== undefined) {
      const same = this.shapes.length === params.length && params.every((p, i) => sameShape(p.shape, this.shapes![i]));
      if (!same) {
        throw new Error(`${this.op}.step: parameters ${params.map((p) => fmt(p.shape)).join(' ')} differ from the first step's ${this.shapes.map(fmt).join(' ')}`);
      }
    }
    this.shapes = params.map((p) => [...p.shape]);
    if (this.pending !== undefined) {
      const saved = this.pending;
      this.pending = undefined;
      this.dispose();
      for (const name of this.names) {
        const arrays = saved[name] ?? [];
        if (arrays.length !== params.length || arrays.some((a, i) => a.length !== params[i].size)) {
          throw new Error(`${this.op}.load: the saved '${name}' slots (${arrays.map((a) => a.length).join(', ')} values) do not fit the parameters (${params.map((p) => p.size).join(', ')})`);
        }
        this.tensors[name] = arrays.map((a, i) => keep(fromHost(Float64Array.from(a), params[i].shape, { dtype: params[i].dtype, backend: params[i].backend })));
      }
    }
    for (const name of this.names) {
      if (this.tensors[name] === undefined) {
        this.tensors[name] = params.map((p) => keep(zeros(p.shape, { dtype: p.dtype, backend: p.backend })));
      }
    }
  }

  replace(name: string, i: number, t: Tensor): void {
    this.tensors[name][i].dispose();
    this.tensors[name][i] = keep(t);
  }

  save(): Record<string, number[][]> {
    if (this.pending !== undefined) return this.pending;
    const out: Record<string, number[][]> = {};
    for (const name of Object.keys(this.tensors)) out[name] = this.tensors[name].map((t) => Array.from(t.dataSync()));
    return out;
  }

  load(state: OptimizerState, name: string): void {
    if (state.name !== name) throw new Error(`${this.op}.load: the state is ${String(state.name)}'s, not ${name}'s`);
    checkNumber(`${this.op}.load`, 'step', state.step, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
    this.pending = Object.keys(state.slots).length === 0 ? undefined : state.slots;
    if (this.pending === undefined) this.dispose();
  }

  dispose(): void {
    for (const list of Object.values(this.tensors)) for (const t of list) t.dispose();
    this.tensors = {};
  }
}

/** Adam (Kingma & Ba 2015). Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0. */
export function adam(options: AdamOptions = {}): Optimizer {
  const [beta1, beta2] = options.betas ?? [0.9, 0.999];
  const eps = options.eps ?? 1e-8;
  const weightDecay = options.weightDecay ?? 0;
  let lr = options.lr ?? 1e-3;
  checkNumber('adam', 'lr', lr, (v) => v >= 0, 'a non-negative number');
  checkNumber('adam', 'betas[0]', beta1, (v) => v >= 0 && v < 1, 'in [0, 1)');
  checkNumber('adam', 'betas[1]', beta2, (v) => v >= 0 && v < 1, 'in [0, 1)');
  checkNumber('adam', 'eps', eps, (v) => v > 0, 'a positive number');
  checkNumber('adam', 'weightDecay', weightDecay, (v) => v >= 0, 'a non-negative number');
  const slots = new Slots('adam', ['m', 'v']);
  let t = 0;
  return {
    name: 'adam',
    get lr() { return lr; },
    set lr(v: number) {
      checkNumber('adam', 'lr', v, (x) => x >= 0, 'a non-negative number');
      lr = v;
    },
    get steps() { return t; },
    step(params, grads) {
      const ps = params as readonly Tensor[];
      const gs = grads as readonly Tensor[];
      slots.prepare(ps, gs);
      t++;
      // m ← β1 m + (1-β1) d;  v ← β2 v + (1-β2) d²;  p ← p - lr · m̂ / (√v̂ + ε), one fused pass
      const hyper = { lr, beta1, beta2, eps, c1: 1 - Math.pow(beta1, t), c2: 1 - Math.pow(beta2, t) };
      const out = ps.map((p, i) => {
        const d = weightDecay === 0 ? gs[i] : tidy(() => ops.add(gs[i], ops.mul(p, weightDecay)));
        const r = ops.adamUpdate(p, d, slots.tensors.m[i], slots.tensors.v[i], hyper);
        if (d !== gs[i]) d.dispose();
        slots.replace('m', i, r.m);
        slots.replace('v', i, r.v);
        return r.p;
      });
      return out as { [K in keyof typeof params]: Tensor };
    },
    state: () => ({ name: 'adam', step: t, lr, slots: slots.save() }),
    load(state) {
      slots.load(state, 'adam');
      t = state.step;
      lr = state.lr;
    },
    dispose: () => slots.dispose(),
  };
}

/** Stochastic gradient descent with optional momentum. */
export function sgd(options: SgdOptions): Optimizer {
  let lr = options.lr;
  const momentum = options.momentum ?? 0;
  checkNumber('sgd', 'lr', lr, (v) => v >= 0, 'a non-negative number');
  checkNumber('sgd', 'momentum', momentum, (v) => v >= 0 && v < 1, 'in [0, 1)');
  const slots = new Slots('sgd', momentum === 0 ? [] : ['b']);
  let t = 0;
  return {
    name: 'sgd',
    get lr() { return lr; },
    set lr(v: number) {
      checkNumber('sgd', 'lr', v, (x) => x >= 0, 'a non-negative number');
      lr = v;
    },
    get steps() { return t; },
    step(params, grads) {
      const ps = params as readonly Tensor[];
      const gs = grads as readonly Tensor[];
      slots.prepare(ps, gs);
      t++;
      const out = ps.map((p, i) => tidy(() => {
        if (momentum === 0) return ops.sub(p, ops.mul(gs[i], lr));
        const b = ops.add(ops.mul(slots.tensors.b[i], momentum), gs[i]); // b starts at 0, so b₁ = d₁
        slots.replace('b', i, b);
        return ops.sub(p, ops.mul(b, lr));
      }));
      return out as { [K in keyof typeof params]: Tensor };
    },
    state: () => ({ name: 'sgd', step: t, lr, slots: slots.save() }),
    load(state) {
      slots.load(state, 'sgd');
      t = state.step;
      lr = state.lr;
    },
    dispose: () => slots.dispose(),
  };
}
