// A backend wrapper that counts what the engine allocates through it: calls, bytes, live bytes
// and their peak (storage freed when the last tensor aliasing it is disposed).

import type { Backend, KernelTable } from '../../engine/backend.js';

export interface AllocationStats {
  allocations: number;
  bytes: number;
  liveBytes: number;
  peakLiveBytes: number;
}

export function countingBackend<S>(inner: Backend<S>, bytesOf: (s: S) => number): { backend: Backend<S>; stats: AllocationStats; reset(): void } {
  const stats: AllocationStats = { allocations: 0, bytes: 0, liveBytes: 0, peakLiveBytes: 0 };
  const note = (s: S): S => {
    const b = bytesOf(s);
    stats.allocations++;
    stats.bytes += b;
    stats.liveBytes += b;
    stats.peakLiveBytes = Math.max(stats.peakLiveBytes, stats.liveBytes);
    return s;
  };
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
    activation: (...a) => note(k.activation(...a)),
    solve: (...a) => note(k.solve(...a)),
    inv: (...a) => note(k.inv(...a)),
    slogdet: (...a) => {
      const r = k.slogdet(...a);
      note(r.sign);
      note(r.logabsdet);
      return r;
    },
  };
  const backend: Backend<S> = {
    name: inner.name,
    defaultDtype: inner.defaultDtype,
    describe: () => inner.describe(),
    upload: (v, d) => note(inner.upload(v, d)),
    readSync: (s, d, n) => inner.readSync(s, d, n),
    read: (s, d, n) => inner.read(s, d, n),
    free: (s) => {
      stats.liveBytes -= bytesOf(s);
      inner.free(s);
    },
    kernels,
  };
  return {
    backend,
    stats,
    reset() {
      stats.allocations = 0;
      stats.bytes = 0;
      stats.peakLiveBytes = stats.liveBytes;
    },
  };
}
