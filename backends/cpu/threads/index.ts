// The multi-threaded WebAssembly SIMD GEMM tier (Node worker_threads). One shared
// WebAssembly.Memory holds the control words, one packing scratch per thread and a data region;
// a call splits C into contiguous blocks of whole register tiles along its longer side, copies
// into shared memory only what the workers read (the operand they share and each worker's block
// of the other, memcpy), hands each worker its block through a job slot, computes block 0 on the
// calling thread straight from the caller's arrays into the caller's C, waits with Atomics.wait
// (allowed on Node's main thread), then copies the workers' blocks of C back.
// Below `minFlops` (2·m·n·k) the caller's thread runs the product alone: the copies and the
// wake-up (~0.1 ms) cost more than the second core saves. The pool starts on the first large
// product and its workers are unref'ed, so they never keep the process alive.

import type { Gemm, GemmArgs } from '../gemm.js';
import { runGemm } from '../wasm/core.js';
import { compileKernels } from '../wasm/emit.js';
import { scratchBytes, simdSupported } from '../wasm/index.js';
import { defaultTiles, kernelModuleBytes, PAGE, type GemmTiles, type KernelExports } from '../wasm/kernel.js';
import type { AdamRunner } from '../elementwise.js';
import { activationRange, type ActivationRunner } from '../fused.js';
import { adamRange } from '../elementwise.js';
import type { TypedArray } from '../../../engine/dtype.js';
import {
  CTRL_DONE, CTRL_SEQ, CTRL_STATUS, JOB_KIND_ACTIVATION, JOB_KIND_ADAM, workerSource, writeJob, writeWords, type WorkerInit, type WorkerJob,
} from './worker.js';

/** Products below this many flops run on the calling thread (crossover measured by bench/gemm.ts). */
export const DEFAULT_MIN_FLOPS = 5e6;
/** Maximum size of the shared memory (1 GiB); larger products run on one thread. */
const MAX_PAGES = 16384;
const CTRL_BYTES = 4096;

export interface ThreadedGemmOptions {
  /** Threads in all, the caller's included; defaults to os.availableParallelism(). Needs ≥ 2. */
  threads?: number;
  /** Products of fewer flops (2·m·n·k) run on the calling thread. */
  minFlops?: number;
  tiles?: GemmTiles;
}

/** Element-wise passes shorter than this stay on the calling thread (a hand-off costs tens of µs, more when the machine is busy). */
export const MIN_ELEMENTWISE = 32768;

/** A GEMM that also tells how many threads it uses, and shares element-wise kernels with them. */
export interface ThreadedGemm {
  gemm: Gemm;
  /** Activation passes split between the calling thread and the workers. */
  activation: ActivationRunner;
  /** Adam steps split likewise. */
  adam: AdamRunner;
  threads: number;
  minFlops: number;
  /** Ends the workers now (they are unref'ed anyway); the GEMM then runs on one thread. */
  close: () => Promise<void>;
}

interface NodeWorker {
  postMessage(value: unknown): void;
  unref(): void;
  on(event: string, listener: (value: unknown) => void): void;
  terminate(): Promise<number>;
}
type WorkerCtor = new (source: string, options: { eval: true; workerData: WorkerInit }) => NodeWorker;

/** worker_threads' Worker without a static import (so browsers can load this module). */
function nodeWorkerCtor(): WorkerCtor | undefined {
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') return undefined;
  const wt = process.getBuiltinModule('node:worker_threads') as { Worker?: WorkerCtor } | undefined;
  return wt?.Worker;
}

function defaultThreads(): number {
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') return 1;
  const os = process.getBuiltinModule('node:os') as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? 1;
}

/** Elements spanned by a row-major rows×cols block with leading dimension ld. */
function span(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/** The threaded WebAssembly GEMM, or undefined without SIMD, shared memory or worker_threads. */
export function createThreadedGemm(options: ThreadedGemmOptions = {}): ThreadedGemm | undefined {
  const Worker = nodeWorkerCtor();
  const threads = options.threads ?? defaultThreads();
  if (!Worker || threads < 2 || !simdSupported() || typeof SharedArrayBuffer === 'undefined') return undefined;
  const tiles = options.tiles ?? defaultTiles();
  const minFlops = options.minFlops ?? DEFAULT_MIN_FLOPS;
  const perThread = Math.ceil(scratchBytes(tiles) / 64) * 64;
  const dataStart = CTRL_BYTES + threads * perThread;
  let memory: WebAssembly.Memory;
  let module: WebAssembly.Module;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil(dataStart / PAGE), maximum: MAX_PAGES, shared: true });
    module = compileKernels(kernelModuleBytes(tiles, { shared: true, maximumPages: MAX_PAGES }));
  } catch {
    return undefined; // no threads proposal (shared memory) in this engine
  }
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  const single: Gemm = (g) => runGemm(exports, memory, CTRL_BYTES, tiles, g);

  let workers: NodeWorker[] | undefined;
  let broken: string | undefined;
  const errors: string[] = [];
  const startPool = (): NodeWorker[] => {
    const source = workerSource();
    return Array.from({ length: threads - 1 }, (_, w) => {
      const worker = new Worker(source, {
        eval: true,
        workerData: { module, memory, tiles, scratch: CTRL_BYTES + (w + 1) * perThread, slot: w },
      });
      worker.on('message', (text) => errors.push(String(text)));
      worker.on('error', (e) => { broken = `worker ${w} failed: ${String(e)}`; });
      worker.on('exit', () => { broken ??= `worker ${w} exited`; });
      worker.unref(); // after the listeners: adding a 'message' listener refs the port again
      return worker;
    });
  };

  /** Waits until parts − 1 workers reported; throws after 60 s + extraMs or when one failed. */
  const waitForWorkers = (ctrl: Int32Array, parts: number, what: string, extraMs: number): void => {
    const deadline = performance.now() + 60_000 + extraMs;
    for (;;) {
      const done = Atomics.load(ctrl, CTRL_DONE);
      if (done >= parts - 1) break;
      if (performance.now() > deadline) {
        broken = 'a worker did not answer';
        throw new Error(`${what}: ${broken}`);
      }
      Atomics.wait(ctrl, CTRL_DONE, done, 1000);
    }
    for (let w = 1; w < parts; w++) {
      if (Atomics.load(ctrl, CTRL_STATUS + w - 1) !== 1) throw new Error(`${what}: worker ${w - 1} failed ${errors.join('; ')}`);
    }
  };

  const gemm: Gemm = (g: GemmArgs) => {
    const { m, n, k, transA, transB } = g;
    const flops = 2 * m * n * k;
    const f64 = g.c instanceof Float64Array;
    const t = f64 ? tiles.f64 : tiles.f32;
    // split C along its longer side into blocks of whole register tiles; block 0 is the caller's
    const alongN = n >= m;
    const unit = alongN ? t.nr : t.mr;
    const tilesAlong = Math.ceil((alongN ? n : m) / unit);
    const parts = Math.min(threads, tilesAlong);
    const es = f64 ? 8 : 4;
    const bounds = Array.from({ length: parts }, (_, part) => [
      Math.floor((tilesAlong * part) / parts) * unit,
      Math.min(Math.floor((tilesAlong * (part + 1)) / parts) * unit, alongN ? n : m),
    ]);
    // What the workers need in shared memory: the whole operand they share (A when splitting
    // along n, B along m) and the span of their own block of the other one, each one memcpy;
    // C blocks likewise (their span when beta ≠ 0, compact otherwise).
    const aLen = alongN ? (transA ? span(k, m, g.lda) : span(m, k, g.lda)) : 0;
    const bLen = alongN ? 0 : (transB ? span(n, k, g.ldb) : span(k, n, g.ldb));
    let blockLen = 0;
    let cLen = 0;
    for (let part = 1; part < parts; part++) {
      const w = bounds[part][1] - bounds[part][0];
      blockLen += alongN ? (transB ? span(w, k, g.ldb) : span(k, w, g.ldb)) : (transA ? span(k, w, g.lda) : span(w, k, g.lda));
      cLen += alongN ? Math.max(m * w, span(m, w, g.ldc)) : Math.max(w * n, span(w, n, g.ldc));
    }
    // slack after the data: packing in place reads up to a register tile past a partial panel
    const slack = (Math.max(t.mr, t.nr) + 1) * Math.max(g.lda, g.ldb, k) + 64;
    const needed = dataStart + (aLen + bLen + blockLen + cLen + slack) * es;
    if (flops < minFlops || parts < 2 || broken !== undefined || needed > MAX_PAGES * PAGE) {
      single(g);
      return;
    }
    workers ??= startPool();
    const have = memory.buffer.byteLength;
    if (needed > have) memory.grow(Math.ceil((needed - have) / PAGE));
    const view = f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
    let at = Math.ceil(dataStart / es);
    const sharedAt = at;
    if (alongN) view.set(g.a.subarray(g.aOffset, g.aOffset + aLen), at);
    else view.set(g.b.subarray(g.bOffset, g.bOffset + bLen), at);
    at += aLen + bLen;
    const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
    Atomics.store(ctrl, CTRL_DONE, 0);
    const cAts: number[] = [];
    const cLds: number[] = [];
    for (let part = 1; part < parts; part++) {
      const [from, to] = bounds[part];
      const w = to - from;
      const job: WorkerJob = {
        f64, transA, transB, m, n, k, alpha: g.alpha, beta: 0,
        aOffset: sharedAt, lda: g.lda, bOffset: sharedAt, ldb: g.ldb, cOffset: 0, ldc: 0,
      };
      // the worker's block of the split operand (B along n, A along m): one memcpy of its span,
      // read with the operand's own stride. Its rows are the block's lanes when the operand is
      // stored lane-major (op(B)ᵀ, or A untransposed), else its columns are (a column block).
      const [src, off, ld, laneMajor] = alongN ? [g.b, g.bOffset, g.ldb, transB] : [g.a, g.aOffset, g.lda, !transA];
      const start = off + (laneMajor ? from * ld : from);
      const len = laneMajor ? span(w, k, ld) : span(k, w, ld);
      view.set(src.subarray(start, start + len), at);
      if (alongN) {
        job.n = w;
        job.bOffset = at;
      } else {
        job.m = w;
        job.aOffset = at;
      }
      at += len;
      const rows = alongN ? m : w;
      const cols = alongN ? w : n;
      job.cOffset = at;
      if (g.beta !== 0) {
        // the worker applies beta to its block of C itself: the block's span goes in with one
        // memcpy, and the worker writes its results there with C's own row stride
        job.beta = g.beta;
        job.ldc = g.ldc;
        const src0 = alongN ? g.cOffset + from : g.cOffset + from * g.ldc;
        const len = span(rows, cols, g.ldc);
        view.set(g.c.subarray(src0, src0 + len), at);
        at += len;
      } else {
        job.ldc = cols;
        at += rows * cols;
      }
      cAts.push(job.cOffset);
      cLds.push(job.ldc);
      Atomics.store(ctrl, CTRL_STATUS + part - 1, 0);
      writeJob(memory, part - 1, job);
      Atomics.add(ctrl, CTRL_SEQ + part - 1, 1);
      Atomics.notify(ctrl, CTRL_SEQ + part - 1);
    }
    // block 0 on this thread, straight from the caller's arrays into the caller's C
    const [, to0] = bounds[0];
    if (alongN) single({ ...g, n: to0 });
    else single({ ...g, m: to0 });
    // a generous deadline (≥ 0.1 GFLOP/s) turns a lost worker into an error
    waitForWorkers(ctrl, parts, `threaded gemm [${m}x${k}]·[${k}x${n}]`, flops / 1e5);
    // the workers' blocks of C (alpha·A·B + beta·C, computed in shared memory)
    const { c, cOffset, ldc } = g;
    const out = f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
    for (let part = 1; part < parts; part++) {
      const [from, to] = bounds[part];
      const w = to - from;
      const rows = alongN ? m : w;
      const cols = alongN ? w : n;
      const dst0 = alongN ? cOffset + from : cOffset + from * ldc;
      const src0 = cAts[part - 1];
      const srcLd = cLds[part - 1];
      for (let i = 0; i < rows; i++) {
        const src = src0 + i * srcLd;
        const dst = dst0 + i * ldc;
        c.set(out.subarray(src, src + cols), dst);
      }
    }
  };

  /**
   * Splits an element-wise pass of `size` elements: each worker's range of the inputs is copied
   * to shared memory, the worker computes it there (`words` describes the job in element
   * offsets), this thread computes range 0 in place, then the workers' outputs are copied back.
   */
  const shareElementwise = (
    size: number, f64: boolean, ins: (TypedArray | null)[], outs: TypedArray[], kind: number,
    words: (inAts: number[], outAts: number[], count: number) => number[], local: (start: number, end: number) => void,
  ): void => {
    const parts = threads;
    if (size < MIN_ELEMENTWISE || broken !== undefined) {
      local(0, size);
      return;
    }
    const es = f64 ? 8 : 4;
    const bounds = Array.from({ length: parts + 1 }, (_, p) => Math.round((size * p) / parts / 16) * 16);
    bounds[parts] = size;
    const shared = size - bounds[1];
    const needed = dataStart + ((ins.length + outs.length) * shared + 64) * es;
    if (needed > MAX_PAGES * PAGE) {
      local(0, size);
      return;
    }
    workers ??= startPool();
    const have = memory.buffer.byteLength;
    if (needed > have) memory.grow(Math.ceil((needed - have) / PAGE));
    const view = f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
    const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
    Atomics.store(ctrl, CTRL_DONE, 0);
    let at = Math.ceil(dataStart / es);
    const outAtsOf: number[][] = [];
    for (let part = 1; part < parts; part++) {
      const from = bounds[part];
      const count = bounds[part + 1] - from;
      const inAts = ins.map((x) => {
        if (x === null) return -1;
        view.set(x.subarray(from, from + count), at);
        at += count;
        return at - count;
      });
      const outAts = outs.map(() => {
        at += count;
        return at - count;
      });
      outAtsOf.push(outAts);
      Atomics.store(ctrl, CTRL_STATUS + part - 1, 0);
      writeWords(memory, part - 1, kind, words(inAts, outAts, count));
      Atomics.add(ctrl, CTRL_SEQ + part - 1, 1);
      Atomics.notify(ctrl, CTRL_SEQ + part - 1);
    }
    local(0, bounds[1]);
    waitForWorkers(ctrl, parts, `element-wise pass of ${size} elements`, size * 1e-3);
    const out = f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
    for (let part = 1; part < parts; part++) {
      const from = bounds[part];
      const count = bounds[part + 1] - from;
      outs.forEach((o, j) => o.set(out.subarray(outAtsOf[part - 1][j], outAtsOf[part - 1][j] + count), from));
    }
  };

  const activation: ActivationRunner = (pass, kind, a, b, y, back, out, size) => {
    const f64 = y instanceof Float64Array;
    shareElementwise(size, f64, [y, back], [out], JOB_KIND_ACTIVATION,
      ([yAt, backAt], [outAt], count) => [pass, kind, a, b, f64 ? 1 : 0, yAt, backAt, outAt, count],
      (start, end) => activationRange(pass, kind, a, b, y, back, out, start, end));
  };

  const adam: AdamRunner = (p, d, m, v, po, mo, vo, size, rate, epsHat, beta1, beta2) => {
    const f64 = p instanceof Float64Array;
    shareElementwise(size, f64, [p, d, m, v], [po, mo, vo], JOB_KIND_ADAM,
      ([pAt, dAt, mAt, vAt], [poAt, moAt, voAt], count) => [f64 ? 1 : 0, pAt, dAt, mAt, vAt, poAt, moAt, voAt, count, rate, epsHat, beta1, beta2],
      (start, end) => adamRange(p, d, m, v, po, mo, vo, start, end, rate, epsHat, beta1, beta2));
  };

  const close = async (): Promise<void> => {
    const running = workers ?? [];
    workers = undefined;
    broken = 'closed';
    const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
    running.forEach((_, w) => {
      Atomics.store(ctrl, CTRL_SEQ + w, -1);
      Atomics.notify(ctrl, CTRL_SEQ + w);
    });
    await Promise.all(running.map((w) => w.terminate()));
  };
  return { gemm, activation, adam, threads, minFlops, close };
}
