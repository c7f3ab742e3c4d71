// The layer list a resolved flow config describes: its stack, or the paper's model (dense layers
// with the config's activation between them). Shared by the Node and Web checkpoint writers.

import { activationConfig, type ResolvedFlowConfig } from '../config.js';
import { layerTypes, type LayerTypes } from './builtin.js';
import type { StoredLayerSpec } from './layer.js';
import type { DenseSpec } from './dense.js';
import { layerParamLayout, paperStack } from './specs.js';

export function stackOfConfig(config: ResolvedFlowConfig): StoredLayerSpec[] {
  return config.stack ?? (paperStack({ layers: config.layers, bias: config.bias, init: config.init, activation: { type: 'activation', ...activationConfig(config) } }) as StoredLayerSpec[]);
}

/**
 * The paper model's W/b lists (a version-1 checkpoint, `Flow.paramsFromHost({ W, b })`) as one
 * parameter list per layer of `stack`: [W_l, b_l] for each dense layer, [] for the others.
 */
export function paperParamsByLayer<T>(p: { W: readonly T[]; b: readonly T[] }, stack: readonly StoredLayerSpec[]): T[][] {
  let l = 0;
  let m = 0;
  return stack.map((spec) => (spec.type !== 'dense' ? [] : (spec as DenseSpec).bias === false ? [p.W[l++]] : [p.W[l++], p.b[m++]]));
}

/**
 * The format-2 `params` object: one entry per layer with its type, spec and named parameters,
 * each encoded by `encode`; refuses parameters that disagree with the config, naming the layer.
 * `types` must hold every user-defined type the stack uses.
 */
export function encodeLayerParams(
  p: { layers: readonly (readonly Float64Array[])[] },
  config: ResolvedFlowConfig,
  encode: (a: Float64Array) => string,
  types: LayerTypes = layerTypes(),
): { layers: { type: string; spec: StoredLayerSpec; params: Record<string, string> }[] } {
  const stack = stackOfConfig(config);
  const lists = p.layers;
  if (lists.length !== stack.length) throw new Error(`saveCheckpoint: the parameters hold ${lists.length} layers, the config describes ${stack.length}`);
  return {
    layers: stack.map((spec, k) => ({
      type: spec.type,
      spec,
      params: Object.fromEntries(
        layerParamLayout(spec, config.dim, types, config.context ?? 0).map(({ name, shape }, j) => {
          const a = lists[k]?.[j];
          const size = shape.reduce((n, d) => n * d, 1);
          if (a === undefined || a.length !== size) {
            throw new Error(`saveCheckpoint: the parameters do not match the config: layer ${k} (${spec.type}) needs ${name} of ${size} values, got ${a === undefined ? 'none' : a.length}`);
          }
          return [name, encode(a)];
        }),
      ),
    })),
  };
}
