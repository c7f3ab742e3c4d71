// An allocator over the threaded tier's shared WebAssembly.Memory, so that tensor storage lives
// where the GEMM kernels and the worker threads read it: a product then packs its operands in
// place and the workers write their blocks of C straight into the result, instead of copying
// every operand into shared memory and every block back (the copies and staging were about a
// third of a D = 784 relative step, bench/results/profile-before).
//
// First fit over a free list kept sorted by address, neighbours coalesced on free; blocks are
// 64-byte aligned. The memory grows on demand (old views stay valid: a shared memory is never
// detached) and keeps SLACK bytes above the highest block, because packing in place reads up to
// a register tile past the end of an operand. Past `maxBytes` alloc() says no and the caller
// falls back to an ordinary typed array, which every kernel also accepts.
//
// Storage handed to the engine is freed by the engine (dispose → pool); an array the pool does
// not keep comes back here at once (`freeArray`), and anything else by a FinalizationRegistry when the
// view is collected. A view of this memory is recognised
// by its buffer: every SharedArrayBuffer this memory has returned is remembered.
//
// A WebAssembly.Memory never shrinks, and V8 does not count its pages as memory pressure, so a
// loop that drops tensors without dispose (and never yields, so no finalizer runs) would fill it
// to `maxBytes` and keep that resident for the life of the process. The arena therefore grows
// only up to a soft limit (`initialBytes`); past it alloc() says no (ordinary arrays, which V8's
// collector does see, take over) and a timer is set: one event-loop turn later, when finalizers
// had their chance, the limit becomes max(limit, 2 × bytes still in use), up to `maxBytes`. A
// program whose live tensors need more memory thus gets it a turn later; garbage does not.

import type { DType, TypedArray } from '../../../engine/dtype.js';
import { PAGE } from '../wasm/kernel.js';

const ALIGN = 64;
/** Bytes kept readable above the highest block (packing in place over-reads a few rows). */
export const SLACK = 1 << 20;

interface FreeBlock {
  at: number;
  bytes: number;
}

export class SharedArena {
  private readonly memory: WebAssembly.Memory;
  private readonly start: number;
  private readonly limit: number;
  /** Free blocks below `top`, sorted by address, never adjacent. */
  private readonly free: FreeBlock[] = [];
  private readonly sizes = new Map<number, number>();
  /** Every SharedArrayBuffer object memory.buffer returned (a new one after each grow). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly collected = new FinalizationRegistry<number>((at) => this.release(at));
  private top: number;
  private used = 0;
  /** The top may not pass this (see the header); raised a turn after it was reached. */
  private soft: number;
  private raising = false;

  /**
   * Manages [start, maxBytes − SLACK) of `memory` (a shared memory), growing past
   * start + `initialBytes` (default: no soft limit) only as the header describes.
   */
  constructor(memory: WebAssembly.Memory, start: number, maxBytes: number, initialBytes = maxBytes) {
    this.memory = memory;
    this.start = Math.ceil(start / ALIGN) * ALIGN;
    this.limit = maxBytes - SLACK;
    this.soft = Math.min(this.limit, this.start + initialBytes);
    this.top = this.start;
    this.buffers.add(memory.buffer);
  }

  /** After one event-loop turn: room for twice the bytes still in use (at most the maximum). */
  private raiseLater(): void {
    if (this.raising || this.soft >= this.limit || typeof setTimeout !== 'function') return;
    this.raising = true;
    const timer = setTimeout(() => {
      this.raising = false;
      this.soft = Math.min(this.limit, Math.max(this.soft, this.start + 2 * this.used));
    }, 0) as { unref?: () => void };
    timer.unref?.();
  }

  /** Whether a typed array is a view of this memory (any of its buffers). */
  owns(x: TypedArray): boolean {
    return this.buffers.has(x.buffer);
  }

  /** The current buffer (remembered, so that views made from it are recognised). */
  buffer(): ArrayBufferLike {
    const b = this.memory.buffer;
    this.buffers.add(b);
    return b;
  }

  /** Byte address of a block of `bytes`, or undefined when the memory is full. */
  allocBytes(bytes: number): number | undefined {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      if (f.bytes < size) continue;
      const at = f.at;
      if (f.bytes === size) this.free.splice(i, 1);
      else {
        f.at += size;
        f.bytes -= size;
      }
      return this.taken(at, size);
    }
    // from the top (release() never leaves a free block touching it)
    const at = this.top;
    if (at + size > this.soft) {
      this.raiseLater();
      return undefined;
    }
    this.top = at + size;
    const need = this.top + SLACK;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      try {
        this.memory.grow(Math.ceil((need - have) / PAGE));
      } catch {
        this.top = at;
        return undefined;
      }
    }
    return this.taken(at, size);
  }

  private taken(at: number, size: number): number {
    this.sizes.set(at, size);
    this.used += size;
    return at;
  }

  /** Returns a block from allocBytes. */
  release(at: number): void {
    const size = this.sizes.get(at);
    if (size === undefined) return;
    this.sizes.delete(at);
    this.used -= size;
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid].at < at) lo = mid + 1;
      else hi = mid;
    }
    const prev = this.free[lo - 1];
    const next = this.free[lo];
    if (prev !== undefined && prev.at + prev.bytes === at) {
      prev.bytes += size;
      if (next !== undefined && prev.at + prev.bytes === next.at) {
        prev.bytes += next.bytes;
        this.free.splice(lo, 1);
      }
    } else if (next !== undefined && at + size === next.at) {
      next.at = at;
      next.bytes += size;
    } else {
      this.free.splice(lo, 0, { at, bytes: size });
    }
    // a free block at the top lowers the top
    const last = this.free[this.free.length - 1];
    if (last !== undefined && last.at + last.bytes === this.top) {
      this.top = last.at;
      this.free.pop();
    }
  }

  /**
   * A typed array of `size` elements in this memory (contents unspecified), freed when it is
   * collected; undefined when the memory is full.
   */
  alloc(dtype: DType, size: number): TypedArray | undefined {
    const es = dtype === 'float64' ? 8 : 4;
    const at = this.allocBytes(size * es);
    if (at === undefined) return undefined;
    const buffer = this.buffer();
    const view = dtype === 'float64' ? new Float64Array(buffer, at, size) : new Float32Array(buffer, at, size);
    this.collected.register(view, at, view);
    return view;
  }

  /**
   * Returns the block of an array `alloc` made, now, instead of when it is collected: for storage
   * nobody uses any more (the pool's leftovers; a step frees more arrays of one size than the
   * pool keeps, and in a loop that never yields no finalizer would run). Other arrays are ignored.
   */
  freeArray(x: TypedArray): void {
    if (!this.owns(x) || this.sizes.get(x.byteOffset) === undefined || !this.collected.unregister(x)) return;
    this.release(x.byteOffset);
  }

  /** Bytes in blocks now (tests, describe). */
  get bytesInUse(): number {
    return this.used;
  }

  /** Bytes of the shared memory: its high-water mark, resident until the process ends. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }
}
