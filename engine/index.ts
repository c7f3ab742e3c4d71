// relgrad's engine: tensors, ops, higher-order reverse-mode autodiff, memory scopes, backends.

export { Tensor, StorageRef, type NestedArray, type NdarrayLike } from './tensor.js';
export type { DType, TypedArray } from './dtype.js';
export type { Shape } from './shape.js';
export type { Backend, BackendInfo, KernelTable, MatmulParams, SquareParams } from './backend.js';
export { tensor, fromHost, fromNdarray, zeros, ones, full, scalar, eye, type CreateOptions } from './create.js';
export { randn, rand, orthogonal, Rng } from './random.js';
export {
  add, sub, mul, div, affine, neg, exp, log, log1p, tanh, abs, sign, sqrt, reciprocal, square, relu,
  maximum, minimum, greater, equal, where, sigmoid, softplus, logSigmoid, logcosh,
  sum, mean, max, logsumexp, reshape, transpose, swapLastAxes, broadcastTo, slice, pad, concat, stack,
  matmul, solve, inv, slogdet, logAbsDet, cast, stopGradient, adamUpdate, type MatmulOptions, type TensorLike,
} from './ops.js';
export { grad, valueAndGrad, vjp, jacobian, hvp, customGrad } from './autodiff.js';
export { tidy, keep, dispose } from './scope.js';
export { getBackend, setBackend, type BackendName, type GpuBackendOptions } from './state.js';
