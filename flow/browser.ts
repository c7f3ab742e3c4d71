// relgrad/flow/browser: the parts of relgrad/flow that run in a browser (no Node modules): the
// model and layer stacks, gradients, training (also on a worker), evaluation, optimisers, toy data,
// a checkpoint's text (encodeCheckpointText; Flow.load reads it in Node). Checkpoint files, the
// file and MNIST/MAF loaders and the CLI are Node-only and live in relgrad/flow. Bundlers that set
// the 'browser' export condition resolve relgrad/flow to this file.
export { Flow, GRADIENT_METHODS, type GradientMethod, type Gradient, type FlowParams, type FlowParamsInput, type PaperHostParams, type ForwardTrace, type BatchInput, type FlowCreateOptions, type FlowLoadOptions } from './model.js';
export type { FlowConfig, ResolvedFlowConfig } from './config.js';
// every layer type, definition and stack helper (flow/layers/index.ts lists them)
export * from './layers/index.js';
export { initializeFromData } from './init-data.js';
export { SCHEDULES, type ScheduleOptions } from './epoch-schedule.js';
export { flowSummary } from './summary.js';
export { ACTIVATIONS, makeActivation, type ActivationName, type Activation, type ActivationConfig } from './activations.js';
export { BASES, makeBase, type BaseName, type BaseDensity } from './bases.js';
export { invertActivation, type InverseResult } from './inverse.js';
export type { HostMatrix, DataInput } from './matrix.js';
export { train, type TrainOptions, type TrainResult, type TrainData, type EpochRecord, type ProgressEvent } from './train.js';
export { trainInWorker, type TrainInWorkerOptions } from './train-in-worker.js';
/** Host copies of a flow's parameters (what paramsToHost gives and trainInWorker's snapshots carry). */
export type { HostParams } from './checkpoint-format.js';
export { encodeCheckpointText } from './checkpoint-web.js';
export { encodeFlowNpz, encodeFlowSafetensors, encodeFlow, decodeFlow, EXPORT_FORMATS, type ExportFormat, type FlowArrays } from './interchange/export.js';
export { encodeNpyArray, type NpyArray } from './interchange/npy.js';
export { parseNpy } from './interchange/npy-read.js';
export { writeStoredZip, readStoredZip, crc32, type ZipEntry } from './interchange/zip.js';
export { encodeSafetensors, decodeSafetensors, type SafeTensor } from './interchange/safetensors.js';
export { evaluate, logProbs, summarize, type Evaluation } from './evaluate.js';
export { makeOptimizer, type Optimizer, type OptimizerName, type OptimizerOptions, type OptimizerState } from './optim.js';
export { fitGaussianFlow } from './baselines/gaussian.js';
export { toySplits, TOY_SETS, type ToyName } from './data/toy.js';
export { trueLogDensity, ringsLogDensity, sineLogDensity } from './data/true-density.js';
export { sampleMixture, mixtureLogDensity, type GaussianMixture } from './data/mixture.js';
export type { Splits } from './data/dataset.js';
