// Source text of a GEMM worker, evaluated with `new Worker(source, { eval: true })` so that no
// file path is involved (works from dist/ and from the TypeScript sources under tap alike).
// It embeds the very functions the single-threaded tier runs (runGemm, scratchPlan), instantiates
// the kernel module on the shared memory, and for each job computes its block of C in place,
// then reports through the control words: status[slot] = 1 (done) or 2 (failed), done += 1.
// Jobs arrive through shared memory (a job slot and a sequence word), not as messages.

import { runGemm, scratchPlan } from '../wasm/core.js';

/** Indices into the Int32 control words at byte 0 of the shared memory. */
export const CTRL_DONE = 0;
/** Status word of worker w is CTRL_STATUS + w (1 done, 2 failed); its error text goes back by message. */
export const CTRL_STATUS = 1;
/** Job sequence word of worker w is CTRL_SEQ + w: bumped to hand over a job, -1 to stop. */
export const CTRL_SEQ = 32;
/** Byte offset of the job slots: JOB_WORDS float64 words per worker. */
export const JOB_BYTES_AT = 1024;
export const JOB_WORDS = 16;

/** The fields of a job in the order they are stored in its slot. */
export const JOB_FIELDS = ['f64', 'transA', 'transB', 'm', 'n', 'k', 'alpha', 'beta', 'aOffset', 'lda', 'bOffset', 'ldb', 'cOffset', 'ldc'] as const;

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

/** Writes a job into worker `slot`'s words (numbers; booleans as 0/1). */
export function writeJob(memory: WebAssembly.Memory, slot: number, job: WorkerJob): void {
  const words = new Float64Array(memory.buffer, JOB_BYTES_AT + slot * JOB_WORDS * 8, JOB_WORDS);
  JOB_FIELDS.forEach((f, i) => { words[i] = Number(job[f]); });
}

/** workerData of a GEMM worker. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  tiles: unknown;
  /** Byte offset of this worker's scratch. */
  scratch: number;
  /** This worker's status, sequence and job slot. */
  slot: number;
}

/**
 * The worker waits on its sequence word (Atomics.wait, which a worker may block in), reads
 * the job from its slot, computes, and reports through the status and done words; a message
 * is used only for an error's text. Hand-off costs a store and a notify, no message.
 */
export function workerSource(): string {
  return `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
${scratchPlan.toString()}
${runGemm.toString()}
const { module, memory, tiles, scratch, slot } = workerData;
const FIELDS = ${JSON.stringify(JOB_FIELDS)};
let exports = null;
let initError = null;
try {
  exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (e) {
  initError = e;
}
const ctrl = new Int32Array(memory.buffer, 0, 256);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${CTRL_SEQ} + slot, seen);
  const seq = Atomics.load(ctrl, ${CTRL_SEQ} + slot);
  if (seq === -1) break;
  if (seq === seen) continue;
  seen = seq;
  let status = 1;
  try {
    if (initError) throw initError;
    const words = new Float64Array(memory.buffer, ${JOB_BYTES_AT} + slot * ${JOB_WORDS} * 8, ${JOB_WORDS});
    const job = {};
    FIELDS.forEach((f, i) => { job[f] = words[i]; });
    job.f64 = job.f64 === 1; job.transA = job.transA === 1; job.transB = job.transB === 1;
    const view = job.f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
    runGemm(exports, memory, scratch, tiles, { ...job, a: view, b: view, c: view });
  } catch (e) {
    status = 2;
    parentPort.postMessage(String(e && e.stack || e));
  }
  Atomics.store(ctrl, ${CTRL_STATUS} + slot, status);
  Atomics.add(ctrl, ${CTRL_DONE}, 1);
  Atomics.notify(ctrl, ${CTRL_DONE});
}
`;
}
