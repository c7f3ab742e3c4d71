// One benchmark cell (method × D × backend) in a child process of its own (lib/cell-runner.ts; a
// worker thread's port is still served), so the parent can stop it at a time or memory cap. Posts {kind: 'run-start'} before each timed evaluation and the samples at
// the end. The timed call includes reading every result back to the host.

import { parentPort, workerData } from 'node:worker_threads';
import { setBackend, type GpuMode } from '../index.js';
import { randn } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import { Flow, type GradientMethod } from '../flow/model.js';
import { deepStack } from '../flow/layers/specs.js';
import { makeOptimizer } from '../flow/optim.js';
import { countingBackend } from './lib/counting-backend.js';
import { createCpuBackend } from '../backends/cpu/index.js';
import { timeRuns } from './lib/stats.js';
import type { Backend } from '../engine/backend.js';
import type { TypedArray } from '../engine/dtype.js';

export interface CellRequest {
  backend: 'cpu' | 'gpu';
  gpuMode?: string;
  method: GradientMethod;
  task: 'gradient' | 'train-step';
  dim: number;
  batch: number;
  layers: number;
  seed: number;
  budgetSeconds: number;
  maxRuns: number;
  /** the deep model instead of the paper's: deepStack({ depth }) (affine → spline → (dense → spline) × depth) */
  depth?: number;
  /** default: the backend's (cpu float64, gpu float32) */
  dtype?: 'float32' | 'float64';
}

export type CellMessage =
  | { kind: 'run-start'; run: number }
  | { kind: 'done'; samples: number[]; backend: string; implementation: string; allocation: { peakLiveBytes: number; bytesPerRun: number; allocationsPerRun: number } | null; paramBytes: number }
  | { kind: 'error'; message: string };

async function run(req: CellRequest): Promise<CellMessage> {
  let backend: Backend;
  let counting: ReturnType<typeof countingBackend<TypedArray>> | null = null;
  if (req.backend === 'cpu') {
    counting = countingBackend(createCpuBackend({ tier: 'auto' }), (s) => s.byteLength);
    backend = await setBackend(counting.backend as Backend);
  } else {
    backend = await setBackend('gpu', { mode: (req.gpuMode ?? 'headlessgl') as GpuMode });
  }
  // near-identity init: O(D²), so D = 4096 does not spend minutes in Gram–Schmidt before the clock
  const flow = req.depth === undefined
    ? Flow.create({ dim: req.dim, layers: req.layers, seed: req.seed, init: 'near-identity', dtype: req.dtype })
    : Flow.fromLayers(deepStack({ depth: req.depth }).map((s) => (s.type === 'dense' ? { ...s, init: 'near-identity' as const } : s)), { dim: req.dim, seed: req.seed, dtype: req.dtype });
  const x = randn([req.batch, req.dim], { seed: req.seed + 1, dtype: flow.dtype });
  const optimizer = makeOptimizer({ name: 'adam', lr: 1e-4 });
  let runs = 0;
  const once = (): void => {
    post({ kind: 'run-start', run: runs++ });
    tidy(() => {
      const g = flow.gradient(x, req.method);
      if (req.task === 'train-step') {
        // every layer's parameters, as train() steps them
        const P = flow.layerParams;
        const next = optimizer.step(P.flat(), g.layers.flat());
        for (const t of next) t.dataSync();
        let at = 0;
        flow.replaceLayerParams(P.map((list) => next.slice(at, (at += list.length))));
      } else {
        for (const t of g.layers.flat()) t.dataSync();
      }
    });
  };
  // a turn of the event loop after each call, outside the timing, as train() gives one between
  // steps (flow/cooperate.ts): the CPU arena raises its soft limit a turn after reaching it
  // (threads/arena.ts), so a loop that never yields keeps a large model's tensors outside it
  const between = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve); });
  once(); // warm-up (and the first measurement of memory)
  await between();
  // the steady state: a cell's first calls can run slower than the rest (after one warm-up call the
  // deep gradient at D = 784 ran its first 8 timed calls at 1.7-1.8× the later ones, in the cells
  // that ran as worker threads), so warm up for a fifth of the cell's budget, 1 s at most (one call
  // where a call takes longer)
  const warmUntil = performance.now() + 1000 * Math.min(1, req.budgetSeconds / 5);
  while (performance.now() < warmUntil) {
    once();
    await between();
  }
  counting?.reset();
  const samples = await timeRuns(once, { budgetSeconds: req.budgetSeconds, minRuns: 3, maxRuns: req.maxRuns, warmup: 0, between });
  const n = samples.length;
  const bytesPerElement = flow.dtype === 'float64' ? 8 : 4;
  return {
    kind: 'done',
    samples,
    backend: backend.name,
    implementation: backend.describe().implementation,
    allocation: counting
      ? { peakLiveBytes: counting.stats.peakLiveBytes, bytesPerRun: counting.stats.bytes / n, allocationsPerRun: counting.stats.allocations / n }
      : null,
    paramBytes: flow.parameterCount * bytesPerElement,
  };
}

/** Posts to the parent: a worker thread's port, or the IPC channel of a forked child process. */
function post(m: CellMessage): void {
  if (parentPort) parentPort.postMessage(m);
  else process.send?.(m);
}

const request: CellRequest | undefined = parentPort ? (workerData as CellRequest) : process.send ? (JSON.parse(process.argv[2] ?? 'null') as CellRequest) : undefined;
if (request) {
  run(request)
    .then((m) => post(m))
    .catch((err: unknown) => post({ kind: 'error', message: err instanceof Error ? err.message : String(err) }))
    .finally(() => {
      if (!parentPort) process.disconnect?.();
    });
}
