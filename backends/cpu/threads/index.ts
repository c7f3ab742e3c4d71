// The multi-threaded WebAssembly SIMD runtime of the CPU backend (Node worker_threads): its GEMM,
// its element-wise kernels and their storage. One shared
// WebAssembly.Memory holds the control words, one packing scratch per thread and an arena
// (arena.ts) where the backend keeps its tensor storage. A call splits C into contiguous blocks of
// whole register tiles along its longer side and hands each worker its block through a job slot;
// operands and C that live in the arena are read and written in place, anything else (a caller's
// own arrays) is copied into a temporary arena block (memcpy) and the workers' blocks of C copied
// back. When nothing needs copying, C is cut into three blocks per thread that the threads claim
// from a shared counter (chunks.ts), so a slower core takes fewer; otherwise block 0 runs on the
// calling thread. The calling thread then polls and waits with Atomics.wait (allowed on Node's
// main thread). Below `minFlops` (2·m·n·k) the caller's thread runs the product alone:
// the wake-up (~0.1 ms) costs more than the second core saves. The pool starts on the first large
// product and its workers are unref'ed, so they never keep the process alive.

import type { Gemm, GemmArgs } from '../gemm.js';
import { runGemm } from '../wasm/core.js';
import { compileKernels } from '../wasm/emit.js';
import { scratchBytes, simdSupported } from '../wasm/index.js';
import { defaultTiles, kernelModuleBytes, PAGE, type GemmTiles, type KernelExports } from '../wasm/kernel.js';
import type { AdamRunner } from '../elementwise.js';
import { pointwiseRange, type PointwiseRunner } from '../fused.js';
import { adamRange } from '../elementwise.js';
import { adamSimd, pointwiseSimd } from '../wasm/elementwise-kernels.js';
import { splineSimd } from '../wasm/spline-kernels.js';
import { runKnotChunks } from '../wasm/knot-kernels.js';
import { splineRange, type SplineRunner } from '../spline.js';
import { SCALAR_MAPS, type VectorMap } from '../vector-maps.js';
import type { KnotRunner } from '../spline-knots.js';
import type { BinaryRunner } from '../elementwise.js';
import type { ColumnSumsRunner } from '../reduce.js';
import type { DType, TypedArray } from '../../../engine/dtype.js';
import { SharedArena } from './arena.js';
import { runClaimedChunks } from './chunks.js';
import {
  CTRL_DONE, CTRL_NEXT_CHUNK, MAX_THREADS, CTRL_SEQ, CTRL_STATUS, JOB_KIND_POINTWISE, JOB_KIND_ADAM, JOB_KIND_SPLINE, JOB_KIND_KNOTS, gemmJob, workerSource, writeJob, writeWords, type WorkerInit,
} from './worker.js';

/** Products below this many flops run on the calling thread (crossover measured by bench/gemm.ts). */
export const DEFAULT_MIN_FLOPS = 5e6;
/** Milliseconds a waiting thread polls before it sleeps in Atomics.wait (the worker, for its next job, too). */
const SPIN_MS = 0.3;
/** Maximum size of the shared memory (1 GiB); larger products run on one thread. */
const MAX_PAGES = 16384;
/**
 * Where the arena's soft limit starts (arena.ts): room for a D = 784 flow's parameters, Adam
 * moments and a step's temporaries; more is given a turn later to tensors that stay in use.
 */
const DEFAULT_ARENA_BYTES = 256 * 2 ** 20;
const CTRL_BYTES = 4096;

export interface ThreadedRuntimeOptions {
  /** Threads in all, the caller's included; defaults to os.availableParallelism(). Needs ≥ 2. */
  threads?: number;
  /** Products of fewer flops (2·m·n·k) run on the calling thread. */
  minFlops?: number;
  tiles?: GemmTiles;
  /** The arena's initial soft limit in bytes (default DEFAULT_ARENA_BYTES); see arena.ts. */
  arenaBytes?: number;
}

/** Element-wise passes shorter than this stay on the calling thread (a hand-off costs tens of µs, more when the machine is busy). */
export const MIN_ELEMENTWISE = 32768;
/** Spline knot passes over fewer units stay on the calling thread (a unit costs about 0.2 µs). */
export const MIN_KNOT_UNITS = 256;
/** Blocks of units per thread that the threads claim in a knot pass (a late worker takes fewer). */
const KNOT_CHUNKS_PER_THREAD = 4;

/**
 * The CPU backend's threaded runtime: the GEMM, the element-wise kernels (pointwise maps, Adam,
 * spline, sums) shared with the same worker threads, and the arena storage they all read in place.
 */
export interface ThreadedRuntime {
  gemm: Gemm;
  /** Pointwise passes (fused.ts pointwiseRange) split between the calling thread and the workers. */
  pointwise: PointwiseRunner;
  /** Adam steps split likewise. */
  adam: AdamRunner;
  /** Spline passes (value, log-derivative, both gradients) by the SIMD kernels, the vectors of units split between the threads. */
  spline: SplineRunner;
  /**
   * Storage in the shared memory (contents unspecified), freed when collected; undefined when
   * the memory is full. Products and passes over such arrays need no copies.
   */
  alloc: (dtype: DType, size: number) => TypedArray | undefined;
  /** Σ of an array `alloc` made, accumulated in float64 (SIMD); undefined for any other array. */
  sumAll: (x: TypedArray) => number | undefined;
  /** values[i] ← map(values[i]) in float64 by the SIMD kernels (wasm/map-kernels.ts) on this thread. */
  mapF64: VectorMap;
  /** out = a + b or a·b by the SIMD kernel on this thread; false unless all three are in the arena and of one dtype. */
  binary: BinaryRunner;
  /** The column sums of x [rows, cols] in float64 by the SIMD kernel on this thread; undefined unless x is in the arena. */
  columnSums: ColumnSumsRunner;
  /** A spline knot pass by the SIMD kernels (wasm/knot-kernels.ts) on this thread (arrays outside the arena through copies). */
  knots: KnotRunner;
  threads: number;
  minFlops: number;
  /** The allocator over the shared memory (bytesInUse, memoryBytes: for tests and leak checks). */
  arena: SharedArena;
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

/** The threaded WebAssembly runtime (see ThreadedRuntime), or undefined without SIMD, shared memory or worker_threads. */
export function createThreadedRuntime(options: ThreadedRuntimeOptions = {}): ThreadedRuntime | undefined {
  const Worker = nodeWorkerCtor();
  const threads = Math.min(options.threads ?? defaultThreads(), MAX_THREADS);
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
  const arena = new SharedArena(memory, dataStart, MAX_PAGES * PAGE, options.arenaBytes ?? DEFAULT_ARENA_BYTES);
  const resident = (x: TypedArray): boolean => arena.owns(x);
  const single: Gemm = (g) => runGemm(exports, memory, CTRL_BYTES, tiles, g, resident);

  let workers: NodeWorker[] | undefined;
  let broken: string | undefined;
  const errors: string[] = [];
  const startPool = (): NodeWorker[] => {
    const source = workerSource(SPIN_MS);
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
    const spinFrom = performance.now();
    const deadline = spinFrom + 60_000 + extraMs;
    for (;;) {
      const done = Atomics.load(ctrl, CTRL_DONE);
      if (done >= parts - 1) break;
      if (performance.now() > deadline) {
        broken = 'a worker did not answer';
        throw new Error(`${what}: ${broken}`);
      }
      // poll first: the worker usually finishes close to this thread, and waking from
      // Atomics.wait is slow here (polling made the D = 784 step ~10% faster)
      if (performance.now() - spinFrom < SPIN_MS) continue;
      Atomics.wait(ctrl, CTRL_DONE, done, 1000);
    }
    for (let w = 1; w < parts; w++) {
      if (Atomics.load(ctrl, CTRL_STATUS + w - 1) !== 1) throw new Error(`${what}: worker ${w - 1} failed ${errors.join('; ')}`);
    }
  };

  /** Element index, in a view of the whole memory, of element `off` of a view of it. */
  const at = (x: TypedArray, off: number, es: number): number => x.byteOffset / es + off;

  /**
   * Every operand in the arena: the workers and this thread claim `chunks` blocks of the whole
   * product from a shared counter (threads/chunks.ts), so a slower core takes fewer of them.
   */
  const claimed = (g: GemmArgs, parts: number, chunks: number, unit: number, f64: boolean): void => {
    workers ??= startPool();
    const es = f64 ? 8 : 4;
    const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
    Atomics.store(ctrl, CTRL_DONE, 0);
    Atomics.store(ctrl, CTRL_NEXT_CHUNK, 0);
    const job = gemmJob(g, f64, { aOffset: at(g.a, g.aOffset, es), bOffset: at(g.b, g.bOffset, es), cOffset: at(g.c, g.cOffset, es) }, chunks, unit);
    for (let part = 1; part < parts; part++) {
      Atomics.store(ctrl, CTRL_STATUS + part - 1, 0);
      writeJob(memory, part - 1, job);
      Atomics.add(ctrl, CTRL_SEQ + part - 1, 1);
      Atomics.notify(ctrl, CTRL_SEQ + part - 1);
    }
    runClaimedChunks(g, chunks, unit, ctrl, CTRL_NEXT_CHUNK, single);
    waitForWorkers(ctrl, parts, `threaded gemm [${g.m}x${g.k}]·[${g.k}x${g.n}]`, (2 * g.m * g.n * g.k) / 1e5);
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
    if (flops < minFlops || parts < 2 || broken !== undefined) {
      single(g);
      return;
    }
    const es = f64 ? 8 : 4;
    const bounds = Array.from({ length: parts }, (_, part) => [
      Math.floor((tilesAlong * part) / parts) * unit,
      Math.min(Math.floor((tilesAlong * (part + 1)) / parts) * unit, alongN ? n : m),
    ]);
    // The workers read operands and write C where they are when they live in the arena (tensor
    // storage does); what lives elsewhere is copied into one temporary block (memcpy): the whole
    // operand they share (A when splitting along n, B along m), the span of each worker's block
    // of the other one, and each worker's block of C (its span when beta ≠ 0, compact otherwise).
    const [sharedSrc, sharedOff, sharedLen] = alongN
      ? [g.a, g.aOffset, transA ? span(k, m, g.lda) : span(m, k, g.lda)]
      : [g.b, g.bOffset, transB ? span(n, k, g.ldb) : span(k, n, g.ldb)];
    const [splitSrc, splitOff, splitLd, laneMajor] = alongN ? [g.b, g.bOffset, g.ldb, transB] : [g.a, g.aOffset, g.lda, !transA];
    const sharedIn = arena.owns(sharedSrc);
    const splitIn = arena.owns(splitSrc);
    const cIn = arena.owns(g.c);
    let tempLen = sharedIn ? 0 : sharedLen;
    for (let part = 1; part < parts; part++) {
      const w = bounds[part][1] - bounds[part][0];
      if (!splitIn) tempLen += laneMajor ? span(w, k, splitLd) : span(k, w, splitLd);
      if (!cIn) tempLen += alongN ? Math.max(m * w, span(m, w, g.ldc)) : Math.max(w * n, span(w, n, g.ldc));
    }
    if (tempLen === 0 && tilesAlong >= 2 * parts) {
      claimed(g, parts, Math.min(tilesAlong, 3 * parts), unit, f64);
      return;
    }
    const temp = tempLen > 0 ? arena.allocBytes(tempLen * es) : undefined;
    if (tempLen > 0 && temp === undefined) {
      single(g);
      return;
    }
    workers ??= startPool();
    const view = f64 ? new Float64Array(arena.buffer()) : new Float32Array(arena.buffer());
    let next = temp === undefined ? 0 : temp / es;
    /** Element index of a copy of src[off, off + len) in the temporary block. */
    const copy = (src: TypedArray, off: number, len: number): number => {
      view.set(src.subarray(off, off + len), next);
      next += len;
      return next - len;
    };
    const sharedAt = sharedIn ? at(sharedSrc, sharedOff, es) : copy(sharedSrc, sharedOff, sharedLen);
    const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
    Atomics.store(ctrl, CTRL_DONE, 0);
    const copiedC: { part: number; at: number; ld: number }[] = [];
    for (let part = 1; part < parts; part++) {
      const [from, to] = bounds[part];
      const w = to - from;
      const job = gemmJob(g, f64, { aOffset: sharedAt, bOffset: sharedAt, cOffset: 0 }, 0, unit);
      // the worker's block of the split operand (B along n, A along m), read with the operand's
      // own stride: its rows are the block's lanes when the operand is stored lane-major
      // (op(B)ᵀ, or A untransposed), else its columns are (a column block)
      const start = splitOff + (laneMajor ? from * splitLd : from);
      const splitAt = splitIn ? at(splitSrc, start, es) : copy(splitSrc, start, laneMajor ? span(w, k, splitLd) : span(k, w, splitLd));
      if (alongN) {
        job.n = w;
        job.bOffset = splitAt;
      } else {
        job.m = w;
        job.aOffset = splitAt;
      }
      const rows = alongN ? m : w;
      const cols = alongN ? w : n;
      const cStart = alongN ? g.cOffset + from : g.cOffset + from * g.ldc;
      if (cIn) {
        job.cOffset = at(g.c, cStart, es); // written in place, beta applied by the worker
      } else if (g.beta !== 0) {
        job.cOffset = copy(g.c, cStart, span(rows, cols, g.ldc));
        copiedC.push({ part, at: job.cOffset, ld: g.ldc });
      } else {
        job.ldc = cols;
        job.cOffset = next;
        next += rows * cols;
        copiedC.push({ part, at: job.cOffset, ld: cols });
      }
      Atomics.store(ctrl, CTRL_STATUS + part - 1, 0);
      writeJob(memory, part - 1, job);
      Atomics.add(ctrl, CTRL_SEQ + part - 1, 1);
      Atomics.notify(ctrl, CTRL_SEQ + part - 1);
    }
    // block 0 on this thread, straight from the caller's arrays into the caller's C
    const [, to0] = bounds[0];
    if (alongN) single({ ...g, n: to0 });
    else single({ ...g, m: to0 });
    // a generous deadline (≥ 0.1 GFLOP/s) turns a lost worker into an error; the temporary
    // block is then not reused, since a late worker might still write into it
    waitForWorkers(ctrl, parts, `threaded gemm [${m}x${k}]·[${k}x${n}]`, flops / 1e5);
    // the workers' blocks of C that were computed in the temporary block
    const { c, cOffset, ldc } = g;
    for (const { part, at: src0, ld: srcLd } of copiedC) {
      const [from, to] = bounds[part];
      const w = to - from;
      const rows = alongN ? m : w;
      const cols = alongN ? w : n;
      const dst0 = alongN ? cOffset + from : cOffset + from * ldc;
      for (let i = 0; i < rows; i++) {
        const src = src0 + i * srcLd;
        c.set(view.subarray(src, src + cols), dst0 + i * ldc);
      }
    }
    if (temp !== undefined) arena.release(temp);
  };

  /**
   * Splits an element-wise pass of `size` elements: each worker computes its range where the
   * arrays are when they live in the arena, else on copies in a temporary block (its outputs
   * copied back); this thread computes range 0 in place. `words` describes the job in element
   * offsets of a view of the whole memory.
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
    const copied = [...ins, ...outs].filter((x) => x !== null && !arena.owns(x)).length;
    const temp = copied > 0 ? arena.allocBytes(copied * shared * es) : undefined;
    if (copied > 0 && temp === undefined) {
      local(0, size);
      return;
    }
    workers ??= startPool();
    const view = f64 ? new Float64Array(arena.buffer()) : new Float32Array(arena.buffer());
    const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
    Atomics.store(ctrl, CTRL_DONE, 0);
    let next = temp === undefined ? 0 : temp / es;
    const copyBack: { out: TypedArray; from: number; count: number; at: number }[] = [];
    for (let part = 1; part < parts; part++) {
      const from = bounds[part];
      const count = bounds[part + 1] - from;
      const inAts = ins.map((x) => {
        if (x === null) return -1;
        if (arena.owns(x)) return at(x, from, es);
        view.set(x.subarray(from, from + count), next);
        next += count;
        return next - count;
      });
      const outAts = outs.map((o) => {
        if (arena.owns(o)) return at(o, from, es);
        copyBack.push({ out: o, from, count, at: next });
        next += count;
        return next - count;
      });
      Atomics.store(ctrl, CTRL_STATUS + part - 1, 0);
      writeWords(memory, part - 1, kind, words(inAts, outAts, count));
      Atomics.add(ctrl, CTRL_SEQ + part - 1, 1);
      Atomics.notify(ctrl, CTRL_SEQ + part - 1);
    }
    local(0, bounds[1]);
    waitForWorkers(ctrl, parts, `element-wise pass of ${size} elements`, size * 1e-3);
    for (const { out, from, count, at: src } of copyBack) out.set(view.subarray(src, src + count), from);
    if (temp !== undefined) arena.release(temp);
  };

  /** Byte address of element `i` of arrays that all live in the arena, else undefined. */
  const addresses = (arrays: (TypedArray | null)[], i: number): number[] | undefined =>
    arrays.every((x) => x === null || arena.owns(x)) ? arrays.map((x) => (x === null ? 0 : x.byteOffset + i * x.BYTES_PER_ELEMENT)) : undefined;

  // this thread's range: the SIMD kernels when the arrays live in the arena, else JavaScript
  const pointwise: PointwiseRunner = (pass, base, linear, outer, inner, y, back, out, size) => {
    const f64 = y instanceof Float64Array;
    const js = (start: number, end: number): void => pointwiseRange(pass, base, linear, outer, inner, y, back, out, start, end);
    shareElementwise(size, f64, [y, back], [out], JOB_KIND_POINTWISE,
      ([yAt, backAt], [outAt], count) => [pass, base, linear, outer, inner, f64 ? 1 : 0, yAt, backAt, outAt, count],
      (start, end) => {
        const at = addresses([y, back, out], start);
        if (at === undefined || !pointwiseSimd(exports, f64, pass, base, linear, outer, inner, at[0], at[1], at[2], end - start, (from) => js(start + from, end))) js(start, end);
      });
  };

  const adam: AdamRunner = (p, d, m, v, po, mo, vo, size, rate, epsHat, beta1, beta2) => {
    const f64 = p instanceof Float64Array;
    const js = (start: number, end: number): void => adamRange(p, d, m, v, po, mo, vo, start, end, rate, epsHat, beta1, beta2);
    shareElementwise(size, f64, [p, d, m, v], [po, mo, vo], JOB_KIND_ADAM,
      ([pAt, dAt, mAt, vAt], [poAt, moAt, voAt], count) => [f64 ? 1 : 0, pAt, dAt, mAt, vAt, poAt, moAt, voAt, count, rate, epsHat, beta1, beta2],
      (start, end) => {
        const at = addresses([p, d, m, v, po, mo, vo], start);
        if (at === undefined) js(start, end);
        else adamSimd(exports, f64, at[0], at[1], at[2], at[3], at[4], at[5], at[6], end - start, rate, epsHat, beta1, beta2, (from) => js(start + from, end));
      });
  };

  /**
   * A spline pass on arrays in the arena: the knots transposed into a scratch block ([3][K+1][dim],
   * the kernels' layout), the vectors of units split between the threads (each thread runs its
   * units down every row, so each unit's knot gradient has one writer and needs no reduction),
   * units the vectors leave (dim mod lanes) in JavaScript. False (JavaScript runs it all) for the
   * inverse and the input gradient alone, arrays outside the arena, or fewer units than lanes.
   */
  const spline: SplineRunner = (pass, x, knots, back, out, p) => {
    const code = pass === 'value' ? 0 : pass === 'log-derivative' ? 1 : pass === 'backward' ? 2 : pass === 'knot-gradient' ? 3 : -1;
    const f64 = x instanceof Float64Array;
    const es = f64 ? 8 : 4;
    const lanes = 16 / es;
    const { rows, dim, bins: K, bound } = p;
    const dimV = dim - (dim % lanes);
    if (code < 0 || dimV === 0 || !arena.owns(x) || !arena.owns(out) || (back !== null && !arena.owns(back))) return false;
    const gradient = code >= 2;
    const vectors = dimV / lanes;
    const parts = rows * dim >= MIN_ELEMENTWISE && broken === undefined ? Math.min(threads, vectors) : 1;
    const S = dim * (K + 1);
    const outAt = code === 3 ? 0 : rows * dim; // where the knot gradient starts in `out`
    const scratch = arena.allocBytes(3 * S * es);
    if (scratch === undefined) return false;
    const kinds = [knots.xs, knots.ys, knots.ds];
    if (kinds.every((kind) => arena.owns(kind) && kind instanceof Float64Array === f64)) {
      const layout = f64 ? exports.f64_spline_knot_layout : exports.f32_spline_knot_layout;
      kinds.forEach((kind, q) => layout(kind.byteOffset, scratch + q * S * es, dim, K + 1));
    } else {
      const view = f64 ? new Float64Array(arena.buffer()) : new Float32Array(arena.buffer());
      const knotsAt = scratch / es;
      for (let q = 0; q < 3; q++) {
        const kind = kinds[q];
        for (let m = 0; m <= K; m++) {
          const to = knotsAt + (q * (K + 1) + m) * dim; // writes run along the row, reads stride K+1
          for (let j = 0; j < dim; j++) view[to + j] = kind[j * (K + 1) + m];
        }
      }
    }
    if (gradient) out.fill(0, outAt, outAt + 3 * S); // the kernels and the JavaScript units add into it
    // part p: units [first(p), first(p + 1)), whole vectors, every row
    const first = (part: number): number => Math.round((vectors * part) / parts) * lanes;
    const at = (a: TypedArray | null, unit: number): number => (a === null ? 0 : a.byteOffset + unit * es);
    const job = (part: number): number[] => {
      const u = first(part);
      return [code, f64 ? 1 : 0, at(x, u), at(back, u), at(out, u), scratch + u * es,
        gradient ? out.byteOffset + (outAt + u * (K + 1)) * es : 0, rows, dim, first(part + 1) - u, K, bound];
    };
    const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
    if (parts > 1) {
      workers ??= startPool();
      Atomics.store(ctrl, CTRL_DONE, 0);
      for (let part = 1; part < parts; part++) {
        Atomics.store(ctrl, CTRL_STATUS + part - 1, 0);
        writeWords(memory, part - 1, JOB_KIND_SPLINE, job(part));
        Atomics.add(ctrl, CTRL_SEQ + part - 1, 1);
        Atomics.notify(ctrl, CTRL_SEQ + part - 1);
      }
    }
    const [c0, f, xa, ba, oa, ka, ga, r, d, dv, bins, bd] = job(0);
    splineSimd(exports, f === 1, c0, xa, ba, oa, ka, ga, r, d, dv, bins, bd);
    // (on a lost worker this throws and the scratch block is not reused: a late worker might write into it)
    if (parts > 1) waitForWorkers(ctrl, parts, `spline pass of ${rows}×${dim} elements`, rows * dim * 1e-3);
    if (dimV < dim) splineRange(pass, x, knots, back, out, p, 0, rows, dimV, dim, outAt);
    arena.release(scratch);
    return true;
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
  const alloc = (dtype: DType, size: number): TypedArray | undefined => arena.alloc(dtype, size);
  /** Σ x in float64 by the SIMD kernel, for an array in the arena; undefined for others. */
  const sumAll = (x: TypedArray): number | undefined => {
    if (!arena.owns(x)) return undefined;
    const lanes = 16 / x.BYTES_PER_ELEMENT;
    const vectors = Math.floor(x.length / lanes);
    let total = (x instanceof Float64Array ? exports.f64_sum : exports.f32_sum)(x.byteOffset, vectors);
    for (let i = vectors * lanes; i < x.length; i++) total += x[i];
    return total;
  };
  /** The map through a scratch block of the arena (two copies of 8·n bytes); false when the arena is full. */
  const mapF64: VectorMap = (map, values) => {
    const vectors = values.length >> 1;
    if (vectors === 0) return false;
    const at = arena.allocBytes(vectors * 16);
    if (at === undefined) return false;
    const view = new Float64Array(arena.buffer(), at, vectors * 2);
    view.set(values.subarray(0, vectors * 2));
    (map === 'exp' ? exports.f64_map_exp : map === 'softplus' ? exports.f64_map_softplus : exports.f64_map_sigmoid)(at, at, vectors);
    values.set(view);
    arena.release(at);
    if (values.length > vectors * 2) values[vectors * 2] = SCALAR_MAPS[map](values[vectors * 2]);
    return true;
  };
  /**
   * The knot kernels over every unit, split between the threads from MIN_KNOT_UNITS units on
   * (blocks of units claimed from a shared counter: each thread reads and writes its own units
   * only, with a scratch of its own); arrays outside the arena (the pool keeps arrays under 1024
   * elements, a D = 100 layer's logits, outside it) go through copies in the scratch block.
   * False for mixed dtypes or a full arena.
   */
  const knots: KnotRunner = (pass, uw, uh, ud, g, p, outs) => {
    const { dim, bins: K, bound, minBin, minDerivative, scale } = p;
    const f64 = uw instanceof Float64Array;
    const es = f64 ? 8 : 4;
    const backward = pass === 'knots-backward';
    if (backward && g === null) throw new Error("splineKnots: the 'knots-backward' pass needs the knot gradient");
    const ins = !backward || g === null ? [uw, uh, ud] : [uw, uh, ud, g];
    if (dim < 1 || K < 1 || ![...ins, ...outs].every((a) => a instanceof Float64Array === f64)) return false;
    const parts = dim >= MIN_KNOT_UNITS && broken === undefined ? threads : 1;
    const pairScratch = Math.ceil((32 * K) / 64) * 64;
    const rounded = (a: TypedArray): number => Math.ceil((a.length * es) / 64) * 64;
    const bytes = [...ins, ...outs].reduce((sum, a) => sum + (arena.owns(a) ? 0 : rounded(a)), parts * pairScratch);
    const scratch = arena.allocBytes(bytes);
    if (scratch === undefined) return false;
    const view = f64 ? new Float64Array(arena.buffer()) : new Float32Array(arena.buffer());
    let next = scratch + parts * pairScratch;
    const addressOf = (a: TypedArray, copyIn: boolean): number => {
      if (arena.owns(a)) return a.byteOffset;
      const at = next;
      next += rounded(a);
      if (copyIn) view.set(a, at / es);
      return at;
    };
    const [w, h, d, gAt = 0] = ins.map((a) => addressOf(a, true));
    const [o0, o1, o2] = outs.map((a) => addressOf(a, false));
    const c = 2 * bound * (1 - K * minBin);
    const S = dim * (K + 1);
    const extra = backward ? [gAt, gAt + S * es, gAt + 2 * S * es, scale * c, scale] : [c, 2 * bound * minBin, bound, minDerivative];
    const chunks = parts > 1 ? KNOT_CHUNKS_PER_THREAD * parts : 1;
    const ctrl = new Int32Array(memory.buffer, 0, CTRL_BYTES / 4);
    Atomics.store(ctrl, CTRL_NEXT_CHUNK, 0);
    if (parts > 1) {
      workers ??= startPool();
      Atomics.store(ctrl, CTRL_DONE, 0);
      for (let part = 1; part < parts; part++) {
        Atomics.store(ctrl, CTRL_STATUS + part - 1, 0);
        writeWords(memory, part - 1, JOB_KIND_KNOTS, [backward ? 1 : 0, f64 ? 1 : 0, w, h, d, o0, o1, o2, scratch + part * pairScratch, dim, K, chunks, ...extra]);
        Atomics.add(ctrl, CTRL_SEQ + part - 1, 1);
        Atomics.notify(ctrl, CTRL_SEQ + part - 1);
      }
    }
    runKnotChunks(exports, f64, backward, w, h, d, o0, o1, o2, scratch, dim, K, chunks, extra, ctrl, CTRL_NEXT_CHUNK);
    // (on a lost worker this throws and the scratch block is not reused: a late worker might write into it)
    if (parts > 1) waitForWorkers(ctrl, parts, `spline knot pass of ${dim} units`, dim * 1e-2);
    [o0, o1, o2].forEach((at, q) => {
      const o = outs[q];
      if (!arena.owns(o)) o.set(view.subarray(at / es, at / es + o.length));
    });
    arena.release(scratch);
    return true;
  };
  const binary: BinaryRunner = (op, a, b, out, size) => {
    const f64 = a instanceof Float64Array;
    if (![a, b, out].every((x) => arena.owns(x) && x instanceof Float64Array === f64)) return false;
    const lanes = f64 ? 2 : 4;
    const vectors = Math.floor(size / lanes);
    const kernel = op === 'add' ? (f64 ? exports.f64_add : exports.f32_add) : (f64 ? exports.f64_mul : exports.f32_mul);
    kernel(a.byteOffset, b.byteOffset, out.byteOffset, vectors);
    for (let i = vectors * lanes; i < size; i++) out[i] = op === 'add' ? a[i] + b[i] : a[i] * b[i];
    return true;
  };
  const columnSums: ColumnSumsRunner = (x, rows, cols) => {
    if (!arena.owns(x)) return undefined;
    const f64 = x instanceof Float64Array;
    const lanes = f64 ? 2 : 4;
    const vectors = Math.floor(cols / lanes);
    const at = arena.allocBytes(cols * 8);
    if (at === undefined) return undefined;
    const acc = new Float64Array(arena.buffer(), at, cols).fill(0);
    (f64 ? exports.f64_column_sums : exports.f32_column_sums)(x.byteOffset, at, rows, vectors, cols * x.BYTES_PER_ELEMENT);
    // the columns the vectors leave, in the same order (row after row)
    for (let r = 0; r < rows; r++) for (let j = vectors * lanes; j < cols; j++) acc[j] += x[r * cols + j];
    const out = acc.slice();
    arena.release(at);
    return out;
  };
  return { gemm, pointwise, adam, spline, alloc, sumAll, mapF64, knots, binary, columnSums, threads, minFlops, close, arena };
}
