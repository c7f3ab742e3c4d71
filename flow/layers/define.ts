// defineLayer: a layer type written by a user with engine ops alone. The user gives the forward
// map with its log|det J| and the inverse; the Euclidean gradient of every parameter (and the error
// signal to the layer below) comes from the engine's reverse mode, so such a layer trains under
// every gradient method while the dense layers around it keep the relative gradient.
//   backward: φ(x, θ) = Σ_n G_out,n · y_n(x, θ) − Σ_n log|det J_n(x, θ)|, then
//   G_in = ∂φ/∂x and dθ = (1/B) ∂φ/∂θ — exactly the layer contract of layer.ts. One reverse pass
//   over the user's forward: about twice the forward's cost.

import { grad } from '../../engine/autodiff.js';
import * as ops from '../../engine/ops.js';
import { fmt, sameShape } from '../../engine/shape.js';
import { Tensor } from '../../engine/tensor.js';
import type { LayerDefinition, ParamLayout } from './definition.js';
import type { Layer, LayerBackward, LayerContext, LayerForward, StoredLayerSpec } from './layer.js';

/** A user layer's resolved spec: its options (defaults filled in) and its type name. */
export type UserLayerSpec<O extends Record<string, unknown>> = Readonly<O> & { readonly type: string };

/** A user layer's parameters by name (the flow owns them: do not dispose). */
export type LayerParams = Readonly<Record<string, Tensor>>;

/** What defineLayer takes: a layer written with engine ops (`relgrad`'s `add`, `exp`, `where`, …). */
export interface LayerDefinitionInput<O extends Record<string, unknown> = Record<string, never>> {
  /** the name checkpoints record; must differ from the built-in types' names */
  type: string;
  /** one line: what the layer computes (shown by `relgrad info` and summaries) */
  description?: string;
  /** its options with their defaults; a stack entry may set these keys and no others */
  options?: O;
  /** Checks option values (the keys and their JS types are already checked); throw to refuse. */
  check?(spec: UserLayerSpec<O>): void;
  /** The parameters' shapes by name at data dimension `dim`, in the order gradients use. */
  parameters(spec: UserLayerSpec<O>, dim: number): Record<string, readonly number[]>;
  /** Starting values by name, flat in C order (float64), from `seed` where random. */
  init(spec: UserLayerSpec<O>, dim: number, seed: number): Record<string, Float64Array | readonly number[]>;
  /** y = h(x) for a batch x [B, D] and log|det ∂h/∂x| per sample [B] (or a scalar shared by all). */
  forward(x: Tensor, params: LayerParams, spec: UserLayerSpec<O>): LayerForward;
  /** x = h⁻¹(y); return `{ x, maxResidual }` when the inverse is numerical (max |h(x) − y|). */
  inverse(y: Tensor, params: LayerParams, spec: UserLayerSpec<O>): Tensor | { x: Tensor; maxResidual: number };
  /** A short label for summaries (default: the type name). */
  label?(spec: UserLayerSpec<O>): string;
}

/** The built-in types' names (builtin.ts checks that its table agrees). */
export const BUILTIN_LAYER_NAMES = ['dense', 'activation', 'affine', 'spline', 'leaky'] as const;

/**
 * A layer type from a definition written with engine ops; pass it in a stack as
 * `{ type: myLayer, ...options }` and to `Flow.load(path, { layers: [myLayer] })`.
 * Its gradient comes from the engine's autodiff (see the file header).
 */
export function defineLayer<O extends Record<string, unknown> = Record<string, never>>(input: LayerDefinitionInput<O>): LayerDefinition<UserLayerSpec<O>> {
  if (input === null || typeof input !== 'object') throw new Error(`defineLayer: expected a definition object, got ${String(input)}`);
  const { type } = input;
  if (typeof type !== 'string' || !/^[A-Za-z][\w.-]*$/.test(type)) {
    throw new Error(`defineLayer: type must be a name of letters, digits, '_', '.' or '-' starting with a letter, got ${JSON.stringify(type)}`);
  }
  return defineLayerAs(input, type, true);
}

/** defineLayer without the built-in name check (for the built-in types written this way). */
export function defineLayerAs<O extends Record<string, unknown>>(input: LayerDefinitionInput<O>, type: string, user: boolean): LayerDefinition<UserLayerSpec<O>> {
  if (user && (BUILTIN_LAYER_NAMES as readonly string[]).includes(type)) {
    throw new Error(`defineLayer: '${type}' is a built-in layer type; give your layer another name`);
  }
  for (const key of ['parameters', 'init', 'forward', 'inverse'] as const) {
    if (typeof input[key] !== 'function') throw new Error(`defineLayer '${type}': ${key} must be a function, got ${typeof input[key]}`);
  }
  const defaults = input.options ?? ({} as O);
  for (const [key, value] of Object.entries(defaults)) {
    if (key === 'type') throw new Error(`defineLayer '${type}': 'type' cannot be an option name`);
    if (!isJsonValue(value)) throw new Error(`defineLayer '${type}': option '${key}' must default to JSON data (numbers, strings, booleans, arrays, objects)`);
  }
  return {
    type,
    description: input.description ?? `user-defined layer '${type}'`,
    options: Object.keys(defaults),
    resolve(spec: StoredLayerSpec, where: string): UserLayerSpec<O> {
      const resolved: Record<string, unknown> = { type };
      for (const [key, fallback] of Object.entries(defaults)) {
        const value = (spec as unknown as Readonly<Record<string, unknown>>)[key] ?? fallback;
        if (typeof value !== typeof fallback || Array.isArray(value) !== Array.isArray(fallback)) {
          throw new Error(`${where}: option '${key}' of a ${type} layer must be ${describeType(fallback)} like its default ${JSON.stringify(fallback)}, got ${JSON.stringify(value)}`);
        }
        resolved[key] = value;
      }
      const s = resolved as UserLayerSpec<O>;
      try {
        input.check?.(s);
      } catch (err) {
        throw new Error(`${where}: ${type} layer: ${(err as Error).message}`);
      }
      return s;
    },
    parameters: (spec, dim) => layoutOf(input, spec, dim),
    label: (spec) => input.label?.(spec) ?? type,
    build: (spec, ctx) => new EngineLayer(input, spec, ctx),
  };
}

function isJsonValue(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonValue);
  if (typeof v === 'object') return Object.values(v as object).every(isJsonValue);
  return false;
}

function describeType(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
}

function layoutOf<O extends Record<string, unknown>>(input: LayerDefinitionInput<O>, spec: UserLayerSpec<O>, dim: number): ParamLayout[] {
  const shapes = input.parameters(spec, dim);
  if (shapes === null || typeof shapes !== 'object') throw new Error(`${spec.type} layer: parameters() must return shapes by name, got ${String(shapes)}`);
  return Object.entries(shapes).map(([name, shape]) => {
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`${spec.type} layer: parameter '${name}' has shape ${JSON.stringify(shape)}; expected a list of positive integers`);
    }
    return { name, shape: [...shape] };
  });
}

/** A layer of a user-defined type: the user's forward and inverse, the gradient by autodiff. */
class EngineLayer<O extends Record<string, unknown>> implements Layer {
  readonly type: string;
  readonly spec: UserLayerSpec<O>;
  readonly paramNames: readonly string[];
  readonly paramShapes: readonly (readonly number[])[];
  private readonly input: LayerDefinitionInput<O>;
  private readonly dim: number;

  constructor(input: LayerDefinitionInput<O>, spec: UserLayerSpec<O>, ctx: LayerContext) {
    this.input = input;
    this.type = spec.type;
    this.spec = spec;
    this.dim = ctx.dim;
    const layout = layoutOf(input, spec, ctx.dim);
    this.paramNames = layout.map((p) => p.name);
    this.paramShapes = layout.map((p) => p.shape);
  }

  initParams(seed: number): Float64Array[] {
    const values = this.input.init(this.spec, this.dim, seed);
    if (values === null || typeof values !== 'object') throw new Error(`${this.type} layer: init() must return values by name, got ${String(values)}`);
    for (const name of Object.keys(values)) {
      if (!this.paramNames.includes(name)) throw new Error(`${this.type} layer: init() returned '${name}', which parameters() does not declare (${this.paramNames.join(', ') || 'none'})`);
    }
    return this.paramNames.map((name, j) => {
      const v = values[name];
      const size = this.paramShapes[j].reduce((n, d) => n * d, 1);
      if (v === undefined) throw new Error(`${this.type} layer: init() gave no value for parameter '${name}'`);
      if (v.length !== size) throw new Error(`${this.type} layer: init() gave ${v.length} values for '${name}', its shape ${fmt(this.paramShapes[j])} holds ${size}`);
      const out = Float64Array.from(v);
      const bad = out.findIndex((u) => !Number.isFinite(u));
      if (bad >= 0) throw new Error(`${this.type} layer: init() gave a non-finite value ${out[bad]} for '${name}' at flat index ${bad}`);
      return out;
    });
  }

  private byName(params: readonly Tensor[]): LayerParams {
    return Object.fromEntries(this.paramNames.map((name, j) => [name, params[j]]));
  }

  forward(x: Tensor, params: readonly Tensor[]): LayerForward {
    const out = this.input.forward(x, this.byName(params), this.spec);
    if (out === null || typeof out !== 'object' || !(out.y instanceof Tensor) || !(out.logDet instanceof Tensor)) {
      throw new Error(`${this.type} layer: forward() must return { y, logDet } tensors`);
    }
    if (!sameShape(out.y.shape, x.shape)) throw new Error(`${this.type} layer: forward() returned y of shape ${fmt(out.y.shape)} for x of shape ${fmt(x.shape)}; a flow layer keeps the shape`);
    const B = x.shape[0];
    if (!(out.logDet.rank === 0 || (out.logDet.rank === 1 && out.logDet.shape[0] === B))) {
      throw new Error(`${this.type} layer: forward() returned logDet of shape ${fmt(out.logDet.shape)}; expected [${B}] (per sample) or [] (shared)`);
    }
    return out;
  }

  map(x: Tensor, params: readonly Tensor[]): Tensor {
    return this.forward(x, params).y;
  }

  backward(x: Tensor, _y: Tensor, params: readonly Tensor[], gOut: Tensor, needInput: boolean): LayerBackward {
    const B = x.shape[0];
    const first = needInput ? 0 : 1;
    const argnums = Array.from({ length: params.length + 1 - first }, (_, i) => i + first);
    if (argnums.length === 0) return { gIn: null, grads: [] };
    const phi = (xIn: Tensor, ...theta: Tensor[]): Tensor => {
      const { y, logDet } = this.forward(xIn, theta);
      const logDets = logDet.rank === 0 ? ops.mul(logDet, B) : ops.sum(logDet);
      return ops.sub(ops.sum(ops.mul(gOut, y)), logDets);
    };
    const g = grad(phi, { argnums })(x, ...params);
    return { gIn: needInput ? g[0] : null, grads: g.slice(needInput ? 1 : 0).map((t) => ops.div(t, B)) };
  }

  inverse(y: Tensor, params: readonly Tensor[]): { x: Tensor; maxResidual: number } {
    const out = this.input.inverse(y, this.byName(params), this.spec);
    const r = out instanceof Tensor ? { x: out, maxResidual: 0 } : out;
    if (r === null || typeof r !== 'object' || !(r.x instanceof Tensor)) throw new Error(`${this.type} layer: inverse() must return a tensor or { x, maxResidual }`);
    if (!sameShape(r.x.shape, y.shape)) throw new Error(`${this.type} layer: inverse() returned x of shape ${fmt(r.x.shape)} for y of shape ${fmt(y.shape)}`);
    const maxResidual = r.maxResidual ?? 0;
    if (typeof maxResidual !== 'number' || !(maxResidual >= 0)) throw new Error(`${this.type} layer: inverse() returned maxResidual ${String(maxResidual)}; expected a number ≥ 0`);
    return { x: r.x, maxResidual };
  }
}
