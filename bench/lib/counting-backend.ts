// A backend wrapper that counts what the engine allocates and frees through it, for the
// benchmarks (allocations, bytes, live bytes and their peak) and the memory tests (handles alive,
// frees of a handle that is not alive). Every upload and every kernel output is an allocation
// (the KernelTable promises fresh storage); storage is freed when the last tensor aliasing it is
// disposed. Kept under bench/lib so that bench/ and test/ both import it.

import type { Backend, KernelTable } from '../../engine/backend.js';

export interface AllocationStats {
  allocations: number;
  bytes: number;
  liveBytes: number;
  peakLiveBytes: number;
}

export interface CountingOptions {
  /** The wrapped backend's name and describe().name; default the inner backend's. */
  name?: string;
  /**
   * Pass frees on to the wrapped backend (default true). Memory tests turn it off: the CPU
   * backend pools freed arrays and hands them out again, so a second free of a recycled array
   * would look like the free of a live handle instead of a double free.
   */
  forwardFrees?: boolean;
}

export interface CountingBackend<S> {
  backend: Backend<S>;
  stats: AllocationStats;
  /** Storage handles allocated and not yet freed. */
  live(): number;
  /** Frees of a handle that was not live (double frees or foreign handles). */
  badFrees(): number;
  /** Restarts the counts of allocations, bytes and the peak (from the bytes live now). */
  reset(): void;
}

export function countingBackend<S>(inner: Backend<S>, bytesOf: (s: S) => number, options: CountingOptions = {}): CountingBackend<S> {
  const stats: AllocationStats = { allocations: 0, bytes: 0, liveBytes: 0, peakLiveBytes: 0 };
  const alive = new Set<S>();
  let bad = 0;
  const note = (s: S): S => {
    const b = bytesOf(s);
    alive.add(s);
    stats.allocations++;
    stats.bytes += b;
    stats.liveBytes += b;
    stats.peakLiveBytes = Math.max(stats.peakLiveBytes, stats.liveBytes);
    return s;
  };
  // typed as KernelTable<S>: a kernel added to the table and not wrapped here fails to compile
  const k = inner.kernels;
  const kernels: KernelTable<S> = {
    unary: (...a) => note(k.unary(...a)),
    binary: (...a) => note(k.binary(...a)),
    affine: (...a) => note(k.affine(...a)),
    adam: (...a) => {
      const r = k.adam(...a);
      note(r.p);
      note(r.m);
      note(r.v);
      return r;
    },
    sum: (...a) => note(k.sum(...a)),
    max: (...a) => note(k.max(...a)),
    transpose: (...a) => note(k.transpose(...a)),
    expand: (...a) => note(k.expand(...a)),
    slice: (...a) => note(k.slice(...a)),
    pad: (...a) => note(k.pad(...a)),
    cast: (...a) => note(k.cast(...a)),
    matmul: (...a) => note(k.matmul(...a)),
    gemm: (...a) => note(k.gemm(...a)),
    pointwise: (...a) => note(k.pointwise(...a)),
    spline: (...a) => note(k.spline(...a)),
    solve: (...a) => note(k.solve(...a)),
    inv: (...a) => note(k.inv(...a)),
    slogdet: (...a) => {
      const r = k.slogdet(...a);
      note(r.sign);
      note(r.logabsdet);
      return r;
    },
  };
  // optional kernels: wrapped where the inner backend has them (test/counting-backend.test.ts calls each)
  const splineKnots = k.splineKnots;
  if (splineKnots !== undefined) {
    kernels.splineKnots = (...a) => {
      const r = splineKnots(...a);
      r.forEach(note);
      return r;
    };
  }
  const name = options.name ?? inner.name;
  const forwardFrees = options.forwardFrees ?? true;
  const backend: Backend<S> = {
    name,
    defaultDtype: inner.defaultDtype,
    describe: () => (options.name === undefined ? inner.describe() : { ...inner.describe(), name }),
    upload: (v, d) => note(inner.upload(v, d)),
    readSync: (s, d, n) => inner.readSync(s, d, n),
    read: (s, d, n) => inner.read(s, d, n),
    free: (s) => {
      if (!alive.delete(s)) bad++;
      stats.liveBytes -= bytesOf(s);
      if (forwardFrees) inner.free(s);
    },
    kernels,
  };
  return {
    backend,
    stats,
    live: () => alive.size,
    badFrees: () => bad,
    reset() {
      stats.allocations = 0;
      stats.bytes = 0;
      stats.peakLiveBytes = stats.liveBytes;
    },
  };
}
