// The built-in layer types: one constant table from name to definition (like the engine's RULES),
// checked by the compiler against BUILTIN_LAYER_NAMES. A flow's types are this table plus the
// user-defined ones it is given explicitly (layerTypes); nothing is registered at run time.

import { activationLayer } from './activation.js';
import { affineLayer } from './affine.js';
import { BUILTIN_LAYER_NAMES } from './define.js';
import type { LayerDefinition } from './definition.js';
import { denseLayer } from './dense.js';
import { leakyLayer } from './leaky.js';
import { splineLayer } from './spline.js';

/** The name of a built-in layer type. */
export type BuiltinLayerName = (typeof BUILTIN_LAYER_NAMES)[number];

/** Every built-in layer type by name. */
export const BUILTIN_LAYERS: { readonly [N in BuiltinLayerName]: LayerDefinition } = {
  dense: denseLayer,
  activation: activationLayer,
  affine: affineLayer,
  spline: splineLayer,
  leaky: leakyLayer,
};

/** The layer types a flow can use: by name, the built-in ones and the user's. */
export type LayerTypes = ReadonlyMap<string, LayerDefinition>;

/**
 * The built-in types plus `user` (each passed explicitly, e.g. `Flow.load(path, { layers: [mine] })`);
 * refuses two different definitions under one name.
 */
export function layerTypes(user: readonly LayerDefinition[] = [], where = 'layers'): LayerTypes {
  const types = new Map<string, LayerDefinition>(Object.entries(BUILTIN_LAYERS));
  user.forEach((def, i) => {
    if (def === null || typeof def !== 'object' || typeof def.type !== 'string' || typeof def.build !== 'function') {
      throw new Error(`${where}[${i}]: expected a layer type made by defineLayer, got ${def === null ? 'null' : typeof def}`);
    }
    const known = types.get(def.type);
    if (known !== undefined && known !== def) {
      throw new Error(`${where}[${i}]: two different layer types are named '${def.type}'${(BUILTIN_LAYER_NAMES as readonly string[]).includes(def.type) ? ' (a built-in name)' : ''}`);
    }
    types.set(def.type, def);
  });
  return types;
}

/** The definitions among `types` that are not built in (what a checkpoint reader must be given again). */
export function userTypesOf(types: LayerTypes): LayerDefinition[] {
  return [...types.values()].filter((d) => (BUILTIN_LAYERS as Readonly<Record<string, LayerDefinition>>)[d.type] !== d);
}
