// Tensor: a shape, a dtype and reference-counted storage owned by one backend. Tensors are
// immutable values; ops return new tensors and leave their inputs alive (see README, Memory).

import type { Backend } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { fmt, sizeOf, stridesOf, type Shape } from './shape.js';
import { onTensorCreated } from './scope.js';
import * as ops from './ops.js';

/**
 * Storage shared by tensors that alias it (reshape, identity); freed when the last one goes.
 * Engine-internal: not exported from the package.
 */
export class StorageRef {
  #refs = 1;
  #bytes = -1;
  constructor(readonly backend: Backend, readonly handle: unknown) {}
  get refs(): number {
    return this.#refs;
  }
  /** Counts the storage's bytes for memory(), once, when its first tensor wraps it. */
  account(size: number, dtype: DType): void {
    if (this.#bytes >= 0) return;
    this.#bytes = size * (dtype === 'float64' ? 8 : 4);
    counterOf(this.backend).bytes += this.#bytes;
  }
  retain(): this {
    this.#refs++;
    return this;
  }
  release(): void {
    if (--this.#refs === 0) {
      if (this.#bytes > 0) counterOf(this.backend).bytes -= this.#bytes;
      this.backend.free(this.handle);
    }
  }
}

/** Live tensors and bytes per backend: what memory() reports. */
const counters = new WeakMap<Backend, { tensors: number; bytes: number }>();
function counterOf(backend: Backend): { tensors: number; bytes: number } {
  let c = counters.get(backend);
  if (c === undefined) {
    c = { tensors: 0, bytes: 0 };
    counters.set(backend, c);
  }
  return c;
}

/**
 * Tensors not yet disposed on `backend`, and the bytes of their distinct storages (aliases such
 * as reshapes count as tensors but share bytes). Like tf.memory(): on the CPU a tensor that was
 * never disposed stays counted even after the garbage collector reclaimed it.
 */
export function memoryOf(backend: Backend): { tensors: number; bytes: number } {
  const c = counterOf(backend);
  return { tensors: c.tensors, bytes: c.bytes };
}

let nextId = 1;

/**
 * A number or nested arrays of numbers: a tensor's values as JS literals
 * ([[1, 2], [3, 4]] for shape [2, 2]).
 */
export type NestedArray = number | NestedArray[];

/** Values shown by toString(): at most this many per axis (the first and last halves). */
const PRINT_EDGE = 3;

// Engine-internal accessors (module functions, not methods, so they stay off the public surface).
let storageOfImpl: (t: Tensor) => StorageRef;

/** The storage of a tensor, for engine code that aliases it. */
export function storageOf(t: Tensor): StorageRef {
  return storageOfImpl(t);
}

/** The backend handle of a tensor, checked alive; `op` names the caller in the error. */
export function handleOf(t: Tensor, op: string): unknown {
  if (t.isDisposed) throw new Error(`${op}: tensor #${t.id} of shape ${fmt(t.shape)} was disposed`);
  return storageOfImpl(t).handle;
}

/**
 * An immutable n-dimensional array of float64 or float32 values held by one backend, e.g. a batch [B, D].
 * Ops return new tensors and leave their inputs alive; free storage with `dispose()` or inside `tidy`.
 */
export class Tensor {
  readonly id = nextId++;
  readonly size: number;
  readonly #storage: StorageRef;
  #disposed = false;

  static {
    storageOfImpl = (t) => t.#storage;
  }

  /** Engine-internal: create tensors with tensor(), zeros(), … */
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    storage: StorageRef,
  ) {
    this.size = sizeOf(shape);
    this.#storage = storage;
    storage.account(this.size, dtype);
    counterOf(storage.backend).tensors++;
    onTensorCreated(this);
  }

  get backend(): Backend {
    return this.#storage.backend;
  }
  get rank(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this.#disposed;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    counterOf(this.#storage.backend).tensors--;
    this.#storage.release();
  }

  /** Values as a host typed array (synchronous read-back). */
  dataSync(): TypedArray {
    return this.backend.readSync(handleOf(this, 'dataSync'), this.dtype, this.size);
  }
  /** Values as a host typed array; on the GPU this waits for the device without blocking. */
  data(): Promise<TypedArray> {
    return this.backend.read(handleOf(this, 'data'), this.dtype, this.size);
  }
  /** Nested JavaScript arrays (a number for a scalar). */
  toArray(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return this.dataSync()[0];
  }
  /** A scijs ndarray view of a host copy. */
  toNdarray(): NdarrayLike {
    const data = this.dataSync();
    return { data, shape: [...this.shape], stride: stridesOf(this.shape), offset: 0 };
  }
  /**
   * Shape, dtype, backend and values, e.g. `Tensor([2,2], float64, cpu) [[1, 2], [3, 4]]`; axes
   * longer than 6 show their first and last 3 entries around '…'. Reads the values back (sync);
   * a disposed tensor or a backend without synchronous reads (WebGPU) prints without values.
   */
  toString(): string {
    const head = `Tensor(${fmt(this.shape)}, ${this.dtype}, ${this.backend.name})`;
    if (this.#disposed) return `${head} <disposed>`;
    let data: TypedArray;
    try {
      data = this.dataSync();
    } catch {
      return head;
    }
    return `${head} ${printValues(data, this.shape)}`;
  }

  // Methods mirror the functional ops (see ops.ts for the math).
  add(b: Tensor | number): Tensor { return ops.add(this, b); }
  sub(b: Tensor | number): Tensor { return ops.sub(this, b); }
  mul(b: Tensor | number): Tensor { return ops.mul(this, b); }
  div(b: Tensor | number): Tensor { return ops.div(this, b); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  softplus(): Tensor { return ops.softplus(this); }
  square(): Tensor { return ops.square(this); }
  matmul(b: Tensor, options?: ops.MatmulOptions): Tensor { return ops.matmul(this, b, options); }
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  get T(): Tensor { return ops.transpose(this); }
  reshape(shape: Shape): Tensor { return ops.reshape(this, shape); }
  sum(axes?: number | readonly number[], keepDims = false): Tensor { return ops.sum(this, axes, keepDims); }
  mean(axes?: number | readonly number[], keepDims = false): Tensor { return ops.mean(this, axes, keepDims); }
}

/** The structural type of a scijs ndarray that relgrad reads and writes. */
export interface NdarrayLike {
  data: ArrayLike<number>;
  shape: number[];
  stride: number[];
  offset: number;
}

function nest(data: TypedArray, shape: Shape): NestedArray {
  if (shape.length === 0) return data[0];
  const strides = stridesOf(shape);
  const build = (axis: number, offset: number): NestedArray[] => {
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[axis]; i++) {
      const at = offset + i * strides[axis];
      out.push(axis === shape.length - 1 ? data[at] : build(axis + 1, at));
    }
    return out;
  };
  return build(0, 0);
}

/** Nested brackets with values to 6 significant digits, long axes elided in the middle. */
function printValues(data: TypedArray, shape: Shape): string {
  const num = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));
  if (shape.length === 0) return num(data[0]);
  const strides = stridesOf(shape);
  const pick = (n: number): (number | null)[] =>
    n <= 2 * PRINT_EDGE ? Array.from({ length: n }, (_, i) => i)
      : [...Array.from({ length: PRINT_EDGE }, (_, i) => i), null, ...Array.from({ length: PRINT_EDGE }, (_, i) => n - PRINT_EDGE + i)];
  const build = (axis: number, offset: number): string => {
    const parts = pick(shape[axis]).map((i) =>
      i === null ? '…' : axis === shape.length - 1 ? num(data[offset + i * strides[axis]]) : build(axis + 1, offset + i * strides[axis]));
    return `[${parts.join(', ')}]`;
  };
  return build(0, 0);
}
