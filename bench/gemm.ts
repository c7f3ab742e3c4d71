// GEMM throughput, GFLOP/s of (100×D)·(D×D) = 2·100·D² flops, for every CPU tier of this project
// and its peers: ml-matrix mmul (f64), the plain TypeScript tier, WebAssembly SIMD on 1 and on 2
// threads, tfjs-backend-wasm (SIMD, f32) and tfjs-backend-cpu (f32). Timer: a median of several
// runs after one warm-up (not the `benchmark` package: its adaptive cycles take minutes at these
// sizes and it cannot skip a peer that is too slow). Every call is synchronous or read back with
// dataSync, so the clock stops after the result exists. Weights are fixed across runs (tfjs-wasm's
// best case; it re-packs when they change). Writes gemm.json in bench/results/quick/ (--full: the
// committed bench/results/; --out DIR), with the command, commit and machine.
// Usage: npx tsc -p tsconfig.json && node dist/bench/gemm.js [--quick | --crossover] [--full | --out DIR]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { parseOrExit, type FlagSpec } from '../flow/cli/args.js';
import { chooseOutput, OUTPUT_FLAGS, provenance, useOutput } from './lib/output.js';
import { resultsDir } from './lib/report.js';
import { Matrix } from 'ml-matrix';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { gemmJs, type Gemm } from '../backends/cpu/gemm.js';
import { createThreadedRuntime } from '../backends/cpu/threads/index.js';
import { createWasmGemm } from '../backends/cpu/wasm/index.js';

const FLAGS: Record<string, FlagSpec> = {
  quick: { type: 'boolean', help: 'D up to 2048 and fewer runs', default: false },
  crossover: { type: 'boolean', help: 'only the table of where 2 threads start to beat 1', default: false },
  ...OUTPUT_FLAGS,
};
const { flags } = parseOrExit({ name: 'bench/gemm', helpHint: 'node dist/bench/gemm.js --help' }, process.argv.slice(2), FLAGS,
  'GFLOP/s of (100×D)·(D×D) for every CPU tier of relgrad and its peers (ml-matrix, tfjs wasm and cpu); writes gemm.json.', 'node dist/bench/gemm.js [flags]');
const quick = flags.quick === true;
useOutput(chooseOutput({ full: flags.full === true, quick, out: flags.out as string | undefined }, 'bench/gemm'));
const M = 100;
const SIZES = quick ? [256, 1024, 2048] : [256, 1024, 2048, 4096];
const RUNS = quick ? 3 : 7;
/** A run longer than this (estimated from the warm-up) is not repeated more than `SLOW_RUNS` times. */
const SLOW_SECONDS = quick ? 0.5 : 2;
const SLOW_RUNS = 3;

type DTypeName = 'f64' | 'f32';

interface Contender {
  name: string;
  dtype: DTypeName;
  /** Largest D it runs at (slow peers skip the big sizes; the table says so). */
  maxD: number;
  /** Returns a function that computes one product (inputs prepared outside the timed part). */
  prepare: (a: Float64Array | Float32Array, b: Float64Array | Float32Array, d: number) => { run: () => void; dispose: () => void };
}

function random(T: Float64ArrayConstructor | Float32ArrayConstructor, n: number): Float64Array | Float32Array {
  const out = new T(n);
  for (let i = 0; i < n; i++) out[i] = Math.random() * 2 - 1;
  return out;
}

function ourGemm(name: string, dtype: DTypeName, maxD: number, gemm: Gemm): Contender {
  return {
    name, dtype, maxD,
    prepare: (a, b, d) => {
      const c = dtype === 'f64' ? new Float64Array(M * d) : new Float32Array(M * d);
      const run = (): void => gemm({
        transA: false, transB: false, m: M, n: d, k: d, alpha: 1,
        a, aOffset: 0, lda: d, b, bOffset: 0, ldb: d, beta: 0, c, cOffset: 0, ldc: d,
      });
      return { run, dispose: () => {} };
    },
  };
}

function toRows(x: Float64Array | Float32Array, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from(x.subarray(i * cols, (i + 1) * cols)));
}

const mlMatrix: Contender = {
  name: 'ml-matrix', dtype: 'f64', maxD: quick ? 1024 : 2048,
  prepare: (a, b, d) => {
    const A = new Matrix(toRows(a, M, d));
    const B = new Matrix(toRows(b, d, d));
    return { run: () => { A.mmul(B); }, dispose: () => {} };
  },
};

function tfjs(backend: 'wasm' | 'cpu', maxD: number): Contender {
  return {
    name: `tfjs-${backend}`, dtype: 'f32', maxD,
    prepare: (a, b, d) => {
      void tf.setBackend(backend);
      const A = tf.tensor2d(a as Float32Array, [M, d]);
      const B = tf.tensor2d(b as Float32Array, [d, d]);
      const run = (): void => {
        const C = tf.matMul(A, B);
        C.dataSync();
        C.dispose();
      };
      return { run, dispose: () => { A.dispose(); B.dispose(); } };
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function version(pkg: string): string {
  try {
    const require = createRequire(import.meta.url);
    let dir = dirname(require.resolve(pkg));
    for (let i = 0; i < 5; i++, dir = dirname(dir)) {
      try {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg && json.version) return json.version;
      } catch { /* keep walking up */ }
    }
  } catch { /* not installed */ }
  return 'unknown';
}

interface Result {
  name: string;
  dtype: DTypeName;
  d: number;
  flops: number;
  samplesMs: number[];
  medianMs: number;
  gflops: number;
}

/** --crossover: 1 thread vs 2 threads on square products of growing size (sets DEFAULT_MIN_FLOPS). */
function crossover(): void {
  const wasm1 = createWasmGemm();
  const threaded = createThreadedRuntime({ threads: 2, minFlops: 0 });
  if (!wasm1 || !threaded) throw new Error('bench gemm --crossover: needs WebAssembly SIMD and worker_threads');
  console.log('| dtype | m=n=k | flops | 1 thread µs | 2 threads µs | speed-up |');
  console.log('|---|---|---|---|---|---|');
  for (const dtype of ['f64', 'f32'] as const) {
    const T = dtype === 'f64' ? Float64Array : Float32Array;
    for (const s of [16, 24, 32, 48, 64, 96, 128, 192, 256]) {
      const a = random(T, s * s);
      const c = new T(s * s);
      const args = { transA: false, transB: false, m: s, n: s, k: s, alpha: 1, a, aOffset: 0, lda: s, b: a, bOffset: 0, ldb: s, beta: 0, c, cOffset: 0, ldc: s };
      const time = (g: Gemm): number => {
        for (let r = 0; r < 5; r++) g(args);
        const samples: number[] = [];
        for (let r = 0; r < 31; r++) {
          const t0 = performance.now();
          g(args);
          samples.push(performance.now() - t0);
        }
        return median(samples) * 1000;
      };
      const one = time(wasm1);
      const two = time(threaded.gemm);
      console.log(`| ${dtype} | ${s} | ${(2 * s ** 3).toExponential(1)} | ${one.toFixed(1)} | ${two.toFixed(1)} | ${(one / two).toFixed(2)} |`);
    }
  }
  void threaded.close();
}

async function main(): Promise<void> {
  if (flags.crossover === true) {
    crossover();
    return;
  }
  const require = createRequire(import.meta.url);
  setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
  const wasmOk = await tf.setBackend('wasm');
  const tfjsWasmSimd = wasmOk && tf.env().getBool('WASM_HAS_SIMD_SUPPORT') === true;
  await tf.setBackend('cpu');

  const wasm1 = createWasmGemm();
  const threaded = createThreadedRuntime({ threads: 2 });
  const contenders: Contender[] = [mlMatrix, ourGemm('js-tiled', 'f64', quick ? 2048 : 4096, gemmJs)];
  if (wasm1) contenders.push(ourGemm('wasm-simd-1t', 'f64', 4096, wasm1));
  if (threaded) contenders.push(ourGemm('wasm-simd-2t', 'f64', 4096, threaded.gemm));
  contenders.push(ourGemm('js-tiled', 'f32', quick ? 2048 : 4096, gemmJs));
  if (wasm1) contenders.push(ourGemm('wasm-simd-1t', 'f32', 4096, wasm1));
  if (threaded) contenders.push(ourGemm('wasm-simd-2t', 'f32', 4096, threaded.gemm));
  if (wasmOk) contenders.push(tfjs('wasm', 4096));
  contenders.push(tfjs('cpu', quick ? 1024 : 2048));

  const results: Result[] = [];
  const skipped: string[] = [];
  for (const dtype of ['f64', 'f32'] as const) {
    const T = dtype === 'f64' ? Float64Array : Float32Array;
    for (const d of SIZES) {
      const a = random(T, M * d);
      const b = random(T, d * d);
      const flops = 2 * M * d * d;
      for (const c of contenders.filter((x) => x.dtype === dtype)) {
        if (d > c.maxD) {
          skipped.push(`${c.name} ${dtype} D=${d}`);
          continue;
        }
        const { run, dispose } = c.prepare(a, b, d);
        const t0 = performance.now();
        run(); // warm-up (JIT, worker start, tfjs weight upload)
        const warm = (performance.now() - t0) / 1000;
        const runs = warm > SLOW_SECONDS ? Math.min(RUNS, SLOW_RUNS) : RUNS;
        const samplesMs: number[] = [];
        for (let r = 0; r < runs; r++) {
          const s = performance.now();
          run();
          samplesMs.push(performance.now() - s);
        }
        dispose();
        const medianMs = median(samplesMs);
        results.push({ name: c.name, dtype, d, flops, samplesMs, medianMs, gflops: flops / (medianMs * 1e6) });
        process.stderr.write(`${dtype} D=${d} ${c.name}: ${(flops / (medianMs * 1e6)).toFixed(2)} GFLOP/s\n`);
      }
    }
  }
  await threaded?.close();

  // table: one line per (dtype, D, contender), ratios vs ml-matrix (f64) / tfjs-wasm (f32)
  const lines = ['| dtype | D | implementation | median ms | GFLOP/s | × ml-matrix | × tfjs-wasm |', '|---|---|---|---|---|---|---|'];
  for (const r of results) {
    const ref = (name: string): Result | undefined => results.find((x) => x.name === name && x.d === r.d && x.dtype === r.dtype);
    const ml = ref('ml-matrix') ?? results.find((x) => x.name === 'ml-matrix' && x.d === r.d);
    const tw = ref('tfjs-wasm') ?? results.find((x) => x.name === 'tfjs-wasm' && x.d === r.d);
    const ratio = (x: Result | undefined): string => (x ? (r.gflops / x.gflops).toFixed(2) : '—');
    lines.push(`| ${r.dtype} | ${r.d} | ${r.name} | ${r.medianMs.toFixed(1)} | ${r.gflops.toFixed(2)} | ${ratio(ml)} | ${ratio(tw)} |`);
  }
  console.log(lines.join('\n'));
  if (skipped.length) console.log(`skipped (too slow for this mode): ${skipped.join(', ')}`);

  const outDir = resultsDir();
  mkdirSync(outDir, { recursive: true });
  const cpu = cpus();
  const report = {
    benchmark: 'GEMM (100×D)·(D×D), GFLOP/s = 2·100·D² / median time',
    mode: quick ? 'quick' : 'full',
    ...(({ command, commit, dirty }) => ({ command, commit, dirty }))(provenance()),
    timer: 'performance.now median after one warm-up; runs per point: ' + `${RUNS} (${SLOW_RUNS} when one run > ${SLOW_SECONDS} s)`,
    machine: {
      cpu: cpu[0]?.model ?? 'unknown', logicalCores: cpu.length, availableParallelism: availableParallelism(),
      node: process.version, v8: process.versions.v8, platform: `${process.platform} ${process.arch}`,
    },
    versions: {
      'ml-matrix': version('ml-matrix'),
      '@tensorflow/tfjs-core': tf.version_core,
      '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
      '@tensorflow/tfjs-backend-cpu': version('@tensorflow/tfjs-backend-cpu'),
    },
    tfjsWasmSimd,
    notes: [
      'wasm-simd-2t: 2 threads (the caller and one worker) on a shared WebAssembly.Memory',
      'tfjs-wasm: weights fixed across runs (its best case); single-threaded in Node',
      'machine shared with other jobs: numbers are noisy, compare medians of a run',
    ],
    skipped,
    results,
  };
  writeFileSync(join(outDir, 'gemm.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`wrote ${join(outDir, 'gemm.json')}`);
}

await main();
