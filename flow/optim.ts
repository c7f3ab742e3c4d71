// Optimisers fed with a gradient method's direction (docs/method.md, "Descent"): SGD and Adam
// (Kingma & Ba 2015). A thin adapter over the engine's optimizers (engine/optim.ts) that keeps
// the flow's checkpoint format (host Float64Array moments). The learning rate and weight decay are
// checked once: by train() where they enter a run, and by the engine's optimizer (its own public
// entry) for a caller who builds one here directly.

import { adam, sgd } from '../engine/optim.js';
import type { Tensor } from '../engine/tensor.js';

/** The optimisers `train` can use: 'adam' or 'sgd'. */
export type OptimizerName = 'adam' | 'sgd';

/** An optimiser for `train`: its name, learning rate, Adam's β1, β2, ε and L2 weight decay. */
export interface OptimizerOptions {
  name: OptimizerName;
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 weight decay λ: the direction becomes d + λ·p (default 0) */
  weightDecay?: number;
}

/** Host copy of an optimiser's state, for checkpoints. */
export interface OptimizerState {
  name: OptimizerName;
  step: number;
  m: Float64Array[];
  v: Float64Array[];
}

/**
 * An optimiser fed with a gradient method's direction: `step` returns p − lr·update(direction), inputs left alive;
 * its moments save to a checkpoint.
 */
export interface Optimizer {
  readonly options: Required<OptimizerOptions>;
  /** New parameters p - lr·update(direction); the inputs are left alive. */
  step(params: readonly Tensor[], directions: readonly Tensor[]): Tensor[];
  /** changes the learning rate from the next step on (schedules) */
  setLr(lr: number): void;
  state(): OptimizerState;
  load(state: OptimizerState, like: readonly Tensor[]): void;
  dispose(): void;
}

/** An SGD or Adam (Kingma & Ba 2015) optimiser; defaults β1 = 0.9, β2 = 0.999, ε = 1e-8, no weight decay. */
export function makeOptimizer(options: OptimizerOptions): Optimizer {
  const o: Required<OptimizerOptions> = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, ...options };
  if (o.name !== 'adam' && o.name !== 'sgd') throw new Error(`optimizer: unknown optimizer '${String(o.name)}'; expected adam or sgd`);
  // m ← β1 m + (1-β1) d;  v ← β2 v + (1-β2) d²;  p ← p - lr · m̂ / (√v̂ + ε) in one fused pass;
  // SGD: p ← p - lr·d
  const inner = o.name === 'adam' ? adam({ lr: o.lr, betas: [o.beta1, o.beta2], eps: o.eps, weightDecay: o.weightDecay }) : sgd({ lr: o.lr });
  if (o.name === 'sgd' && o.weightDecay !== 0) throw new Error('optimizer: weight decay is implemented for adam; with sgd leave it at 0');
  return {
    options: o,
    step(params, directions) {
      if (params.length !== directions.length) throw new Error(`optimizer: ${params.length} parameters but ${directions.length} directions`);
      return [...inner.step(params, directions)];
    },
    setLr(lr) {
      inner.lr = lr;
    },
    state: () => {
      const s = inner.state();
      const host = (name: string): Float64Array[] => (s.slots[name] ?? []).map((a) => Float64Array.from(a));
      return { name: o.name, step: s.step, m: host('m'), v: host('v') };
    },
    load(state, like) {
      if (state.name !== o.name) throw new Error(`optimizer: checkpoint holds ${state.name} state, the run asks for ${o.name}`);
      const has = state.m.length > 0;
      if (has && (state.m.length !== like.length || state.v.length !== like.length)) {
        throw new Error(`optimizer: checkpoint holds moments for ${state.m.length} parameters, the flow has ${like.length}`);
      }
      const slots: Record<string, number[][]> = o.name === 'adam' && has ? { m: state.m.map((a) => Array.from(a)), v: state.v.map((a) => Array.from(a)) } : {};
      inner.load({ name: o.name, step: state.step, lr: inner.lr, slots });
    },
    dispose: () => inner.dispose(),
  };
}
