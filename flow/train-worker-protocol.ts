// The messages between trainInWorker (train-in-worker.ts) and its worker (train-worker.ts): the
// flow goes over as config + host parameters, the data as host matrices, the options without
// their callbacks; progress, notices and parameter snapshots come back as they happen.
import type { BackendInfo } from '../engine/backend.js';
import type { BackendName, GpuBackendOptions } from '../index.js';
import type { HostParams } from './checkpoint.js';
import type { ResolvedFlowConfig } from './config.js';
import type { HostMatrix } from './matrix.js';
import type { ProgressEvent, TrainOptions, TrainResult } from './train.js';

/** The options that cross to the worker: everything but the callbacks and the signal. */
export type WorkerTrainOptions = Omit<TrainOptions, 'onProgress' | 'onNotice' | 'signal'>;

/** Main thread → worker. */
export type ToWorker =
  | {
      kind: 'start';
      config: ResolvedFlowConfig;
      params: HostParams;
      data: { train: HostMatrix; validation?: HostMatrix };
      options: WorkerTrainOptions;
      /** post a parameter snapshot after every epoch */
      snapshots: boolean;
      /** setBackend(name, options) in the worker before the flow is rebuilt; absent: its default backend */
      backend?: { name: BackendName; options: GpuBackendOptions };
    }
  | { kind: 'abort' };

/** Worker → main thread. */
export type FromWorker =
  | { kind: 'backend'; info: BackendInfo }
  | { kind: 'progress'; event: ProgressEvent }
  | { kind: 'notice'; message: string }
  | { kind: 'snapshot'; epoch: number; params: HostParams }
  | { kind: 'done'; result: TrainResult; params: HostParams }
  | { kind: 'error'; message: string };
