// memory(): live tensors and bytes on a backend (tf.memory()'s counterpart), for leak checks in
// user code: a loop that holds `memory().tensors` constant frees everything it allocates.

import type { Backend } from './backend.js';
import { getBackend } from './state.js';
import { memoryOf } from './tensor.js';

/** What `memory()` reports: live tensors and the bytes their distinct storages hold on the backend. */
export interface MemoryInfo {
  /** Tensors created and not yet disposed (aliases such as reshapes count separately). */
  tensors: number;
  /** Bytes of the distinct storages those tensors hold on the backend. */
  bytes: number;
}

/** Live tensors and bytes on `backend` (default: the current one). */
export function memory(backend: Backend = getBackend()): MemoryInfo {
  return memoryOf(backend);
}
