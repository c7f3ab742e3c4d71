// Recycles the CPU backend's large arrays. A fresh multi-megabyte typed array costs more than a
// pass over it (the kernel maps and zero-fills new pages on first touch: ~0.5 ms for 2.4 MB on a
// virtual machine), and a training step frees and re-creates the same sizes every iteration.
// Storage the engine frees (tidy, dispose) goes back here, keyed by dtype and length, and the
// kernels that overwrite every element of their output take from here first. Bounded in bytes.
// With the threaded GEMM tier, new large arrays are placed in its shared memory (threads/arena.ts),
// where products and worker passes use them without copies.

import { allocHost, type DType, type TypedArray } from '../../engine/dtype.js';

/** Allocates an output array whose every element the caller will write (contents unspecified). */
export type Alloc = (dtype: DType, size: number) => TypedArray;

export interface ArrayPoolOptions {
  /** Arrays shorter than this are not pooled (the allocator handles them well). */
  minElements?: number;
  /** Upper bound on the bytes the pool holds. */
  maxBytes?: number;
  /** Upper bound on arrays kept per (dtype, length). */
  perSize?: number;
  /**
   * Where new pooled-size arrays come from when not recycled (default: ordinary typed arrays):
   * the threaded tier's arena in shared memory, undefined when full.
   */
  place?: (dtype: DType, size: number) => TypedArray | undefined;
  /** Takes back a placed array the pool does not keep (the arena's `freeArray`), so that its memory is reusable at once. */
  unplace?: (a: TypedArray) => void;
}

export class ArrayPool {
  private readonly lists = new Map<string, TypedArray[]>();
  private held = 0;
  private readonly minElements: number;
  private readonly maxBytes: number;
  private readonly perSize: number;

  private readonly fresh: Alloc;
  private readonly unplace: (a: TypedArray) => void;

  constructor(options: ArrayPoolOptions = {}) {
    const place = options.place;
    this.fresh = place ? (dtype, size) => place(dtype, size) ?? allocHost(dtype, size) : allocHost;
    this.unplace = options.unplace ?? (() => undefined);
    // arrays placed in shared memory are pooled from 1024 elements on, so that a D = 100 step's
    // 100×100 tensors also reach the SIMD element-wise kernels and in-place packing
    this.minElements = options.minElements ?? (place ? 1 << 10 : 1 << 14);
    this.maxBytes = options.maxBytes ?? 256 * 2 ** 20;
    this.perSize = options.perSize ?? 8;
  }

  /** An array of `size` elements with unspecified contents: a recycled one when available. */
  readonly take: Alloc = (dtype, size) => {
    if (size >= this.minElements) {
      const list = this.lists.get(key(dtype, size));
      const reused = list?.pop();
      if (reused) {
        this.held -= reused.byteLength;
        return reused;
      }
    }
    return size >= this.minElements ? this.fresh(dtype, size) : allocHost(dtype, size);
  };

  /** Returns an array the engine freed; it must not be used by anyone afterwards. */
  give(a: TypedArray): void {
    if (a.length < this.minElements) return;
    if (this.held + a.byteLength > this.maxBytes) {
      this.unplace(a);
      return;
    }
    const k = key(a instanceof Float64Array ? 'float64' : 'float32', a.length);
    let list = this.lists.get(k);
    if (!list) {
      list = [];
      this.lists.set(k, list);
    }
    if (list.includes(a)) return;
    if (list.length >= this.perSize) {
      this.unplace(a);
      return;
    }
    list.push(a);
    this.held += a.byteLength;
  }

  /** Bytes held for reuse. */
  get bytes(): number {
    return this.held;
  }
}

function key(dtype: DType, size: number): string {
  return `${dtype}:${size}`;
}
