// A flow is an ordered list of invertible layers (flow/layers; docs/layers.md):
//   x = h_0 → h_1 → … → h_K = s,   log p(x) = Σ log p_s(s) + Σ_k log|det ∂h_{k+1}/∂h_k|.
// Flow.create builds the paper's model unless a stack is given: L dense layers
// y_l = W_l z_{l-1} + b_l with a fixed activation z_l = σ(y_l) between them, s = y_L.
// Samples are rows: Y = Z Wᵀ + 1bᵀ (B×D).

import { makeActivation, type Activation } from './activations.js';
import { makeBase, type BaseDensity } from './bases.js';
import { activationConfig, resolveConfigWithTypes, type FlowConfig, type ResolvedFlowConfig } from './config.js';
import { assertBatch, type DataInput, rowsToTensor, assertFinite, assertFiniteTensor } from './matrix.js';
import { hostMatrixOfRows, type NestedRows } from './rows.js';
import { relativeGradient } from './gradients/relative.js';
import { ordinaryGradient } from './gradients/ordinary.js';
import { autodiffGradient } from './gradients/autodiff.js';
import { fromHost } from '../engine/create.js';
import type { Backend } from '../engine/backend.js';
import * as ops from '../engine/ops.js';
import { Rng } from '../engine/random.js';
import { flowSummary } from './summary.js';
import { fmt, sameShape } from '../engine/shape.js';
import { getBackend } from '../index.js';
import { refuseUnknownKeys } from './option-keys.js';
import type { StoredLayerSpec as ResolvedStackSpec } from './layers/layer.js';
import { keep, tidy } from '../engine/scope.js';
import { Tensor, type NestedArray } from '../engine/tensor.js';
import type { HostParams } from './checkpoint.js';
import type { Layer } from './layers/layer.js';
import { buildLayer, denseViews, paperStack, type LayerSpec, type ResolvedLayerSpec } from './layers/specs.js';
import { checkContext, type ContextInput, type ContextOptions } from './context.js';
import { userTypesOf, type LayerTypes } from './layers/builtin.js';
import type { LayerDefinition } from './layers/definition.js';

/**
 * Checkpoints use node:fs and node:crypto; the specifier is a variable so that bundlers leave the
 * module out of browser bundles (save/load are Node-only; everything else runs in a browser).
 */
const CHECKPOINT_MODULE = './checkpoint.js';

/**
 * How a flow's update direction is computed: 'relative' (Gresele et al. 2020, O(B·D²), no inverse),
 * 'ordinary' (hand-written Euclidean gradient, O(B·D² + D³)) or 'autodiff' (the engine's tape).
 */
export type GradientMethod = 'relative' | 'ordinary' | 'autodiff';
/** Every `GradientMethod`, in the order the CLI and benchmarks list them. */
export const GRADIENT_METHODS: readonly GradientMethod[] = ['relative', 'ordinary', 'autodiff'];

/** The dense layers' parameters, in order (the paper's view of a flow). */
export interface FlowParams {
  W: Tensor[];
  b: Tensor[];
}

/**
 * Parameters as nested arrays or tensors, for setParams: either the dense layers' W (and b), for
 * flows whose other layers have no parameters, or `layers`: every layer's list (empty for
 * parameterless ones), in the order of each layer's paramNames.
 */
export interface FlowParamsInput {
  W?: (Tensor | NestedArray | Float64Array)[];
  b?: (Tensor | NestedArray | Float64Array)[];
  /** flat (C order) Float64Arrays are taken as they are */
  layers?: (Tensor | NestedArray | Float64Array)[][];
}

/** The paper model's parameters on the host: its dense layers' weight matrices (row-major D×D) and biases. */
export interface PaperHostParams {
  W: Float64Array[];
  b: Float64Array[];
}

/** Update directions: per layer (aligned with flow.stack), and the dense layers' dW, db as views. */
export interface Gradient {
  dW: Tensor[];
  db: Tensor[];
  layers: Tensor[][];
}

/** A batch: a [B, D] tensor, a host matrix, or plain rows of numbers ([[x11, x12], [x21, x22]]). */
export type BatchInput = DataInput | NestedRows;

/** Options of Flow.create / Flow.fromLayers. */
export interface FlowCreateOptions {
  /** default: the current backend (getBackend()) */
  backend?: Backend;
  /** user-defined layer types the stack names by string (those given as `{ type: myLayer }` need not be repeated) */
  layers?: readonly LayerDefinition[];
}

/** Options of Flow.load / Flow.fromCheckpoint. */
export interface FlowLoadOptions {
  backend?: Backend;
  /** default: the file's dtype where the backend has it, else the backend's default */
  dtype?: 'float64' | 'float32';
  /** the user-defined layer types the file's stack uses (an unknown type name is refused) */
  layers?: readonly LayerDefinition[];
}

/** Intermediates of one forward pass: inputs[k] is layer k's input (inputs[0] = x), s the output. */
export interface ForwardTrace {
  inputs: Tensor[];
  s: Tensor;
}

/**
 * A dense normalizing flow x → s: a stack of invertible layers over a factorised base density,
 * with exact log p(x) = log p_s(s) + Σ_k log|det J_k| (nats per sample) and its gradients.
 */
export class Flow {
  readonly config: ResolvedFlowConfig;
  /** the paper's activation (config.activation); a stack's activations live in its layers */
  readonly activation: Activation;
  readonly base: BaseDensity;
  readonly backend: Backend;
  /** the layers, bottom (data side) to top (base side) */
  readonly stack: readonly Layer[];
  /** the layer types this flow can name: the built-in ones and the user-defined ones it was given */
  readonly layerTypes: LayerTypes;
  private P: Tensor[][];

  private constructor(config: ResolvedFlowConfig, backend: Backend, stack: Layer[], P: Tensor[][], types: LayerTypes) {
    this.config = config;
    this.layerTypes = types;
    this.backend = backend;
    this.activation = makeActivation(activationConfig(config));
    this.base = makeBase(config.base);
    this.stack = stack;
    this.P = P;
  }

  /**
   * The paper's flow (orthogonal or near-identity weights, zero biases), or any `stack` of layer
   * specs (each layer's own initialisation), seeded: layer k draws from seed·1000 + its dense index
   * for dense layers, so the paper's model is unchanged.
   */
  static create(config: FlowConfig, options: FlowCreateOptions = {}): Flow {
    refuseUnknownKeys(options, ['backend', 'layers'], 'Flow.create options');
    const backend = options.backend ?? getBackend();
    const { config: c, types } = resolveConfigWithTypes(config, backend.defaultDtype, options.layers);
    const ctx = { dim: c.dim, dtype: c.dtype, backend, contextDim: c.context ?? 0 };
    const specs = c.stack ?? paperStack({ layers: c.layers, bias: c.bias, init: c.init, activation: { type: 'activation', ...activationConfig(c) } });
    const stack = specs.map((spec, i) => buildLayer(spec as ResolvedStackSpec, ctx, types, `flow config: stack[${i}]`));
    const resolved = c;
    let dense = 0;
    const P = stack.map((layer, i) => {
      const seed = layer.type === 'dense' ? c.seed * 1000 + dense++ : c.seed * 1000 + 500 + i;
      return layer.initParams(seed).map((host, j) => keep(fromHost(host, layer.paramShapes[j], { dtype: c.dtype, backend })));
    });
    return new Flow(resolved, backend, stack, P, types);
  }

  /**
   * A flow from a list of layer specs (docs/layers.md), e.g. `Flow.fromLayers(deepStack(), { dim: 2 })`;
   * `{ dim, context: C }` makes it conditional on C context values (docs/conditional.md).
   */
  static fromLayers(stack: (LayerSpec | ResolvedLayerSpec)[], config: Omit<FlowConfig, 'stack' | 'layers'>, options: FlowCreateOptions = {}): Flow {
    return Flow.create({ ...config, stack }, options);
  }

  get dim(): number {
    return this.config.dim;
  }
  /** the context width C of a conditional flow p(x | c); 0 for an unconditional one */
  get contextDim(): number {
    return this.config.context ?? 0;
  }
  /** the number of dense layers (the paper's L) */
  get denseLayerCount(): number {
    return this.config.layers;
  }
  /** @deprecated the number of dense layers: use `denseLayerCount` (`stack.length` counts every layer) */
  get layers(): number {
    return this.config.layers;
  }
  /** the user-defined layer types this flow uses (what `Flow.load` must be given again) */
  get userLayerTypes(): LayerDefinition[] {
    return userTypesOf(this.layerTypes);
  }
  get dtype(): 'float64' | 'float32' {
    return this.config.dtype;
  }

  /** The dense layers' W and b (the flow owns them; do not dispose). */
  get params(): FlowParams {
    return denseViews(this.stack, this.P);
  }

  /** Every layer's parameters, aligned with `stack` (the flow owns them; do not dispose). */
  get layerParams(): Tensor[][] {
    return this.P.map((p) => [...p]);
  }

  /** The number of scalar parameters. */
  get parameterCount(): number {
    return this.P.reduce((n, p) => n + p.reduce((m, t) => m + t.size, 0), 0);
  }

  /**
   * Replaces the parameters; shapes are checked, values must be finite and each W regular
   * (checked by one LU per dense layer, which also fills the log|det| cache). Old tensors are disposed.
   */
  setParams(params: FlowParamsInput): void {
    const where = (k: number, j: number): string => {
      const layer = this.stack[k];
      if (params.layers === undefined) {
        const l = this.stack.slice(0, k).filter((x) => x.type === 'dense').length;
        return `${layer.paramNames[j]}[${l}]`;
      }
      return `layers[${k}].${layer.paramNames[j]}`;
    };
    const input = this.paramsInputByLayer(params);
    this.setHostParams(input.map((list, k) => list.map((v, j) => this.hostValues(v, where(k, j), this.stack[k].paramShapes[j]))), (k) => `setParams: ${where(k, 0)}`);
  }

  /**
   * Uploads every layer's parameters from checked host values (one upload each, nothing left
   * behind if a layer refuses its values) and swaps them in.
   */
  private setHostParams(host: (Float64Array | Float32Array)[][], where: (k: number) => string): void {
    tidy(() => {
      const P = host.map((list, k) => list.map((a, j) => fromHost(a, this.stack[k].paramShapes[j], { dtype: this.dtype, backend: this.backend })));
      P.forEach((list, k) => this.stack[k].checkParams?.(list, where(k)));
      this.replaceLayerParams(P);
    });
  }

  /** The input of setParams as one list per layer; W/b are only enough when no other layer has parameters. */
  private paramsInputByLayer(params: FlowParamsInput): (Tensor | NestedArray | Float64Array)[][] {
    if (params.layers !== undefined) {
      if (!Array.isArray(params.layers) || params.layers.length !== this.stack.length) {
        throw new Error(`setParams: expected layers for ${this.stack.length} layers, got ${Array.isArray(params.layers) ? params.layers.length : typeof params.layers}`);
      }
      return params.layers.map((list, k) => {
        const want = this.stack[k].paramNames.length;
        if (!Array.isArray(list) || list.length !== want) {
          throw new Error(`setParams: layers[${k}] (${this.stack[k].type}) takes ${want} parameter${want === 1 ? '' : 's'} (${this.stack[k].paramNames.join(', ') || 'none'}), got ${Array.isArray(list) ? list.length : typeof list}`);
        }
        return list;
      });
    }
    const { layers, bias } = this.config;
    const other = this.stack.find((l) => (l.type !== 'dense' && l.paramNames.length > 0) || l.conditional === true);
    if (other !== undefined) throw new Error(`setParams: this flow has ${other.type} layers with parameters: give every layer's parameters as { layers: [...] }`);
    if (!Array.isArray(params.W) || params.W.length !== layers) {
      throw new Error(`setParams: expected ${layers} weight matrices, got ${Array.isArray(params.W) ? params.W.length : typeof params.W}`);
    }
    const bIn = params.b ?? [];
    const biases = this.stack.filter((l) => l.type === 'dense' && l.paramNames.length > 1).length;
    if (bias && this.config.stack === undefined && bIn.length !== layers) throw new Error(`setParams: expected ${layers} bias vectors, got ${bIn.length}`);
    if (biases === 0 && bIn.length !== 0) throw new Error(`setParams: this flow has no biases (bias: false), got ${bIn.length}`);
    if (bIn.length !== biases) throw new Error(`setParams: expected ${biases} bias vectors, got ${bIn.length}`);
    let l = 0;
    let m = 0;
    return this.stack.map((layer) => (layer.type !== 'dense' ? [] : layer.paramNames.length > 1 ? [params.W![l++], bIn[m++]] : [params.W![l++]]));
  }

  /** A parameter's values on the host, its shape and finiteness checked (named `what`). */
  private hostValues(v: Tensor | NestedArray | Float64Array, what: string, shape: readonly number[]): Float64Array | Float32Array {
    if (v instanceof Tensor && !sameShape(v.shape, shape)) {
      throw new Error(`setParams: ${what} has shape ${fmt(v.shape)}, expected ${fmt(shape)}`);
    }
    const host = v instanceof Tensor ? v.dataSync() : v instanceof Float64Array ? v : new Float64Array(flatNumbers(v, what, shape));
    const size = shape.reduce((n, d) => n * d, 1);
    if (host.length !== size) throw new Error(`setParams: ${what} has ${host.length} values, expected shape ${fmt(shape)}`);
    for (let i = 0; i < host.length; i++) {
      if (!Number.isFinite(host[i])) throw new Error(`setParams: ${what} has a non-finite value ${host[i]} at flat index ${i}`);
    }
    return host;
  }

  /** Swaps in new dense parameters (already checked) for a flow whose other layers have none. */
  replaceParams(W: Tensor[], b: Tensor[]): void {
    let l = 0;
    let m = 0;
    this.replaceLayerParams(this.stack.map((layer, k) => (layer.type !== 'dense' ? this.P[k] : layer.paramNames.length > 1 ? [W[l++], b[m++]] : [W[l++]])));
  }

  /** Swaps in every layer's parameters (already checked); used by optimisers. */
  replaceLayerParams(P: Tensor[][]): void {
    const old = this.P.flat();
    this.P = P.map((list) => list.map((t) => keep(t)));
    const now = new Set(this.P.flat());
    for (const t of old) if (!now.has(t)) t.dispose();
  }

  /** Converts and checks a batch: [B, D], finite values for host input. */
  toBatch(input: BatchInput, op = 'flow'): Tensor {
    const x = Array.isArray(input) ? hostMatrixOfRows(op, input as NestedRows) : (input as DataInput);
    if (x === null || typeof x !== 'object') throw new Error(`${op}: expected a batch (a [B, ${this.dim}] tensor, a host matrix or rows of numbers), got ${x === null ? 'null' : typeof x}`);
    if (x instanceof Tensor) {
      assertBatch(op, x, this.dim);
      return x.dtype === this.dtype ? x : ops.cast(x, this.dtype);
    }
    if (x.cols !== this.dim) throw new Error(`${op}: data has ${x.cols} columns, the flow has dim ${this.dim}`);
    assertFinite(op, x);
    return rowsToTensor(x, null, 0, x.rows, this.dtype, this.backend);
  }

  /** toBatch, finite: host rows are checked there, a tensor here (one read-back, O(B·D)). */
  private checkedBatch(input: BatchInput, op: string): Tensor {
    const xb = this.toBatch(input, op);
    if (input instanceof Tensor) assertFiniteTensor(op, xb);
    return xb;
  }

  /**
   * The context tensor [rows, C] for a batch of `rows` samples, checked (flow/context.ts): refused
   * for an unconditional flow, required for a conditional one; `shareOneRow` lets one row serve all.
   */
  toContext(context: ContextInput | undefined, rows: number, op = 'flow', shareOneRow = false): Tensor | undefined {
    if (context instanceof Tensor && this.contextDim > 0 && context.rank === 2 && context.shape[0] === rows && context.shape[1] === this.contextDim) {
      assertFiniteTensor(`${op}: context`, context);
      return context.dtype === this.dtype ? context : ops.cast(context, this.dtype);
    }
    const m = checkContext(op, context, this.contextDim, rows, shareOneRow);
    return m === undefined ? undefined : rowsToTensor(m, null, 0, m.rows, this.dtype, this.backend);
  }

  /**
   * One forward pass keeping every layer's input (the tensors belong to the caller's scope).
   * Outside `grad` a dense layer is one fused product and an activation one fused pass; under a
   * tape tracking x or a parameter every layer runs differentiable composite ops.
   */
  trace(x: Tensor, P: readonly (readonly Tensor[])[] = this.P, context?: Tensor): ForwardTrace {
    const inputs: Tensor[] = [];
    let h = x;
    this.stack.forEach((layer, k) => {
      inputs.push(h);
      h = layer.map(h, P[k], context);
    });
    return { inputs, s: h };
  }

  /** s = f(x; c) for a batch [B, D] (a conditional flow takes `{ context }`, [B, C]). */
  forward(x: BatchInput, options: ContextOptions = {}): Tensor {
    refuseUnknownKeys(options, ['context'], 'forward options');
    const xb = this.checkedBatch(x, 'forward');
    const c = this.toContext(options.context, xb.shape[0], 'forward');
    return tidy(() => this.trace(xb, this.P, c).s);
  }

  /** log p(x | c) per sample [B], exact, differentiable w.r.t. the parameters (one list per layer). */
  logProbWith(x: Tensor, P: readonly (readonly Tensor[])[], context?: Tensor): Tensor {
    let h = x;
    let perSample: Tensor | undefined;
    let shared: Tensor | undefined;
    this.stack.forEach((layer, k) => {
      const { y, logDet } = layer.forward(h, P[k], context);
      if (logDet.rank === 0) shared = shared === undefined ? logDet : ops.add(shared, logDet);
      else perSample = perSample === undefined ? logDet : ops.add(perSample, logDet);
      h = y;
    });
    let terms = ops.sum(this.base.logProb(h), 1);
    if (perSample !== undefined) terms = ops.add(terms, perSample);
    return shared === undefined ? terms : ops.add(terms, shared);
  }

  /** log p(x) per sample [B] in nats; a conditional flow gives log p(x | c) and takes `{ context }` ([B, C]). */
  logProb(x: BatchInput, options: ContextOptions = {}): Tensor {
    refuseUnknownKeys(options, ['context'], 'logProb options');
    const xb = this.checkedBatch(x, 'logProb');
    const c = this.toContext(options.context, xb.shape[0], 'logProb');
    return tidy(() => this.logProbWith(xb, this.P, c));
  }

  /** ℓ = -(1/B) Σ log p(x_n) (| c_n), a scalar tensor. */
  loss(x: BatchInput, options: ContextOptions = {}): Tensor {
    refuseUnknownKeys(options, ['context'], 'loss options');
    const xb = this.checkedBatch(x, 'loss');
    const c = this.toContext(options.context, xb.shape[0], 'loss');
    return tidy(() => ops.neg(ops.mean(this.logProbWith(xb, this.P, c))));
  }

  /**
   * The update direction for a batch: 'relative' (the paper's for every dense layer, O(B·D²) each;
   * the Euclidean gradient for every other layer), 'ordinary' (∂ℓ/∂θ for every layer, dense ones
   * with an explicit inverse, O(D³)) or 'autodiff' (through per-sample Jacobians). docs/layers.md.
   */
  gradient(x: BatchInput, method: GradientMethod = 'relative', options: ContextOptions = {}): Gradient {
    refuseUnknownKeys(options, ['context'], 'gradient options');
    const xb = this.toBatch(x, 'gradient');
    const c = this.toContext(options.context, xb.shape[0], 'gradient');
    const run = (): Gradient => {
      switch (method) {
        case 'relative':
          return relativeGradient(this, xb, c);
        case 'ordinary':
          return ordinaryGradient(this, xb, c);
        case 'autodiff':
          return autodiffGradient(this, xb, c);
        default:
          throw new Error(`gradient: unknown method '${String(method)}'; expected one of ${GRADIENT_METHODS.join(', ')}`);
      }
    };
    return tidy(run);
  }

  /** Splits per-layer directions into the Gradient shape (dW, db views of the dense layers). */
  gradientOf(layers: Tensor[][]): Gradient {
    const { W: dW, b: db } = denseViews(this.stack, layers);
    return { dW, db, layers };
  }

  /**
   * x = f⁻¹(s), layer by layer from the top: dense layers by one LU for all samples, the paper's
   * σ by safeguarded Newton, splines in closed form. Returns the worst residual |h(x) - y| over
   * every numerically inverted layer.
   */
  inverse(s: BatchInput, options: ContextOptions = {}): { x: Tensor; maxResidual: number } {
    refuseUnknownKeys(options, ['context'], 'inverse options');
    const sb = this.checkedBatch(s, 'inverse');
    const c = this.toContext(options.context, sb.shape[0], 'inverse', true);
    let maxResidual = 0;
    const x = tidy(() => {
      let h = sb;
      for (let k = this.stack.length - 1; k >= 0; k--) {
        const inv = this.stack[k].inverse(h, this.P[k], c);
        maxResidual = Math.max(maxResidual, inv.maxResidual);
        h = inv.x;
      }
      return h;
    });
    return { x, maxResidual };
  }

  /**
   * n samples from the model: s ~ p_s (seeded), x = f⁻¹(s); a conditional flow samples p(x | c) and
   * takes `{ context }`: one row for every sample, or n rows (one per sample).
   */
  sample(n: number, options: { seed?: number; context?: ContextInput } = {}): { x: Tensor; maxResidual: number } {
    refuseUnknownKeys(options, ['seed', 'context'], 'sample options');
    if (!Number.isInteger(n) || n < 1) throw new Error(`sample: n must be a positive integer, got ${n}`);
    assertSampleFits(n, this.dim);
    const c = this.toContext(options.context, n, 'sample', true);
    const rng = new Rng(options.seed ?? 0);
    const host = new Float64Array(n * this.dim);
    for (let i = 0; i < host.length; i++) host[i] = this.base.sample(rng);
    const s = fromHost(host, [n, this.dim], { dtype: this.dtype, backend: this.backend });
    const out = this.inverse(s, c === undefined ? {} : { context: c });
    s.dispose();
    c?.dispose();
    return out;
  }

  /**
   * Host copies of the parameters (float64), one list per layer in its `paramNames` order (the
   * paper model's W/b: `denseViews(flow.stack, params.layers)`).
   */
  paramsToHost(): HostParams {
    return { layers: this.P.map((list) => list.map((t) => Float64Array.from(t.dataSync()))) };
  }

  /**
   * Sets parameters from host arrays (checked like setParams; one upload per array): per-layer
   * lists, or for the paper's model its dense layers' `{ W, b }`.
   */
  paramsFromHost(p: HostParams | PaperHostParams): void {
    if ('layers' in p && p.layers !== undefined) {
      if (p.layers.length !== this.stack.length) throw new Error(`setParams: expected layers for ${this.stack.length} layers, got ${p.layers.length}`);
      const where = (k: number, j: number): string => `layers[${k}].${this.stack[k].paramNames[j] ?? j}`;
      this.setHostParams(
        p.layers.map((list, k) => {
          const want = this.stack[k].paramNames.length;
          if (list.length !== want) throw new Error(`setParams: layers[${k}] (${this.stack[k].type}) takes ${want} parameters, got ${list.length}`);
          return list.map((a, j) => this.hostValues(a, where(k, j), this.stack[k].paramShapes[j]));
        }),
        (k) => `setParams: layers[${k}]`,
      );
      return;
    }
    const { W, b } = p as PaperHostParams;
    this.setParams({ W, b });
  }

  /** Saves config and parameters (atomic write, checksummed; see checkpoint.ts). Node only. */
  async save(path: string, options: { precision?: 'float64' | 'float32'; meta?: Record<string, unknown> } = {}): Promise<void> {
    const { saveCheckpoint } = (await import(CHECKPOINT_MODULE)) as typeof import('./checkpoint.js');
    await saveCheckpoint(path, { config: this.config, params: this.paramsToHost(), meta: options.meta }, { precision: options.precision, layers: this.userLayerTypes });
  }

  /** Loads a flow saved by `save` or by training; refuses truncated or tampered files. */
  static async load(path: string, options: FlowLoadOptions = {}): Promise<Flow> {
    refuseUnknownKeys(options, ['backend', 'dtype', 'layers'], 'Flow.load options');
    const { loadCheckpoint } = (await import(CHECKPOINT_MODULE)) as typeof import('./checkpoint.js');
    return Flow.fromCheckpoint(await loadCheckpoint(path, { layers: options.layers }), options);
  }

  /** A flow from a decoded checkpoint (`{ config, params }`), e.g. what loadCheckpoint returns. */
  static fromCheckpoint(ck: { config: FlowConfig | ResolvedFlowConfig; params: HostParams }, options: FlowLoadOptions = {}): Flow {
    refuseUnknownKeys(options, ['backend', 'dtype', 'layers'], 'Flow.fromCheckpoint options');
    const backend = options.backend ?? getBackend();
    const flow = Flow.create({ ...(ck.config as FlowConfig), dtype: options.dtype ?? (backend.describe().dtypes.includes(ck.config.dtype ?? 'float64') ? ck.config.dtype : backend.defaultDtype) }, { backend, layers: options.layers });
    flow.paramsFromHost(ck.params);
    return flow;
  }

  /** A one-line summary: size, layers, base, parameter count, dtype, backend. */
  toString(): string {
    return flowSummary(this);
  }

  /** Disposes the parameters and the layers' constants. */
  dispose(): void {
    for (const t of this.P.flat()) t.dispose();
    for (const layer of this.stack) layer.dispose?.();
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
