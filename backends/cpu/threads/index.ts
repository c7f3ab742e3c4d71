// The multi-threaded WebAssembly SIMD GEMM tier (Node worker_threads). One shared
// WebAssembly.Memory holds the control words, one packing scratch per thread and a data region;
// a call copies op(A)'s and op(B)'s spans in (memcpy), splits C into contiguous blocks of whole
// register tiles along its longer side, runs block 0 on the calling thread and the others on
// workers, waits with Atomics.wait (allowed on Node's main thread), then writes C back.
// Below `minFlops` (2·m·n·k) the caller's thread runs the product alone: the copies and the
// wake-up (~0.1 ms) cost more than the second core saves. The pool starts on the first large
// product and its workers are unref'ed, so they never keep the process alive.

import type { Gemm, GemmArgs } from '../gemm.js';
import { runGemm } from '../wasm/core.js';
import { compileKernels } from '../wasm/emit.js';
import { scratchBytes, simdSupported } from '../wasm/index.js';
import { defaultTiles, kernelModuleBytes, PAGE, type GemmTiles, type KernelExports } from '../wasm/kernel.js';
import { CTRL_DONE, CTRL_SEQ, CTRL_STATUS, workerSource, writeJob, type WorkerInit, type WorkerJob } from './worker.js';

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

/** A GEMM that also tells how many threads it uses. */
export interface ThreadedGemm {
  gemm: Gemm;
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

  const gemm: Gemm = (g: GemmArgs) => {
    const { m, n, k } = g;
    const flops = 2 * m * n * k;
    const f64 = g.c instanceof Float64Array;
    const t = f64 ? tiles.f64 : tiles.f32;
    // split C along its longer side into blocks of whole register tiles
    const alongN = n >= m;
    const unit = alongN ? t.nr : t.mr;
    const tilesAlong = Math.ceil((alongN ? n : m) / unit);
    const parts = Math.min(threads, tilesAlong);
    const es = f64 ? 8 : 4;
    const aLen = g.transA ? span(k, m, g.lda) : span(m, k, g.lda);
    const bLen = g.transB ? span(n, k, g.ldb) : span(k, n, g.ldb);
    // slack after the data: packing in place reads up to a register tile past a partial panel
    const slack = (Math.max(t.mr, t.nr) + 1) * Math.max(g.lda, g.ldb, k) + 64;
    const needed = dataStart + (aLen + bLen + m * n + slack) * es;
    if (flops < minFlops || parts < 2 || broken !== undefined || needed > MAX_PAGES * PAGE) {
      single(g);
      return;
    }
    workers ??= startPool();
    const have = memory.buffer.byteLength;
    if (needed > have) memory.grow(Math.ceil((needed - have) / PAGE));
    const view = f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
    const base = Math.ceil(dataStart / es);
    const aAt = base;
    const bAt = aAt + aLen;
    const cAt = bAt + bLen;
    view.set(g.a.subarray(g.aOffset, g.aOffset + aLen), aAt);
    view.set(g.b.subarray(g.bOffset, g.bOffset + bLen), bAt);
    const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
    Atomics.store(ctrl, CTRL_DONE, 0);
    const jobs: WorkerJob[] = [];
    for (let part = 0; part < parts; part++) {
      const from = Math.floor((tilesAlong * part) / parts) * unit;
      const to = Math.min(Math.floor((tilesAlong * (part + 1)) / parts) * unit, alongN ? n : m);
      const job: WorkerJob = {
        f64, transA: g.transA, transB: g.transB, m, n, k, alpha: g.alpha, beta: 0,
        aOffset: aAt, lda: g.lda, bOffset: bAt, ldb: g.ldb, cOffset: cAt, ldc: n,
      };
      if (alongN) {
        job.n = to - from;
        job.bOffset = bAt + (g.transB ? from * g.ldb : from);
        job.cOffset = cAt + from;
      } else {
        job.m = to - from;
        job.aOffset = aAt + (g.transA ? from : from * g.lda);
        job.cOffset = cAt + from * n;
      }
      jobs.push(job);
    }
    for (let w = 1; w < parts; w++) {
      Atomics.store(ctrl, CTRL_STATUS + w - 1, 0);
      writeJob(memory, w - 1, jobs[w]);
      Atomics.add(ctrl, CTRL_SEQ + w - 1, 1);
      Atomics.notify(ctrl, CTRL_SEQ + w - 1);
    }
    runGemm(exports, memory, CTRL_BYTES, tiles, { ...jobs[0], a: view, b: view, c: view });
    // wait for the workers; a generous deadline (≥ 0.1 GFLOP/s) turns a lost worker into an error
    const deadline = performance.now() + 60_000 + flops / 1e5;
    for (;;) {
      const done = Atomics.load(ctrl, CTRL_DONE);
      if (done >= parts - 1) break;
      if (performance.now() > deadline) {
        broken = 'a worker did not answer';
        throw new Error(`threaded gemm [${m}x${k}]·[${k}x${n}]: ${broken}`);
      }
      Atomics.wait(ctrl, CTRL_DONE, done, 1000);
    }
    for (let w = 1; w < parts; w++) {
      if (Atomics.load(ctrl, CTRL_STATUS + w - 1) !== 1) {
        throw new Error(`threaded gemm [${m}x${k}]·[${k}x${n}]: worker ${w - 1} failed ${errors.join('; ')}`);
      }
    }
    // C = (alpha·A·B, computed in shared memory) + beta·C
    const { c, cOffset, ldc, beta } = g;
    const out = f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
    for (let i = 0; i < m; i++) {
      const src = cAt + i * n;
      const dst = cOffset + i * ldc;
      if (beta === 0) c.set(out.subarray(src, src + n), dst);
      else for (let j = 0; j < n; j++) c[dst + j] = out[src + j] + beta * c[dst + j];
    }
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
  return { gemm, threads, minFlops, close };
}
