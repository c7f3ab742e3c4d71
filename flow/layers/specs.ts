// Layer specs (plain JSON, stored in configs and checkpoints) → layers, and the stacks relgrad
// builds: the paper's dense flow and the deep "Gaussianization" stack (docs/layers.md).

import { ACTIVATIONS } from '../activations.js';
import { ActivationLayer, type ActivationSpec, type ResolvedActivationSpec } from './activation.js';
import { AffineLayer, type AffineSpec } from './affine.js';
import { DenseLayer, type DenseSpec, type ResolvedDenseSpec } from './dense.js';
import { LAYER_TYPES, type Layer, type LayerContext } from './layer.js';
import { SplineLayer, type ResolvedSplineSpec, type SplineSpec } from './spline.js';

export type LayerSpec = DenseSpec | ActivationSpec | AffineSpec | SplineSpec;
export type ResolvedLayerSpec = ResolvedDenseSpec | ResolvedActivationSpec | AffineSpec | ResolvedSplineSpec;

const KEYS: Record<string, readonly string[]> = {
  dense: ['type', 'bias', 'init'],
  activation: ['type', 'name', 'alpha', 'beta', 'gamma'],
  affine: ['type'],
  spline: ['type', 'bins', 'bound'],
};

/** Checks a spec's type and keys (unknown ones are refused, never ignored), naming where it is. */
export function checkLayerSpec(spec: unknown, where: string): LayerSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new Error(`${where}: a layer spec must be an object like { type: 'dense' }, got ${JSON.stringify(spec)}`);
  const type = (spec as { type?: unknown }).type;
  if (typeof type !== 'string' || !LAYER_TYPES.includes(type as never)) {
    throw new Error(`${where}: unknown layer type ${JSON.stringify(type)}; expected one of ${LAYER_TYPES.join(', ')}`);
  }
  for (const key of Object.keys(spec)) {
    if (!KEYS[type].includes(key)) throw new Error(`${where}: a ${type} layer has no setting '${key}' (it takes ${KEYS[type].filter((k) => k !== 'type').join(', ') || 'none'})`);
  }
  const s = spec as LayerSpec;
  if (s.type === 'dense') {
    if (s.bias !== undefined && typeof s.bias !== 'boolean') throw new Error(`${where}: dense bias must be true or false, got ${JSON.stringify(s.bias)}`);
    if (s.init !== undefined && !['orthogonal', 'near-identity', 'identity'].includes(s.init)) {
      throw new Error(`${where}: unknown dense init ${JSON.stringify(s.init)}; expected orthogonal, near-identity or identity`);
    }
  }
  if (s.type === 'activation' && s.name !== undefined && !ACTIVATIONS.includes(s.name)) {
    throw new Error(`${where}: unknown activation ${JSON.stringify(s.name)}; expected one of ${ACTIVATIONS.join(', ')}`);
  }
  return s;
}

export function buildLayer(spec: LayerSpec, ctx: LayerContext, where = 'layer'): Layer {
  const s = checkLayerSpec(spec, where);
  try {
    switch (s.type) {
      case 'dense':
        return new DenseLayer(s, ctx);
      case 'activation':
        return new ActivationLayer(s);
      case 'affine':
        return new AffineLayer(ctx);
      case 'spline':
        return new SplineLayer(s, ctx);
    }
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
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

/** Names and shapes of a spec's parameters at dimension `dim`, in the layer's order (for checkpoints). */
export function layerParamLayout(spec: LayerSpec, dim: number): { name: string; shape: number[] }[] {
  switch (spec.type) {
    case 'dense':
      return spec.bias === false ? [{ name: 'W', shape: [dim, dim] }] : [{ name: 'W', shape: [dim, dim] }, { name: 'b', shape: [dim] }];
    case 'activation':
      return [];
    case 'affine':
      return [{ name: 'logScale', shape: [dim] }, { name: 'shift', shape: [dim] }];
    case 'spline': {
      const k = spec.bins ?? 8;
      return [{ name: 'widths', shape: [dim, k] }, { name: 'heights', shape: [dim, k] }, { name: 'derivatives', shape: [dim, k - 1] }];
    }
  }
}
