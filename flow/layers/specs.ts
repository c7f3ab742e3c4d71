// Layer specs (plain JSON, stored in configs and checkpoints) → layers, and the stacks relgrad
// builds: the paper's dense flow and the deep "Gaussianization" stack (docs/layers.md).

import type { ActivationSpec } from './activation.js';
import type { AffineSpec } from './affine.js';
import { BUILTIN_LAYERS, layerTypes, type LayerTypes } from './builtin.js';
import type { LayerDefinition, ParamLayout } from './definition.js';
import type { DenseSpec } from './dense.js';
import type { LeakySpec } from './leaky.js';
import type { Layer, LayerContext, StoredLayerSpec } from './layer.js';
import type { SplineSpec } from './spline.js';

/** A user-defined layer in a stack: its type (from defineLayer) and its options. */
export interface CustomLayerSpec {
  type: LayerDefinition;
  [option: string]: unknown;
}

/** A stack entry: a built-in type by name with its options, or a user-defined type object. */
export type LayerSpec = DenseSpec | ActivationSpec | AffineSpec | SplineSpec | LeakySpec | CustomLayerSpec;
/** A spec with every option filled in, its type by name (what configs and checkpoints store). */
export type ResolvedLayerSpec = StoredLayerSpec;

/** The definition for a spec's type name among `types`; an unknown name is refused with advice. */
export function definitionOf(type: unknown, types: LayerTypes, where: string): LayerDefinition {
  const def = typeof type === 'string' ? types.get(type) : undefined;
  if (def !== undefined) return def;
  const builtin = Object.keys(BUILTIN_LAYERS).join(', ');
  const user = [...types.keys()].filter((n) => !(n in BUILTIN_LAYERS));
  if (typeof type === 'string') {
    throw new Error(
      `${where}: unknown layer type ${JSON.stringify(type)}; the built-in types are ${builtin}` +
        `${user.length > 0 ? ` and the given ones ${user.join(', ')}` : ''}; for a user-defined type pass its definition ` +
        `(the object defineLayer returned): { type: myLayer } in a stack, or { layers: [myLayer] } to Flow.load, loadCheckpoint and decodeFlow`,
    );
  }
  throw new Error(`${where}: unknown layer type ${JSON.stringify(type) ?? String(type)}; expected one of ${builtin} or a type made by defineLayer`);
}

/**
 * Checks a spec (its type known, every key an option of that type: unknown keys are refused,
 * never ignored) and fills its defaults, naming where it is. `type` may be a definition object.
 */
export function resolveLayerSpec(spec: unknown, where: string, types: LayerTypes = layerTypes()): { spec: StoredLayerSpec; definition: LayerDefinition } {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new Error(`${where}: a layer spec must be an object like { type: 'dense' }, got ${JSON.stringify(spec)}`);
  const raw = (spec as { type?: unknown }).type;
  const definition = isDefinition(raw) ? raw : definitionOf(raw, types, where);
  if (isDefinition(raw)) {
    const known = types.get(raw.type);
    if (known !== undefined && known !== raw) throw new Error(`${where}: two different layer types are named '${raw.type}'`);
  }
  const options = definition.options;
  for (const key of Object.keys(spec)) {
    if (key !== 'type' && !options.includes(key)) {
      throw new Error(`${where}: a ${definition.type} layer has no setting '${key}' (it takes ${options.join(', ') || 'none'})`);
    }
  }
  return { spec: definition.resolve({ ...(spec as StoredLayerSpec), type: definition.type }, where), definition };
}

/** Checks a spec and fills its defaults (see resolveLayerSpec). */
export function checkLayerSpec(spec: unknown, where: string, types: LayerTypes = layerTypes()): StoredLayerSpec {
  return resolveLayerSpec(spec, where, types).spec;
}

function isDefinition(v: unknown): v is LayerDefinition {
  return v !== null && typeof v === 'object' && typeof (v as LayerDefinition).type === 'string' && typeof (v as LayerDefinition).build === 'function';
}

/**
 * A stack's specs resolved, and the layer types it uses: the built-in ones, those given as
 * `{ type: definition }` entries and `user` (two different types under one name are refused).
 */
export function resolveStack(stack: readonly unknown[], where: string, user: readonly LayerDefinition[] = []): { stack: StoredLayerSpec[]; types: LayerTypes } {
  const inStack = stack.flatMap((spec) => {
    const t = spec !== null && typeof spec === 'object' ? (spec as { type?: unknown }).type : undefined;
    return isDefinition(t) ? [t] : [];
  });
  const types = layerTypes([...user, ...inStack], where);
  return { stack: stack.map((spec, i) => resolveLayerSpec(spec, `${where}[${i}]`, types).spec), types };
}

/** The runnable layer of a resolved spec. */
export function buildLayer(spec: StoredLayerSpec, ctx: LayerContext, types: LayerTypes = layerTypes(), where = 'layer'): Layer {
  const definition = definitionOf(spec.type, types, where);
  try {
    return definition.build(definition.resolve(spec, where), ctx);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith(where) ? message : `${where}: ${message}`);
  }
}

/** The paper's flow: L dense layers with the fixed activation between them. */
export function paperStack(o: { layers: number; bias: boolean; init: 'orthogonal' | 'near-identity'; activation: ActivationSpec }): LayerSpec[] {
  const stack: LayerSpec[] = [];
  for (let l = 0; l < o.layers; l++) {
    if (l > 0) stack.push({ ...o.activation, type: 'activation' });
    stack.push({ type: 'dense', bias: o.bias, init: o.init });
  }
  return stack;
}

/** Options of `deepStack`: the number of dense layers and the splines' bins and interval. */
export interface DeepStackOptions {
  /** dense layers (default 4) */
  depth?: number;
  /** spline bins per unit (default 8) */
  bins?: number;
  /** spline interval [-bound, bound] (default 4) */
  bound?: number;
}

/**
 * affine → spline → (dense → spline) × depth: a per-unit standardisation, then alternating
 * dense mixing (trained by the relative gradient) and learnable per-unit monotone splines —
 * the Gaussianization-flow family, universal as depth grows (Meng et al., NeurIPS 2020).
 */
export function deepStack(o: DeepStackOptions = {}): LayerSpec[] {
  const depth = o.depth ?? 4;
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`deepStack: depth must be a positive integer, got ${String(depth)}`);
  const spline: SplineSpec = { type: 'spline', bins: o.bins ?? 8, bound: o.bound ?? 4 };
  const stack: LayerSpec[] = [{ type: 'affine' }, { ...spline }];
  for (let l = 0; l < depth; l++) stack.push({ type: 'dense', bias: true, init: 'orthogonal' }, { ...spline });
  return stack;
}

/**
 * The dense layers' W and b out of per-layer parameter lists (any element type: tensors, host
 * arrays, gradients), in layer order; a dense layer without a bias contributes no b.
 */
export function denseViews<T>(stack: readonly { readonly type: string }[], layers: readonly (readonly T[])[]): { W: T[]; b: T[] } {
  const W: T[] = [];
  const b: T[] = [];
  stack.forEach((layer, k) => {
    if (layer.type !== 'dense') return;
    W.push(layers[k][0]);
    if (layers[k].length > 1) b.push(layers[k][1]);
  });
  return { W, b };
}

/** Names and shapes of a spec's parameters at dimension `dim` and context width `contextDim`, in the layer's order (for checkpoints). */
export function layerParamLayout(spec: StoredLayerSpec, dim: number, types: LayerTypes = layerTypes(), contextDim = 0): ParamLayout[] {
  const definition = definitionOf(spec.type, types, 'layerParamLayout');
  return definition.parameters(definition.resolve(spec, `a ${spec.type} layer`), dim, contextDim);
}
