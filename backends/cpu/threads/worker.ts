// Source text of a GEMM worker, evaluated with `new Worker(source, { eval: true })` so that no
// file path is involved (works from dist/ and from the TypeScript sources under tap alike).
// It embeds the very functions the single-threaded tier runs (runGemm, scratchPlan), instantiates
// the kernel module on the shared memory, and for each job computes its block of C in place,
// then reports through the control words: status[slot] = 1 (done) or 2 (failed), done += 1.

import { runGemm, scratchPlan } from '../wasm/core.js';

/** Indices into the Int32 control words at byte 0 of the shared memory. */
export const CTRL_DONE = 0;
/** Status word of worker w is CTRL_STATUS + w; its error text goes back by message. */
export const CTRL_STATUS = 1;

/** A job: the GEMM arguments with a, b, c replaced by element offsets into the shared memory. */
export interface WorkerJob {
  f64: boolean;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  aOffset: number;
  lda: number;
  bOffset: number;
  ldb: number;
  cOffset: number;
  ldc: number;
}

/** workerData of a GEMM worker. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  tiles: unknown;
  /** Byte offset of this worker's scratch. */
  scratch: number;
  /** This worker's status word. */
  slot: number;
}

export function workerSource(): string {
  return `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
${scratchPlan.toString()}
${runGemm.toString()}
const { module, memory, tiles, scratch, slot } = workerData;
let exports = null;
let initError = null;
try {
  exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (e) {
  initError = e;
}
parentPort.on('message', (job) => {
  let status = 1;
  try {
    if (initError) throw initError;
    const view = job.f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
    runGemm(exports, memory, scratch, tiles, { ...job, a: view, b: view, c: view });
  } catch (e) {
    status = 2;
    parentPort.postMessage(String(e && e.stack || e));
  }
  const ctrl = new Int32Array(memory.buffer, 0, 64);
  Atomics.store(ctrl, ${CTRL_STATUS} + slot, status);
  Atomics.add(ctrl, ${CTRL_DONE}, 1);
  Atomics.notify(ctrl, ${CTRL_DONE});
});
`;
}
