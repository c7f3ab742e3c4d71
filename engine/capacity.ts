// Up-front refusal of tensors that cannot fit. A typed array larger than the machine's memory is
// not refused by V8: the kernel maps it lazily and the OOM killer ends the process once the pages
// are touched (zeros([2**31]) float64: 16 GiB, 32 GiB at its peak with the backend's copy). The
// creation functions and the ops whose output outgrows their inputs (expand, pad, matmul) check
// the bytes against the backend's `maxBytes`, else the host's memory, before allocating.

import type { Backend } from './backend.js';
import type { DType } from './dtype.js';
import { fmt, sizeOf, type Shape } from './shape.js';

/** Below this many bytes no check is made (the allocator reports its own failures). */
const CHECK_FROM = 64 * 2 ** 20;

/** The memory a process on this host may use, and where the figure comes from. */
export interface HostMemory {
  bytes: number;
  source: string;
}

/**
 * Node: physical memory (os.totalmem), or the cgroup limit (process.constrainedMemory) when lower.
 * Undefined in a browser, which gives no such figure.
 */
export function hostMemory(): HostMemory | undefined {
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') return undefined;
  const os = process.getBuiltinModule('node:os') as { totalmem?: () => number } | undefined;
  const total = os?.totalmem?.();
  if (total === undefined || !(total > 0)) return undefined;
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
  if (constrained !== undefined && constrained > 0 && constrained < total) return { bytes: constrained, source: 'the cgroup memory limit' };
  return { bytes: total, source: 'the memory of this machine (os.totalmem)' };
}

/** "16.0 GiB", "300.0 MiB" or "512 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

/**
 * Throws, naming `op`, the shape, the bytes and the limit, when a `dtype` tensor of `shape` cannot
 * fit: its bytes × `copies` (2 where a host array and the backend's copy coexist) above
 * `backend.maxBytes`, else above the host's memory.
 */
export function assertFits(op: string, backend: Backend, dtype: DType, shape: Shape, copies = 1): void {
  const size = sizeOf(shape);
  const bytes = size * (dtype === 'float64' ? 8 : 4);
  if (!(bytes * copies >= CHECK_FROM)) return;
  const limit = backend.maxBytes !== undefined
    ? { bytes: backend.maxBytes, source: `the ${backend.name} backend's maxBytes` }
    : hostMemory();
  if (limit === undefined || bytes * copies <= limit.bytes) return;
  const peak = copies > 1 ? `; ${formatBytes(bytes * copies)} at its peak, with the backend's copy` : '';
  // the same opening as allocHost's message for sizes no typed array can hold
  throw new Error(
    `${op}: cannot allocate shape ${fmt(shape)}: ${size} ${dtype} values (${formatBytes(bytes)}${peak}), ` +
      `more than ${formatBytes(limit.bytes)}, ${limit.source}; refused before allocating`,
  );
}
