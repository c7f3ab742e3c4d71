// Optimisers fed with a gradient method's direction (DESIGN §2, "Descent"): SGD and Adam
// (Kingma & Ba 2015). Updates run with engine ops, so parameters stay on their backend.

import { fromHost, zeros } from '../engine/create.js';
import * as ops from '../engine/ops.js';
import { keep, tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';

export type OptimizerName = 'adam' | 'sgd';

export interface OptimizerOptions {
  name: OptimizerName;
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Host copy of an optimiser's state, for checkpoints. */
export interface OptimizerState {
  name: OptimizerName;
  step: number;
  m: Float64Array[];
  v: Float64Array[];
}

export interface Optimizer {
  readonly options: Required<OptimizerOptions>;
  /** New parameters p - lr·update(direction); the inputs are left alive. */
  step(params: readonly Tensor[], directions: readonly Tensor[]): Tensor[];
  state(): OptimizerState;
  load(state: OptimizerState, like: readonly Tensor[]): void;
  dispose(): void;
}

export function makeOptimizer(options: OptimizerOptions): Optimizer {
  const o: Required<OptimizerOptions> = { beta1: 0.9, beta2: 0.999, eps: 1e-8, ...options };
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new Error(`optimizer: learning rate must be a positive number, got ${o.lr}`);
  if (o.name !== 'adam' && o.name !== 'sgd') throw new Error(`optimizer: unknown optimizer '${String(o.name)}'; expected adam or sgd`);
  let t = 0;
  let m: Tensor[] = [];
  let v: Tensor[] = [];
  const ensureState = (like: readonly Tensor[]): void => {
    if (m.length === like.length) return;
    m = like.map((p) => keep(zeros(p.shape, { dtype: p.dtype, backend: p.backend })));
    v = like.map((p) => keep(zeros(p.shape, { dtype: p.dtype, backend: p.backend })));
  };
  return {
    options: o,
    step(params, directions) {
      if (params.length !== directions.length) throw new Error(`optimizer: ${params.length} parameters but ${directions.length} directions`);
      t++;
      if (o.name === 'sgd') return tidy(() => params.map((p, i) => ops.sub(p, ops.mul(directions[i], o.lr))));
      ensureState(params);
      // m ← β1 m + (1-β1) d;  v ← β2 v + (1-β2) d²;  p ← p - lr · m̂ / (√v̂ + ε), one fused pass
      const hyper = { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, c1: 1 - Math.pow(o.beta1, t), c2: 1 - Math.pow(o.beta2, t) };
      const out = params.map((p, i) => {
        const r = ops.adamUpdate(p, directions[i], m[i], v[i], hyper);
        return { p: r.p, mi: r.m, vi: r.v };
      });
      out.forEach(({ mi, vi }, i) => {
        m[i].dispose();
        v[i].dispose();
        m[i] = keep(mi);
        v[i] = keep(vi);
      });
      return out.map(({ p }) => p);
    },
    state: () => ({
      name: o.name,
      step: t,
      m: m.map((x) => Float64Array.from(x.dataSync())),
      v: v.map((x) => Float64Array.from(x.dataSync())),
    }),
    load(state, like) {
      if (state.name !== o.name) throw new Error(`optimizer: checkpoint holds ${state.name} state, the run asks for ${o.name}`);
      t = state.step;
      for (const x of [...m, ...v]) x.dispose();
      const up = (arr: Float64Array, i: number): Tensor =>
        keep(fromHost(arr, like[i].shape, { dtype: like[i].dtype, backend: like[i].backend }));
      m = state.m.map(up);
      v = state.v.map(up);
    },
    dispose() {
      for (const x of [...m, ...v]) x.dispose();
      m = [];
      v = [];
    },
  };
}
