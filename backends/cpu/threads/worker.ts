// Source text of a GEMM worker, evaluated with `new Worker(source, { eval: true })` so that no
// file path is involved (works from dist/ and from the TypeScript sources under tap alike).
// It embeds the very functions the single-threaded tier runs (runGemm, scratchPlan), instantiates
// the kernel module on the shared memory, and for each job computes its block of C in place,
// then reports through the control words: status[slot] = 1 (done) or 2 (failed), done += 1.
// Jobs arrive through shared memory (a job slot and a sequence word), not as messages.

import { adamRange } from '../elementwise.js';
import { pointwiseRange } from '../fused.js';
import { runGemm, scratchPlan } from '../wasm/core.js';
import { runClaimedChunks } from './chunks.js';
import { GEMM_SCALARS, type GemmArgs, type GemmScalars } from '../gemm.js';
import { adamSimd, pointwiseSimd } from '../wasm/elementwise-kernels.js';
import { splineSimd } from '../wasm/spline-kernels.js';
import { knotsSimd, runKnotChunks } from '../wasm/knot-kernels.js';

/** Indices into the Int32 control words at byte 0 of the shared memory. */
export const CTRL_DONE = 0;
/** Status word of worker w is CTRL_STATUS + w (1 done, 2 failed); its error text goes back by message. */
export const CTRL_STATUS = 1;
/** Job sequence word of worker w is CTRL_SEQ + w: bumped to hand over a job, -1 to stop. */
export const CTRL_SEQ = 32;
/** The next unclaimed block of a product split dynamically (threads/chunks.ts). */
export const CTRL_NEXT_CHUNK = 255;
/** Most threads the control words and job slots have room for (slots end at CTRL_BYTES = 4096). */
export const MAX_THREADS = 16;
/** Byte offset of the job slots: JOB_WORDS float64 words per worker. */
export const JOB_BYTES_AT = 1024;
export const JOB_WORDS = 18;

/** Word of a job slot that holds the job's kind (JOB_KIND_*); the other words depend on it. */
const JOB_KIND_WORD = 17;
/** words: JOB_FIELDS */
const JOB_KIND_GEMM = 0;
/** words: pass, base, linear, outer, inner, f64, yAt, backAt (−1: none), outAt, count (element offsets) */
export const JOB_KIND_POINTWISE = 1;
/** words: f64, pAt, dAt, mAt, vAt, poAt, moAt, voAt, count, rate, epsHat, beta1, beta2 */
export const JOB_KIND_ADAM = 2;
/** words: pass (0 value, 1 log-derivative, 2 backward, 3 knot-gradient), f64, x, back, out, knots, grad (byte addresses), rows, dim, dimV, bins, bound */
export const JOB_KIND_SPLINE = 3;
/** words: backward (0/1), f64, w, h, d, o0, o1, o2, scratch (byte addresses), dim, K, chunks, then knotsSimd's extra (4 or 5 words); the units claimed in blocks (runKnotChunks) */
export const JOB_KIND_KNOTS = 4;

/** Writes an element-wise job (kind and its words) into worker `slot`'s slot. */
export function writeWords(memory: WebAssembly.Memory, slot: number, kind: number, values: readonly number[]): void {
  const words = new Float64Array(memory.buffer, JOB_BYTES_AT + slot * JOB_WORDS * 8, JOB_WORDS);
  values.forEach((v, i) => { words[i] = v; });
  words[JOB_KIND_WORD] = kind;
}

/**
 * A GEMM job: the GEMM's scalar arguments (GemmScalars), its arrays a, b, c replaced by element
 * offsets into the shared memory (aOffset, bOffset, cOffset), plus the dtype and the split.
 */
export type WorkerJob = GemmScalars & {
  f64: boolean;
  /** > 0: the whole product, whose blocks the threads claim (threads/chunks.ts); 0: this block alone. */
  chunks: number;
  /** The register tile along the split side (for chunks > 0). */
  unit: number;
};

/** The words of a GEMM job's slot: the dtype flag, GEMM_SCALARS in their order, then the split. */
export const JOB_FIELDS = ['f64', ...GEMM_SCALARS, 'chunks', 'unit'] as const satisfies readonly (keyof WorkerJob)[];

/** The job for the product `g` whose arrays all live in the shared memory at these element offsets. */
export function gemmJob(g: GemmArgs, f64: boolean, offsets: { aOffset: number; bOffset: number; cOffset: number }, chunks: number, unit: number): WorkerJob {
  const { a: _a, b: _b, c: _c, ...scalars } = g;
  return { ...scalars, ...offsets, f64, chunks, unit };
}

/** Writes a job into worker `slot`'s words (numbers; booleans as 0/1). */
export function writeJob(memory: WebAssembly.Memory, slot: number, job: WorkerJob): void {
  const words = new Float64Array(memory.buffer, JOB_BYTES_AT + slot * JOB_WORDS * 8, JOB_WORDS);
  JOB_FIELDS.forEach((f, i) => { words[i] = Number(job[f]); });
  words[JOB_KIND_WORD] = JOB_KIND_GEMM;
}

/**
 * The job in a slot's words (`fields`: JOB_FIELDS), as writeJob stored it. Self-contained: the
 * worker evaluates its source.
 */
export function readJob(words: ArrayLike<number>, fields: readonly string[]): WorkerJob {
  const job: Record<string, number | boolean> = {};
  fields.forEach((f, i) => { job[f] = words[i]; });
  job.f64 = job.f64 === 1;
  job.transA = job.transA === 1;
  job.transB = job.transB === 1;
  return job as WorkerJob;
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
export function workerSource(spinMs = 0): string {
  // A bundler that keeps function names (esbuild's keepNames) rewrites nested functions in the
  // embedded sources as __name(fn, 'name'), a helper of its bundle that this source does not have.
  return `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
var __name = (target) => target;
${scratchPlan.toString()}
${runGemm.toString()}
${runClaimedChunks.toString()}
${readJob.toString()}
${pointwiseRange.toString()}
${adamRange.toString()}
${pointwiseSimd.toString()}
${adamSimd.toString()}
${splineSimd.toString()}
${knotsSimd.toString()}
${runKnotChunks.toString()}
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
  // poll for a while after a job (the next one of a training step follows within
  // microseconds), then sleep
  const spinUntil = performance.now() + ${spinMs};
  while (Atomics.load(ctrl, ${CTRL_SEQ} + slot) === seen && performance.now() < spinUntil);
  Atomics.wait(ctrl, ${CTRL_SEQ} + slot, seen);
  const seq = Atomics.load(ctrl, ${CTRL_SEQ} + slot);
  if (seq === -1) break;
  if (seq === seen) continue;
  seen = seq;
  let status = 1;
  try {
    if (initError) throw initError;
    const words = new Float64Array(memory.buffer, ${JOB_BYTES_AT} + slot * ${JOB_WORDS} * 8, ${JOB_WORDS});
    const kind = words[${JOB_KIND_WORD}];
    if (kind === ${JOB_KIND_POINTWISE}) {
      // element offsets into a view of the job's dtype; ranges start at 0 in each block
      const [pass, base, linear, outer, inner, f64, yAt, backAt, outAt, count] = words;
      const view = f64 === 1 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
      const y = view.subarray(yAt, yAt + count);
      const back = backAt < 0 ? null : view.subarray(backAt, backAt + count);
      const out = view.subarray(outAt, outAt + count);
      const es = f64 === 1 ? 8 : 4;
      const tail = (from) => pointwiseRange(pass, base, linear, outer, inner, y, back, out, from, count);
      if (!pointwiseSimd(exports, f64 === 1, pass, base, linear, outer, inner, yAt * es, backAt * es, outAt * es, count, tail)) tail(0);
    } else if (kind === ${JOB_KIND_ADAM}) {
      const [f64, pAt, dAt, mAt, vAt, poAt, moAt, voAt, count, rate, epsHat, beta1, beta2] = words;
      const view = f64 === 1 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
      const at = (o) => view.subarray(o, o + count);
      const es = f64 === 1 ? 8 : 4;
      const tail = (from) => adamRange(at(pAt), at(dAt), at(mAt), at(vAt), at(poAt), at(moAt), at(voAt), from, count, rate, epsHat, beta1, beta2);
      adamSimd(exports, f64 === 1, pAt * es, dAt * es, mAt * es, vAt * es, poAt * es, moAt * es, voAt * es, count, rate, epsHat, beta1, beta2, tail);
    } else if (kind === ${JOB_KIND_SPLINE}) {
      const [pass, f64, x, back, out, knots, grad, rows, dim, dimV, bins, bound] = words;
      splineSimd(exports, f64 === 1, pass, x, back, out, knots, grad, rows, dim, dimV, bins, bound);
    } else if (kind === ${JOB_KIND_KNOTS}) {
      const [backward, f64, w, h, d, o0, o1, o2, knotScratch, dim, K, chunks] = words;
      runKnotChunks(exports, f64 === 1, backward === 1, w, h, d, o0, o1, o2, knotScratch, dim, K, chunks, Array.from(words.subarray(12, 17)), ctrl, ${CTRL_NEXT_CHUNK});
    } else {
      const job = readJob(words, FIELDS);
      const view = job.f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
      const g = { ...job, a: view, b: view, c: view };
      if (job.chunks > 0) runClaimedChunks(g, job.chunks, job.unit, ctrl, ${CTRL_NEXT_CHUNK}, (block) => runGemm(exports, memory, scratch, tiles, block));
      else runGemm(exports, memory, scratch, tiles, g);
    }
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
