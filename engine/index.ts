// relgrad's engine: tensors, ops, higher-order reverse-mode autodiff, memory scopes, backends.

export { Tensor, type NestedArray, type NdarrayLike } from './tensor.js';
export { memory, type MemoryInfo } from './memory.js';
export type { DType, TypedArray } from './dtype.js';
export type { Shape } from './shape.js';
export type { Backend, BackendInfo, KernelTable, MatmulParams, SquareParams } from './backend.js';
export { tensor, fromHost, fromNdarray, zeros, ones, full, scalar, eye, type CreateOptions } from './create.js';
export { randn, rand, orthogonal, setSeed, Rng, type RandomOptions } from './random.js';
export {
  add, sub, mul, div, affine, neg, exp, log, log1p, tanh, abs, sign, sqrt, reciprocal, square, relu, sin, cos, pow, clip,
  maximum, minimum, greater, equal, where, sigmoid, softplus, logSigmoid, logcosh,
  sum, mean, max, min, argmax, softmax, logSoftmax, gather, logsumexp, reshape, transpose, swapLastAxes, broadcastTo, slice, pad, concat, stack,
  matmul, solve, inv, slogdet, logAbsDet, cast, stopGradient, adamUpdate, type MatmulOptions, type TensorLike,
} from './ops.js';
export { gemm, pointwisePass, splinePass, splineKnots, splineKnotsBackward, type GemmOptions, type SplineKnots, type SplineKnotOptions } from './fused.js';
export type { PointwiseMap, PointwisePass, SplineParams, SplinePass } from './backend.js';
export {
  grad, valueAndGrad, vjp, jvp, jacobian, hessian, hvp, customGrad, type Grads, type GradsFor, type GradOptions, type ValueAndGradOptions,
} from './autodiff.js';
export { tidy, keep, dispose } from './scope.js';
export { adam, sgd, type Optimizer, type OptimizerName, type OptimizerState, type AdamOptions, type SgdOptions } from './optim.js';
/** Learning-rate schedules (`cosine`, `step`, `plateau`) whose rate feeds an optimizer's `lr`. */
export * as schedules from './lr-schedules.js';
export type { Schedule, ScheduleState } from './lr-schedules.js';
export { getBackend, setBackend, provideBackends, type BackendFactory, type BackendTable } from './state.js';
