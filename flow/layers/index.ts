// The flow's layer types (docs/layers.md): one per file, all behind the Layer contract.
export type { Layer, LayerType, LayerForward, LayerBackward, LayerContext } from './layer.js';
export { LAYER_TYPES } from './layer.js';
export { DenseLayer, type DenseSpec } from './dense.js';
export { ActivationLayer, type ActivationSpec } from './activation.js';
export { AffineLayer, type AffineSpec } from './affine.js';
export { SplineLayer, type SplineSpec } from './spline.js';
export { buildLayer, checkLayerSpec, deepStack, denseViews, layerParamLayout, paperStack, type DeepStackOptions, type LayerSpec, type ResolvedLayerSpec } from './specs.js';
