// relgrad/flow: dense normalizing flows trained by the relative gradient.
export { Flow, GRADIENT_METHODS, type GradientMethod, type Gradient, type FlowParams, type FlowParamsInput, type ForwardTrace } from './model.js';
export type { FlowConfig, ResolvedFlowConfig } from './config.js';
export { ACTIVATIONS, makeActivation, type ActivationName, type Activation } from './activations.js';
export { BASES, makeBase, type BaseName, type BaseDensity } from './bases.js';
export { invertActivation } from './inverse.js';
export type { HostMatrix, DataInput } from './matrix.js';
