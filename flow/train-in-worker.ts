// trainInWorker: train() off the main thread (worker_threads in Node, a module Web Worker in
// browsers), so a page or a server stays responsive however long a run takes. The flow crosses as
// config + parameters and is rebuilt there on the worker's default backend; progress, notices and
// per-epoch parameter snapshots stream back; the final parameters are written into `flow`, so the
// call reads like `await train(flow, data, options)` and gives the same parameters for the same seed.
import { isConditionalData } from './context.js';
import type { HostParams } from './checkpoint.js';
import type { BackendInfo } from '../engine/backend.js';
import type { BackendName, GpuBackendOptions } from '../index.js';
import { Tensor } from '../engine/tensor.js';
import type { Flow } from './model.js';
import { toHostMatrix, type DataInput, type HostMatrix } from './matrix.js';
import { assertKnownKeys } from './option-keys.js';
import { TRAIN_OPTION_KEYS, type TrainData, type TrainOptions, type TrainResult } from './train.js';
import type { FromWorker, ToWorker } from './train-worker-protocol.js';

/** train()'s options, plus what only a worker run has. */
export interface TrainInWorkerOptions extends TrainOptions {
  /** called after every epoch with a copy of the parameters the worker holds then (not the best so far) */
  onSnapshot?: (snapshot: { epoch: number; params: HostParams }) => void;
  /**
   * the worker script; default train-worker.js beside this module. A browser bundle that does not
   * copy that file gives the URL its bundler made for relgrad/flow/train-worker here.
   */
  workerUrl?: string | URL;
  /**
   * the backend the worker trains on, as setBackend(backend, backendOptions) there (default: the
   * worker's default backend, the CPU); a flow whose dtype it lacks trains in its default dtype
   */
  backend?: BackendName;
  /** setBackend's options for `backend` (e.g. `{ mode: 'webgl2' }` for GPU.js) */
  backendOptions?: GpuBackendOptions;
  /** called once with the worker's backend (what computes there), before the first batch */
  onBackend?: (info: BackendInfo) => void;
}

/** The worker, Node's or the browser's, behind one small interface. */
interface WorkerHandle {
  post: (message: ToWorker) => void;
  terminate: () => void;
}

/** A copy holding only its own rows (a view into a larger buffer would clone all of it). */
function hostCopy(d: DataInput): HostMatrix {
  const m = d instanceof Tensor ? toHostMatrix(d) : d;
  return { data: m.data.slice(), rows: m.rows, cols: m.cols };
}

function defaultWorkerUrl(): URL {
  // run from source (tests) the sibling is .ts, from dist it is .js
  return new URL(import.meta.url.endsWith('.ts') ? './train-worker.ts' : './train-worker.js', import.meta.url);
}

function startWorker(url: string | URL, onMessage: (m: FromWorker) => void, onFailure: (err: Error) => void): WorkerHandle {
  interface NodeWorker {
    postMessage(value: unknown): void;
    on(event: string, listener: (value: unknown) => void): void;
    terminate(): Promise<number>;
  }
  const wt = typeof process !== 'undefined' && typeof process.getBuiltinModule === 'function'
    ? (process.getBuiltinModule('node:worker_threads') as { Worker: new (url: string | URL) => NodeWorker })
    : undefined;
  if (wt !== undefined) {
    const worker = new wt.Worker(url);
    worker.on('message', (m) => onMessage(m as FromWorker));
    worker.on('error', (e) => onFailure(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => onFailure(new Error(`trainInWorker: the worker exited (code ${String(code)}) before training ended`)));
    return { post: (m) => worker.postMessage(m), terminate: () => void worker.terminate() };
  }
  if (typeof Worker !== 'function') throw new Error('trainInWorker: this platform has neither worker_threads nor Web Workers');
  const worker = new Worker(url, { type: 'module' });
  worker.onmessage = (e: MessageEvent) => onMessage(e.data as FromWorker);
  worker.onerror = (e: ErrorEvent) => onFailure(new Error(`trainInWorker: the worker failed: ${e.message || `could not load ${String(url)}`}`));
  return { post: (m) => worker.postMessage(m), terminate: () => worker.terminate() };
}

/**
 * Trains `flow` in a worker with train()'s options and result; its parameters are then those the
 * worker ended with. The worker uses its default backend (the CPU backend unless its global scope
 * sets another) and the flow's dtype. `signal` aborts the run at the worker's next batch boundary.
 */
export async function trainInWorker(flow: Flow, data: TrainData, options: TrainInWorkerOptions = {}): Promise<TrainResult> {
  assertKnownKeys('trainInWorker', options, { ...TRAIN_OPTION_KEYS, onSnapshot: true, workerUrl: true, backend: true, backendOptions: true, onBackend: true });
  const { onProgress, onNotice, onSnapshot, signal, workerUrl, backend, backendOptions, onBackend, ...rest } = options;
  if (backend !== undefined && backend !== 'cpu' && backend !== 'gpu') throw new Error(`trainInWorker: backend must be 'cpu' or 'gpu', got ${JSON.stringify(backend)}`);
  if (backendOptions !== undefined && backend === undefined) throw new Error("trainInWorker: backendOptions needs backend ('cpu' or 'gpu') beside it");
  const { train: trainRows, validation } = data;
  if (isConditionalData(trainRows) || isConditionalData(validation)) throw new Error('trainInWorker: conditional data ({ x, context }) does not train in a worker yet; use train()');
  const start: ToWorker = {
    kind: 'start',
    config: flow.config,
    params: flow.paramsToHost(),
    data: { train: hostCopy(trainRows), ...(validation === undefined ? {} : { validation: hostCopy(validation) }) },
    options: rest,
    snapshots: onSnapshot !== undefined,
    ...(backend === undefined ? {} : { backend: { name: backend, options: backendOptions ?? {} } }),
  };
  return new Promise<TrainResult>((resolve, reject) => {
    let settled = false;
    let worker: WorkerHandle | undefined;
    const onAbort = (): void => worker?.post({ kind: 'abort' });
    const settle = (err: Error | null, result?: TrainResult): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      worker?.terminate();
      if (err !== null) reject(err);
      else resolve(result as TrainResult);
    };
    const onMessage = (m: FromWorker): void => {
      try {
        if (m.kind === 'progress') onProgress?.(m.event);
        else if (m.kind === 'backend') onBackend?.(m.info);
        else if (m.kind === 'notice') (onNotice ?? console.warn)(m.message);
        else if (m.kind === 'snapshot') onSnapshot?.({ epoch: m.epoch, params: m.params });
        else if (m.kind === 'error') settle(new Error(m.message));
        else {
          flow.paramsFromHost(m.params);
          settle(null, m.result);
        }
      } catch (err) {
        // a callback that throws ends the run, as it would in train()
        settle(err instanceof Error ? err : new Error(String(err)));
      }
    };
    try {
      worker = startWorker(workerUrl ?? defaultWorkerUrl(), onMessage, (err) => settle(err));
    } catch (err) {
      settle(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    worker.post(start);
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
  });
}
