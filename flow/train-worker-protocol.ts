// The messages between trainInWorker (train-in-worker.ts) and its worker (train-worker.ts): the
// flow goes over as config + host parameters, the data as host matrices, the options without
// their callbacks; progress, notices and parameter snapshots come back as they happen.
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
    }
  | { kind: 'abort' };

/** Worker → main thread. */
export type FromWorker =
  | { kind: 'progress'; event: ProgressEvent }
  | { kind: 'notice'; message: string }
  | { kind: 'snapshot'; epoch: number; params: HostParams }
  | { kind: 'done'; result: TrainResult; params: HostParams }
  | { kind: 'error'; message: string };
