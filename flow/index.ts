// relgrad/flow: dense normalizing flows trained by the relative gradient.
export { Flow, GRADIENT_METHODS, type GradientMethod, type Gradient, type FlowParams, type FlowParamsInput, type ForwardTrace } from './model.js';
export type { FlowConfig, ResolvedFlowConfig } from './config.js';
export {
  LAYER_TYPES,
  DenseLayer,
  ActivationLayer,
  AffineLayer,
  SplineLayer,
  buildLayer,
  checkLayerSpec,
  deepStack,
  paperStack,
  layerParamLayout,
  type Layer,
  type LayerType,
  type LayerForward,
  type LayerBackward,
  type LayerContext,
  type LayerSpec,
  type ResolvedLayerSpec,
  type DenseSpec,
  type ActivationSpec,
  type AffineSpec,
  type SplineSpec,
  type DeepStackOptions,
} from './layers/index.js';
export { initializeFromData } from './init-data.js';
export { SCHEDULES, type ScheduleOptions } from './schedule.js';
export { flowSummary } from './summary.js';
export { ACTIVATIONS, makeActivation, type ActivationName, type Activation, type ActivationConfig } from './activations.js';
export { BASES, makeBase, type BaseName, type BaseDensity } from './bases.js';
export { invertActivation, type InverseResult } from './inverse.js';
export type { HostMatrix, DataInput } from './matrix.js';
export { train, type TrainOptions, type TrainResult, type TrainData, type EpochRecord, type ProgressEvent } from './train.js';
export { trainInWorker, type TrainInWorkerOptions } from './train-in-worker.js';
export { evaluate, logProbs, summarize, type Evaluation } from './evaluate.js';
export { makeOptimizer, type Optimizer, type OptimizerName, type OptimizerOptions, type OptimizerState } from './optim.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint, type TrainingState } from './checkpoint.js';
export { fitGaussianFlow } from './baselines/gaussian.js';
export { relativeGradient } from './gradients/relative.js';
export { ordinaryGradient } from './gradients/ordinary.js';
export { autodiffGradient } from './gradients/autodiff.js';
export { toySplits, TOY_SETS, type ToyName } from './data/toy.js';
export { loadMatrix, splitMatrix, encodeNpy, parseNpy, readNpy } from './data/files.js';
export { encodeNpyArray, type NpyArray } from './interchange/npy.js';
export { writeStoredZip, readStoredZip, crc32, type ZipEntry } from './interchange/zip.js';
export { encodeSafetensors, decodeSafetensors, type SafeTensor } from './interchange/safetensors.js';
export { encodeFlowNpz, encodeFlowSafetensors, encodeFlow, decodeFlow, EXPORT_FORMATS, type ExportFormat, type FlowArrays } from './interchange/export.js';
export { loadMnist, mnistToPixels } from './data/mnist.js';
export { loadDataset } from './data/index.js';
export { sampleMixture, mixtureLogDensity, type GaussianMixture } from './data/mixture.js';
export type { Splits } from './data/dataset.js';
