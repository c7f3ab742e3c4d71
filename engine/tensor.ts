// Tensor: a shape, a dtype and reference-counted storage owned by one backend. Tensors are
// immutable values; ops return new tensors and leave their inputs alive (see README, Memory).

import type { Backend } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { fmt, sizeOf, stridesOf, type Shape } from './shape.js';
import { onTensorCreated } from './scope.js';
import * as ops from './ops.js';

/** Storage shared by tensors that alias it (reshape, identity); freed when the last one goes. */
export class StorageRef {
  refs = 1;
  constructor(readonly backend: Backend, readonly handle: unknown) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) this.backend.free(this.handle);
  }
}

let nextId = 1;

export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly id = nextId++;
  readonly size: number;
  private disposedFlag = false;

  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    readonly storage: StorageRef,
  ) {
    this.size = sizeOf(shape);
    onTensorCreated(this);
  }

  get backend(): Backend {
    return this.storage.backend;
  }
  get rank(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** The backend handle, checked alive. For backend and engine code. */
  handle(op: string): unknown {
    if (this.disposedFlag) throw new Error(`${op}: tensor #${this.id} of shape ${fmt(this.shape)} was disposed`);
    return this.storage.handle;
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.storage.release();
  }

  /** Values as a host typed array (synchronous read-back). */
  dataSync(): TypedArray {
    return this.backend.readSync(this.handle('dataSync'), this.dtype, this.size);
  }
  /** Values as a host typed array; on the GPU this waits for the device without blocking. */
  data(): Promise<TypedArray> {
    return this.backend.read(this.handle('data'), this.dtype, this.size);
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
  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}, ${this.backend.name})`;
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
