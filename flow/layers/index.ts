// The flow's layer types (docs/layers.md): one per file, each exporting its whole definition;
// builtin.ts's table names them; defineLayer makes a user's.
export type { Layer, LayerForward, LayerBackward, LayerContext, StoredLayerSpec } from './layer.js';
export type { LayerDefinition, ParamLayout, StackPosition } from './definition.js';
export { BUILTIN_LAYERS, layerTypes, type BuiltinLayerName, type LayerTypes } from './builtin.js';
export { defineLayer, type LayerDefinitionInput, type LayerParams, type UserLayerSpec } from './define.js';
export { DenseLayer, denseLayer, type DenseSpec } from './dense.js';
export { ActivationLayer, activationLayer, type ActivationSpec } from './activation.js';
export { AffineLayer, affineLayer, type AffineSpec } from './affine.js';
export { SplineLayer, splineLayer, type SplineSpec } from './spline.js';
export { leakyLayer, type LeakySpec } from './leaky.js';
export { CONDITIONER_ACTIVATIONS, type ConditionerSpec, type ResolvedConditionerSpec } from './conditioner.js';
export {
  buildLayer,
  checkLayerSpec,
  resolveLayerSpec,
  resolveStack,
  deepStack,
  denseViews,
  layerParamLayout,
  paperStack,
  type CustomLayerSpec,
  type DeepStackOptions,
  type LayerSpec,
  type ResolvedLayerSpec,
} from './specs.js';
