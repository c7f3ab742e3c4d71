// The dense flow of DESIGN §1: L square layers y_l = W_l z_{l-1} + b_l, z_l = σ(y_l), s = y_L,
// with log p(x) = Σ log p_s(s) + Σ_{l<L} Σ log σ'(y_l) + Σ_l log|det W_l|.
// Samples are rows: Y_l = Z_{l-1} W_lᵀ + 1 b_lᵀ (B×D).

import { makeActivation, type Activation } from './activations.js';
import { makeBase, type BaseDensity } from './bases.js';
import { activationConfig, resolveConfig, type FlowConfig, type ResolvedFlowConfig } from './config.js';
import { invertActivation } from './inverse.js';
import { assertBatch, type DataInput, rowsToTensor, assertFinite, assertFiniteTensor } from './matrix.js';
import { relativeGradient } from './gradients/relative.js';
import { ordinaryGradient } from './gradients/ordinary.js';
import { autodiffGradient } from './gradients/autodiff.js';
import { customGrad } from '../engine/autodiff.js';
import { activationPass, gemm } from '../engine/fused.js';
import { isRecording } from '../engine/tape.js';
import { fromHost, zeros } from '../engine/create.js';
import type { Backend } from '../engine/backend.js';
import * as ops from '../engine/ops.js';
import { nearIdentityHost, Rng } from '../engine/random.js';
import { orthogonalFast } from './init.js';
import { flowSummary } from './summary.js';
import { fmt, sameShape } from '../engine/shape.js';
import { getBackend } from '../index.js';
import { keep, tidy } from '../engine/scope.js';
import { Tensor, type NestedArray } from '../engine/tensor.js';
import type { HostParams } from './checkpoint.js';

/**
 * Checkpoints use node:fs and node:crypto; the specifier is a variable so that bundlers leave the
 * module out of browser bundles (save/load are Node-only; everything else runs in a browser).
 */
const CHECKPOINT_MODULE = './checkpoint.js';

export type GradientMethod = 'relative' | 'ordinary' | 'autodiff';
export const GRADIENT_METHODS: readonly GradientMethod[] = ['relative', 'ordinary', 'autodiff'];

export interface FlowParams {
  W: Tensor[];
  b: Tensor[];
}

/** Parameters as nested arrays or tensors, for setParams. */
export interface FlowParamsInput {
  W: (Tensor | NestedArray)[];
  b?: (Tensor | NestedArray)[];
}

export interface Gradient {
  dW: Tensor[];
  db: Tensor[];
}

/** Intermediates of one forward pass: pre-activations Y_l (l = 1..L) and inputs Z_{l-1}. */
export interface ForwardTrace {
  zs: Tensor[];
  ys: Tensor[];
  s: Tensor;
}

export class Flow {
  readonly config: ResolvedFlowConfig;
  readonly activation: Activation;
  readonly base: BaseDensity;
  readonly backend: Backend;
  private W: Tensor[];
  private b: Tensor[];
  /** log|det W| per weight tensor (tensors are immutable, so the tensor identifies the value) */
  private readonly logDetCache = new WeakMap<Tensor, number>();

  private constructor(config: ResolvedFlowConfig, backend: Backend, W: Tensor[], b: Tensor[]) {
    this.config = config;
    this.backend = backend;
    this.activation = makeActivation(activationConfig(config));
    this.base = makeBase(config.base);
    this.W = W;
    this.b = b;
  }

  /** A flow with orthogonal (or near-identity) weights, seeded, and zero biases. */
  static create(config: FlowConfig, options: { backend?: Backend } = {}): Flow {
    const backend = options.backend ?? getBackend();
    const c = resolveConfig(config, backend.defaultDtype);
    const W: Tensor[] = [];
    const b: Tensor[] = [];
    for (let l = 0; l < c.layers; l++) {
      const seed = c.seed * 1000 + l;
      const w = c.init === 'near-identity' ? nearIdentityHost(c.dim, seed) : orthogonalFast(c.dim, seed);
      W.push(keep(fromHost(w, [c.dim, c.dim], { dtype: c.dtype, backend })));
      if (c.bias) b.push(keep(zeros([c.dim], { dtype: c.dtype, backend })));
    }
    return new Flow(c, backend, W, b);
  }

  get dim(): number {
    return this.config.dim;
  }
  get layers(): number {
    return this.config.layers;
  }
  get dtype(): 'float64' | 'float32' {
    return this.config.dtype;
  }

  /** The current parameters (the flow owns them; do not dispose). */
  get params(): FlowParams {
    return { W: [...this.W], b: [...this.b] };
  }

  /**
   * Replaces the parameters; shapes are checked, values must be finite and each W regular
   * (checked by one LU per layer, which also fills the log|det| cache). Old tensors are disposed.
   */
  setParams(params: FlowParamsInput): void {
    const { dim, layers, bias, dtype } = this.config;
    if (!Array.isArray(params.W) || params.W.length !== layers) {
      throw new Error(`setParams: expected ${layers} weight matrices, got ${Array.isArray(params.W) ? params.W.length : typeof params.W}`);
    }
    const bIn = params.b ?? [];
    if (bias && bIn.length !== layers) throw new Error(`setParams: expected ${layers} bias vectors, got ${bIn.length}`);
    if (!bias && bIn.length !== 0) throw new Error(`setParams: this flow has no biases (bias: false), got ${bIn.length}`);
    const asTensor = (v: Tensor | NestedArray, what: string, shape: number[]): Tensor => {
      if (v instanceof Tensor && !sameShape(v.shape, shape)) {
        throw new Error(`setParams: ${what} has shape ${fmt(v.shape)}, expected ${fmt(shape)}`);
      }
      const host = v instanceof Tensor ? v.dataSync() : new Float64Array(flatNumbers(v, what, shape));
      if (host.length !== shape[0] * (shape[1] ?? 1)) {
        throw new Error(`setParams: ${what} has ${host.length} values, expected shape ${fmt(shape)}`);
      }
      for (let i = 0; i < host.length; i++) {
        if (!Number.isFinite(host[i])) throw new Error(`setParams: ${what} has a non-finite value ${host[i]} at flat index ${i}`);
      }
      return fromHost(host, shape, { dtype, backend: this.backend });
    };
    const W = params.W.map((w, l) => asTensor(w, `W[${l}]`, [dim, dim]));
    const b = bIn.map((v, l) => asTensor(v, `b[${l}]`, [dim]));
    W.forEach((w, l) => {
      const { sign, logabsdet } = ops.slogdet(w);
      const s = sign.item();
      const v = logabsdet.item();
      if (s === 0 || !Number.isFinite(v)) throw new Error(`setParams: W[${l}] is singular (log|det| = ${v})`);
      this.logDetCache.set(w, v);
    });
    this.replaceParams(W, b);
  }

  /** Swaps in new parameter tensors (already checked); used by optimisers. */
  replaceParams(W: Tensor[], b: Tensor[]): void {
    const old = [...this.W, ...this.b];
    this.W = W.map((t) => keep(t));
    this.b = b.map((t) => keep(t));
    for (const t of old) if (!this.W.includes(t) && !this.b.includes(t)) t.dispose();
  }

  /** Converts and checks a batch: [B, D], finite values for host input. */
  toBatch(x: DataInput, op = 'flow'): Tensor {
    if (x instanceof Tensor) {
      assertBatch(op, x, this.dim);
      return x.dtype === this.dtype ? x : ops.cast(x, this.dtype);
    }
    if (x.cols !== this.dim) throw new Error(`${op}: data has ${x.cols} columns, the flow has dim ${this.dim}`);
    assertFinite(op, x);
    return rowsToTensor(x, null, 0, x.rows, this.dtype, this.backend);
  }

  /**
   * One forward pass keeping every intermediate (the tensors belong to the caller's scope).
   * Outside `grad` each layer is one fused product Z Wᵀ + 1bᵀ and one activation pass; under a
   * tape tracking x or a parameter it runs the differentiable composite ops.
   */
  trace(x: Tensor, W: readonly Tensor[] = this.W, b: readonly Tensor[] = this.b): ForwardTrace {
    const fused = !isRecording([x, ...W, ...b]);
    const zs: Tensor[] = [x];
    const ys: Tensor[] = [];
    for (let l = 0; l < this.layers; l++) {
      let y: Tensor;
      if (fused) {
        y = gemm(zs[l], W[l], { transB: true, bias: b.length > 0 ? b[l] : undefined });
      } else {
        const lin = ops.matmul(zs[l], W[l], { transB: true });
        y = b.length > 0 ? ops.add(lin, b[l]) : lin;
      }
      ys.push(y);
      if (l < this.layers - 1) zs.push(fused ? activationPass('value', this.activation.kernel, y) : this.activation.apply(y));
    }
    return { zs, ys, s: ys[this.layers - 1] };
  }

  /** s = f(x) for a batch [B, D]. */
  forward(x: DataInput): Tensor {
    const xb = this.toBatch(x, 'forward');
    assertFiniteTensor('forward', xb);
    return tidy(() => this.trace(xb).s);
  }

  /** log|det W| from the cache, or by one LU; gradient W⁻ᵀ (a custom-gradient op). */
  private logAbsDetOf(W: Tensor): Tensor {
    const op = customGrad(
      (w) => {
        let v = this.logDetCache.get(w);
        if (v === undefined) {
          const { sign, logabsdet } = ops.slogdet(w);
          v = sign.item() === 0 ? -Infinity : logabsdet.item();
          this.logDetCache.set(w, v);
        }
        return fromHost(new Float64Array([v]), [], { dtype: w.dtype, backend: w.backend });
      },
      (g, [w]) => [ops.mul(g, ops.swapLastAxes(ops.inv(w)))],
    );
    return op(W);
  }

  /** log p(x) per sample [B], exact (all three terms), differentiable w.r.t. the parameters. */
  logProbWith(x: Tensor, W: readonly Tensor[], b: readonly Tensor[]): Tensor {
    const { ys, s } = this.trace(x, W, b);
    const fused = !isRecording([x, ...W, ...b]);
    let terms = ops.sum(this.base.logProb(s), 1);
    for (let l = 0; l < this.layers - 1; l++) {
      const logDeriv = fused ? activationPass('log-derivative', this.activation.kernel, ys[l]) : this.activation.logDeriv(ys[l]);
      terms = ops.add(terms, ops.sum(logDeriv, 1));
    }
    let logDet: Tensor | undefined;
    for (const w of W) logDet = logDet === undefined ? this.logAbsDetOf(w) : ops.add(logDet, this.logAbsDetOf(w));
    return ops.add(terms, logDet as Tensor);
  }

  logProb(x: DataInput): Tensor {
    const xb = this.toBatch(x, 'logProb');
    assertFiniteTensor('logProb', xb);
    return tidy(() => this.logProbWith(xb, this.W, this.b));
  }

  /** ℓ = -(1/B) Σ log p(x_n), a scalar tensor. */
  loss(x: DataInput): Tensor {
    const xb = this.toBatch(x, 'loss');
    assertFiniteTensor('loss', xb);
    return tidy(() => ops.neg(ops.mean(this.logProbWith(xb, this.W, this.b))));
  }

  /**
   * The update direction for a batch: 'relative' (the paper's, O(L·B·D²)), 'ordinary'
   * (∂ℓ/∂W with an explicit inverse, O(L·D³)) or 'autodiff' (through per-sample Jacobians).
   */
  gradient(x: DataInput, method: GradientMethod = 'relative'): Gradient {
    const xb = this.toBatch(x, 'gradient');
    const run = (): Gradient => {
      switch (method) {
        case 'relative':
          return relativeGradient(this, xb);
        case 'ordinary':
          return ordinaryGradient(this, xb);
        case 'autodiff':
          return autodiffGradient(this, xb);
        default:
          throw new Error(`gradient: unknown method '${String(method)}'; expected one of ${GRADIENT_METHODS.join(', ')}`);
      }
    };
    return tidy(run);
  }

  /**
   * x = f⁻¹(s): each layer solved once per call (one LU for all samples), σ inverted by
   * safeguarded Newton. Returns the worst residual |σ(x) - y| over all inverted activations.
   */
  inverse(s: DataInput): { x: Tensor; maxResidual: number } {
    const sb = this.toBatch(s, 'inverse');
    assertFiniteTensor('inverse', sb);
    let maxResidual = 0;
    const x = tidy(() => {
      let y = sb;
      let z: Tensor = sb;
      for (let l = this.layers - 1; l >= 0; l--) {
        const centred = this.b.length > 0 ? ops.sub(y, this.b[l]) : y;
        z = ops.swapLastAxes(ops.solve(this.W[l], ops.swapLastAxes(centred)));
        if (l > 0) {
          const inv = invertActivation(this.activation, z.dataSync());
          maxResidual = Math.max(maxResidual, inv.maxResidual);
          y = fromHost(inv.x, z.shape, { dtype: this.dtype, backend: this.backend });
        }
      }
      return z;
    });
    return { x, maxResidual };
  }

  /** n samples from the model: s ~ p_s (seeded), x = f⁻¹(s). */
  sample(n: number, options: { seed?: number } = {}): { x: Tensor; maxResidual: number } {
    if (!Number.isInteger(n) || n < 1) throw new Error(`sample: n must be a positive integer, got ${n}`);
    assertSampleFits(n, this.dim);
    const rng = new Rng(options.seed ?? 0);
    const host = new Float64Array(n * this.dim);
    for (let i = 0; i < host.length; i++) host[i] = this.base.sample(rng);
    const s = fromHost(host, [n, this.dim], { dtype: this.dtype, backend: this.backend });
    const out = this.inverse(s);
    s.dispose();
    return out;
  }

  /** Host copies of the parameters (float64), for checkpoints. */
  paramsToHost(): HostParams {
    return {
      W: this.W.map((w) => Float64Array.from(w.dataSync())),
      b: this.b.map((v) => Float64Array.from(v.dataSync())),
    };
  }

  /** Sets parameters from host arrays (checked like setParams). */
  paramsFromHost(p: HostParams): void {
    const d = this.dim;
    this.setParams({
      W: p.W.map((w) => fromHost(w, [d, d], { dtype: this.dtype, backend: this.backend })),
      b: p.b.map((v) => fromHost(v, [d], { dtype: this.dtype, backend: this.backend })),
    });
  }

  /** Saves config and parameters (atomic write, checksummed; see checkpoint.ts). Node only. */
  async save(path: string, options: { precision?: 'float64' | 'float32'; meta?: Record<string, unknown> } = {}): Promise<void> {
    const { saveCheckpoint } = (await import(CHECKPOINT_MODULE)) as typeof import('./checkpoint.js');
    await saveCheckpoint(path, { config: this.config, params: this.paramsToHost(), meta: options.meta }, options);
  }

  /** Loads a flow saved by `save` or by training; refuses truncated or tampered files. */
  static async load(path: string, options: { backend?: Backend; dtype?: 'float64' | 'float32' } = {}): Promise<Flow> {
    const { loadCheckpoint } = (await import(CHECKPOINT_MODULE)) as typeof import('./checkpoint.js');
    return Flow.fromCheckpoint(await loadCheckpoint(path), options);
  }

  static fromCheckpoint(ck: { config: FlowConfig; params: HostParams }, options: { backend?: Backend; dtype?: 'float64' | 'float32' } = {}): Flow {
    const backend = options.backend ?? getBackend();
    const flow = Flow.create({ ...ck.config, dtype: options.dtype ?? (backend.describe().dtypes.includes(ck.config.dtype ?? 'float64') ? ck.config.dtype : backend.defaultDtype) }, { backend });
    flow.paramsFromHost(ck.params);
    return flow;
  }

  /** A one-line summary: size, activation, base, biases, parameter count, dtype, backend. */
  toString(): string {
    return flowSummary(this);
  }

  /** Disposes the parameters. */
  dispose(): void {
    for (const t of [...this.W, ...this.b]) t.dispose();
  }
}

/** Bytes shown as GiB/MiB. */
function showBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Refuses, before allocating, a sample that cannot fit in memory: n·D float64 draws, the result
 * and the solver's temporaries (about four n×D arrays) against the memory the OS reports free
 * (Node; browsers do not say, so only the typed-array limit applies there).
 */
function assertSampleFits(n: number, dim: number): void {
  const need = 4 * n * dim * 8;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { freemem(): number } | undefined;
  const free = os === undefined ? Infinity : os.freemem();
  if (need > free || n * dim > 2 ** 32 - 1) {
    throw new Error(
      `sample: ${n} samples of dim ${dim} need about ${showBytes(need)} in memory (the draws, the result and the solver's ` +
        `temporaries)${Number.isFinite(free) ? `, more than the ${showBytes(free)} free` : ''}: draw them in chunks ` +
        '(relgrad sample --out file.csv streams any number)',
    );
  }
}

/** The numbers of a nested array that must have exactly `shape` (a ragged array is refused). */
function flatNumbers(v: NestedArray, what: string, shape: readonly number[]): number[] {
  const out: number[] = [];
  const walk = (u: NestedArray, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (typeof u !== 'number') throw new Error(`setParams: ${what}${at} should be a number, got ${Array.isArray(u) ? 'an array' : typeof u}`);
      out.push(u);
      return;
    }
    if (!Array.isArray(u)) throw new Error(`setParams: ${what}${at} should be an array of ${shape[depth]}, got ${typeof u}`);
    if (u.length !== shape[depth]) {
      throw new Error(`setParams: ${what}${at} has ${u.length} entries, expected ${shape[depth]} (shape [${shape.join(',')}])`);
    }
    u.forEach((item, i) => walk(item, depth + 1, `${at}[${i}]`));
  };
  walk(v, 0, '');
  return out;
}
