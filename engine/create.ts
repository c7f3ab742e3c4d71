// Tensor creation: from nested arrays, typed arrays and scijs ndarrays; constants; identity.

import { getBackend } from './state.js';
import type { Backend } from './backend.js';
import { assertFits } from './capacity.js';
import { allocHost, dtypeOfArray, isDType, type DType, type TypedArray } from './dtype.js';
import { assertValidShape, fmt, sizeOf, type Shape } from './shape.js';
import { StorageRef, Tensor, type NdarrayLike, type NestedArray } from './tensor.js';

/** Where a new tensor lives: its dtype (default: the backend's) and backend (default: the one in use). */
export interface CreateOptions {
  dtype?: DType;
  backend?: Backend;
}

/** Wraps host values (copied) into a tensor on a backend. */
export function fromHost(values: TypedArray, shape: Shape, options: CreateOptions = {}): Tensor {
  const backend = options.backend ?? getBackend();
  const dtype = options.dtype ?? backend.defaultDtype;
  if (!isDType(dtype)) throw new Error(`tensor: unknown dtype '${String(dtype)}'; expected float64 or float32`);
  assertValidShape('tensor', shape);
  if (sizeOf(shape) !== values.length) {
    throw new Error(`tensor: ${values.length} values do not fill shape ${fmt(shape)} (${sizeOf(shape)} elements)`);
  }
  assertFits('tensor', backend, dtype, shape);
  return new Tensor([...shape], dtype, new StorageRef(backend, backend.upload(values, dtype)));
}

function isNdarray(value: unknown): value is NdarrayLike {
  return typeof value === 'object' && value !== null && 'data' in value && 'shape' in value && 'stride' in value;
}

type TensorValues = NestedArray | TypedArray | readonly number[] | NdarrayLike;

/**
 * tensor([[1, 2], [3, 4]]), tensor(float64Array, [2, 2]), tensor(ndarray(...)); options may come
 * second when no shape is given: tensor([[1, 2]], { dtype: 'float32' }).
 * Typed arrays keep their dtype unless options.dtype says otherwise.
 */
export function tensor(values: TensorValues, options?: CreateOptions): Tensor;
export function tensor(values: TensorValues, shape?: Shape, options?: CreateOptions): Tensor;
export function tensor(values: TensorValues, shapeOrOptions?: Shape | CreateOptions, maybeOptions: CreateOptions = {}): Tensor {
  let shape: Shape | undefined;
  let options = maybeOptions;
  if (shapeOrOptions === undefined || Array.isArray(shapeOrOptions)) {
    shape = shapeOrOptions as Shape | undefined;
  } else if (typeof shapeOrOptions === 'object' && shapeOrOptions !== null && !ArrayBuffer.isView(shapeOrOptions)) {
    if (arguments.length > 2) throw new Error('tensor: the second argument is a shape (an array of integers) when options follow it');
    options = shapeOrOptions as CreateOptions;
  } else {
    throw new Error(`tensor: the second argument must be a shape (an array of integers) or options { dtype, backend }, got ${typeof shapeOrOptions}`);
  }
  if (options === null || typeof options !== 'object') throw new Error(`tensor: options must be an object { dtype, backend }, got ${String(options)}`);
  if (values instanceof Float64Array || values instanceof Float32Array) {
    const dtype = options.dtype ?? dtypeOfArray(values);
    return fromHost(values, shape ?? [values.length], { ...options, dtype });
  }
  if (isNdarray(values)) return fromNdarray(values, options);
  const inferred: number[] = [];
  const flat: number[] = [];
  flatten(values as NestedArray, 0, inferred, flat);
  const target = shape ?? inferred;
  const backend = options.backend ?? getBackend();
  const host = allocHost(options.dtype ?? backend.defaultDtype, flat.length);
  host.set(flat);
  return fromHost(host, target, options);
}

function flatten(v: NestedArray, depth: number, shape: number[], out: number[]): void {
  if (typeof v === 'number') {
    if (depth !== shape.length && shape.length > 0) throw new Error(`tensor: ragged nested array at depth ${depth}`);
    out.push(v);
    return;
  }
  if (!Array.isArray(v)) throw new Error(`tensor: expected a number or an array at depth ${depth}, got ${typeof v}`);
  if (shape.length === depth) {
    // Once a number is read the rank is fixed, so a new axis means the array is ragged
    // ([1, [2, 3]] must not grow a second axis and fail later as a size mismatch).
    if (out.length > 0) throw new Error(`tensor: ragged nested array: an array at depth ${depth} where numbers were found before`);
    shape.push(v.length);
  } else if (shape[depth] !== v.length) {
    throw new Error(`tensor: ragged nested array: length ${v.length} at depth ${depth}, expected ${shape[depth]}`);
  }
  for (const item of v) flatten(item, depth + 1, shape, out);
}

/** Copies a scijs ndarray (any strides and offset) into a tensor. */
export function fromNdarray(nd: NdarrayLike, options: CreateOptions = {}): Tensor {
  const shape = nd.shape;
  const backend = options.backend ?? getBackend();
  const dtype = options.dtype ?? (nd.data instanceof Float32Array ? 'float32' : backend.defaultDtype);
  assertValidShape('fromNdarray', shape);
  assertFits('fromNdarray', backend, dtype, shape, 2);
  const host = allocHost(dtype, sizeOf(shape), 'fromNdarray', shape);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < host.length; i++) {
    let at = nd.offset;
    for (let a = 0; a < shape.length; a++) at += index[a] * nd.stride[a];
    host[i] = nd.data[at];
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return fromHost(host, shape, { backend, dtype });
}

/** A tensor of `shape` whose every element is `value`. */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  return filled('full', shape, value, options);
}

/**
 * Shared by full, zeros, ones: a shape too large for memory is refused before allocating (the host
 * array and the backend's copy coexist: twice the tensor's bytes at the peak).
 */
function filled(op: string, shape: Shape, value: number, options: CreateOptions): Tensor {
  // checked before allocating, so a negative or fractional dimension is named, not a RangeError
  assertValidShape(op, shape);
  const backend = options.backend ?? getBackend();
  const dtype = options.dtype ?? backend.defaultDtype;
  assertFits(op, backend, dtype, shape, 2);
  const host = allocHost(dtype, sizeOf(shape), op, shape);
  host.fill(value);
  return fromHost(host, shape, { ...options, backend });
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, options);
}

/** A rank-0 tensor holding `value`. */
export function scalar(value: number, options: CreateOptions = {}): Tensor {
  return full([], value, options);
}

/** The n×n identity. */
export function eye(n: number, options: CreateOptions = {}): Tensor {
  const backend = options.backend ?? getBackend();
  const dtype = options.dtype ?? backend.defaultDtype;
  assertValidShape('eye', [n, n]);
  assertFits('eye', backend, dtype, [n, n], 2);
  const host = allocHost(dtype, n * n, 'eye', [n, n]);
  for (let i = 0; i < n; i++) host[i * n + i] = 1;
  return fromHost(host, [n, n], { ...options, backend });
}
