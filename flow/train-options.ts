// The options of train() and what its callbacks receive: one table of option keys (any other key
// is refused, naming the closest), the progress events and the per-epoch record, and the data
// shape it takes. Browser-safe (types and one constant).

import type { Checkpoint } from './checkpoint.js';
import type { ConditionalData } from './context.js';
import type { DataInput } from './matrix.js';
import type { GradientMethod } from './model.js';
import type { OptimizerName } from './optim.js';
import type { KeyTable } from './option-keys.js';
import type { DatasetRecord } from './run-record.js';
import type { ScheduleOptions } from './epoch-schedule.js';

/** Options of `train`: epochs, batch size, learning rate, optimiser, gradient method, patience, schedule, clipping, weight decay, checkpointing, resume, progress and an AbortSignal. */
export interface TrainOptions {
  /** maximum epochs, a resumed run's included (default: the resumed checkpoint's, else 100) */
  epochs?: number;
  batchSize?: number;
  /** default 1e-3 (Adam) */
  lr?: number;
  optimizer?: OptimizerName;
  method?: GradientMethod;
  /** epochs without a better validation loss before stopping (default: the resumed checkpoint's, else 30) */
  patience?: number;
  /** seed of the batch order (default 0) */
  seed?: number;
  /**
   * 'gaussian': set the flow from the training rows before the first step (init-data.ts: the first
   * dense layer whitens, affine layers standardise, the rest start as the identity); 'none': train
   * the flow as given. Default: 'gaussian' for a flow built from a layer stack, 'none' for the
   * paper's model. Ignored on resume (the checkpoint holds the parameters).
   */
  init?: 'gaussian' | 'none';
  /** learning-rate schedule, stepped once per epoch (default constant) */
  schedule?: ScheduleOptions;
  /** clip the update direction to this global L2 norm over all parameters (default: no clipping) */
  clipNorm?: number;
  /** L2 weight decay λ added to the direction, d + λ·θ (default 0) */
  weightDecay?: number;
  /** written atomically at the end of every epoch */
  checkpointPath?: string;
  /**
   * continue a run from its checkpoint (same options give the same parameters); a checkpoint whose
   * model, data sizes or optimiser settings differ from this run's is refused
   */
  resume?: Checkpoint;
  /** what the data is (name, split seed, limit, test rows): recorded in checkpoints, compared on resume */
  dataset?: Partial<DatasetRecord>;
  /** notices (e.g. a resumed checkpoint too old to record everything); default console.warn */
  onNotice?: (message: string) => void;
  /** size of the fixed training subset whose exact loss is reported each epoch (default 2000) */
  trainLossSamples?: number;
  /** called after every batch (`kind: 'batch'`) and after every epoch (`kind: 'epoch'`) */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * stops training at the next batch boundary: the best (else the last good) parameters are
   * restored, the checkpoint (end of the last whole epoch) is written when there is a path, and
   * the result has status 'aborted'
   */
  signal?: AbortSignal;
}

/** Every option train() accepts; any other key is refused, naming the closest of these. */
export const TRAIN_OPTION_KEYS: KeyTable<TrainOptions> = {
  epochs: true, batchSize: true, lr: true, optimizer: true, method: true, patience: true, seed: true, init: true,
  schedule: true, clipNorm: true, weightDecay: true, checkpointPath: true, resume: true, dataset: true,
  onNotice: true, trainLossSamples: true, onProgress: true, signal: true,
};

/** What `onProgress` receives: after each batch (with seconds elapsed) and after each epoch (with its record). */
export type ProgressEvent =
  | { kind: 'batch'; epoch: number; epochs: number; batch: number; batches: number; elapsed: number }
  | { kind: 'epoch'; epoch: number; epochs: number; record: EpochRecord };

/** One epoch of training: losses as −mean log p in nats (training on a fixed subset, validation), wall time in seconds, whether it improved, and its learning rate. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
  seconds: number;
  improved: boolean;
  /** the learning rate this epoch ran with */
  lr?: number;
}

/** How a `train` run ended ('completed', 'early-stopped', 'diverged' or 'aborted'), its best epoch and validation loss (nats), its history and its wall time in seconds. */
export interface TrainResult {
  status: 'completed' | 'early-stopped' | 'diverged' | 'aborted';
  /** epochs completed (including those of a resumed run) */
  epochs: number;
  bestEpoch: number | null;
  bestValidationLoss: number | null;
  history: EpochRecord[];
  message: string;
  seconds: number;
}

/**
 * The rows `train` fits and, optionally, the validation rows that early stopping watches (tensors
 * [N, D] or host matrices); for a conditional flow each split is `{ x, context }` (row n of
 * context belongs to row n of x; tensors, host matrices or nested arrays).
 */
export interface TrainData {
  train: DataInput | ConditionalData;
  validation?: DataInput | ConditionalData;
}
