// Everything a training run checks and records before its first step, in one place: the options
// (each checked once, here, where they enter: epochs, batch size, learning rate, …), the data
// (columns, finiteness, at least one row, a fittable covariance), the run record the checkpoints
// and the saved model carry (flow/run-record.ts), and a resume compared with that record (a changed
// setting is refused naming both values). train() runs it first; `relgrad train` and
// `relgrad experiment` run it before they touch their output folder, then hand the result to
// trainPrepared (flow/train.ts), so nothing is checked or built twice.

import { assertSeed } from '../../engine/seed.js';
import type { Checkpoint, TrainingState } from '../checkpoint.js';
import { checkContext, hostRows, isConditionalData, type ConditionalData } from '../context.js';
import { createPacer } from '../cooperate.js';
import { assertFittable } from '../data/fit-checks.js';
import type { DataInput, HostMatrix } from '../matrix.js';
import { GRADIENT_METHODS, type Flow, type GradientMethod } from '../model.js';
import { assertKnownKeys } from '../option-keys.js';
import type { OptimizerName } from '../optim.js';
import { assertResumable, type RunRecord } from '../run-record.js';
import { scheduleKey, type ScheduleOptions } from '../epoch-schedule.js';
import { TRAIN_OPTION_KEYS, type TrainData, type TrainOptions } from '../train-options.js';

/**
 * The loop hands the thread back once this much compute has passed (checked between batches, so
 * the longest stretch is this plus one batch or one epoch-end evaluation).
 */
const YIELD_EVERY_MS = 10;

/** train()'s numeric and named options with their defaults filled in (all checked). */
export interface ResolvedTrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  method: GradientMethod;
  patience: number;
  seed: number;
  trainLossSamples: number;
}

/** A checked training run, ready for its loop (flow/train.ts trainPrepared). */
export interface PreparedTraining {
  flow: Flow;
  /** the options as given (callbacks, checkpoint path, signal) */
  options: TrainOptions;
  o: ResolvedTrainOptions;
  init: 'gaussian' | 'none';
  schedule: ScheduleOptions;
  clipNorm: number | null;
  weightDecay: number;
  trainSet: HostMatrix;
  trainContext: HostMatrix | undefined;
  validation: HostMatrix | undefined;
  validationContext: HostMatrix | undefined;
  /** what the checkpoints and the saved model record about this run */
  run: RunRecord;
  /** the training state of the resumed checkpoint (its record matches `run`) */
  resume: (Checkpoint & { training: TrainingState }) | undefined;
  notice: (message: string) => void;
  /** hands the thread back between batches (cooperate.ts) */
  pace: () => Promise<void>;
}

/** A positive integer recorded in a checkpoint's options, else undefined. */
export const recordedCount = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

/** A split's rows and, for a conditional flow, its context rows, each checked finite once (context.ts). */
function splitOf(flow: Flow, name: string, d: DataInput | ConditionalData): { x: HostMatrix; context: HostMatrix | undefined } {
  if (!isConditionalData(d)) return { x: hostRows(`train: ${name}`, d), context: checkContext(`train: ${name}`, undefined, flow.contextDim, 0) };
  const x = hostRows(`train: ${name} x`, d.x);
  return { x, context: checkContext(`train: ${name}`, d.context, flow.contextDim, x.rows) };
}

function checkOptions(o: ResolvedTrainOptions): void {
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`train: ${name} must be a positive integer, got ${typeof v === 'string' ? `'${v}'` : v}`);
  };
  positiveInt('epochs', o.epochs);
  positiveInt('batchSize', o.batchSize);
  positiveInt('patience', o.patience);
  positiveInt('trainLossSamples', o.trainLossSamples);
  assertSeed('train', o.seed);
  // the one learning-rate check of a training run (the optimiser and the schedule trust it)
  if (typeof o.lr !== 'number' || !(o.lr > 0) || !Number.isFinite(o.lr)) throw new Error(`train: the learning rate must be a positive number, got ${String(o.lr)}`);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw new Error(`train: unknown optimizer '${String(o.optimizer)}'; expected adam or sgd`);
  if (!GRADIENT_METHODS.includes(o.method)) throw new Error(`train: unknown method '${o.method}'; expected one of ${GRADIENT_METHODS.join(', ')}`);
}

/** Checks a caller ran on the rows already, so that they are not run twice. */
export interface AlreadyChecked {
  /**
   * assertFittable passed on the training rows or on an affine per-column image of them (the
   * CLI checks before the flow exists, naming the data set): O(N·D²), skipped here
   */
  fittable?: boolean;
}

/**
 * Checks train()'s options and data, builds the run record and compares a resumed checkpoint with
 * it (throws naming every field that differs, both values); changes nothing, writes nothing.
 */
export async function prepareTraining(flow: Flow, data: TrainData, options: TrainOptions = {}, checked: AlreadyChecked = {}): Promise<PreparedTraining> {
  assertKnownKeys('train', options, TRAIN_OPTION_KEYS);
  const signal = options.signal;
  if (signal !== undefined && typeof (signal as { aborted?: unknown } | null)?.aborted !== 'boolean') {
    throw new Error(`train: signal must be an AbortSignal (from an AbortController), got ${String(signal)}`);
  }
  // a resumed run takes the checkpoint's length and patience unless told otherwise
  const recorded = options.resume?.training?.options;
  const o: ResolvedTrainOptions = {
    epochs: options.epochs ?? recordedCount(recorded?.epochs) ?? 100,
    batchSize: options.batchSize ?? 100,
    lr: options.lr ?? 1e-3,
    optimizer: options.optimizer ?? 'adam',
    method: options.method ?? 'relative',
    patience: options.patience ?? recordedCount(recorded?.patience) ?? 30,
    seed: options.seed ?? 0,
    trainLossSamples: options.trainLossSamples ?? 2000,
  };
  checkOptions(o);
  const init = options.init ?? (flow.config.stack !== undefined ? 'gaussian' : 'none');
  if (init !== 'gaussian' && init !== 'none') throw new Error(`train: unknown init '${String(init)}'; expected gaussian or none`);
  const clipNorm = options.clipNorm ?? null;
  if (clipNorm !== null && (typeof clipNorm !== 'number' || !(clipNorm > 0) || !Number.isFinite(clipNorm))) {
    throw new Error(`train: clipNorm must be a positive number, got ${String(clipNorm)}`);
  }
  const weightDecay = options.weightDecay ?? 0;
  if (typeof weightDecay !== 'number' || !(weightDecay >= 0) || !Number.isFinite(weightDecay)) {
    throw new Error(`train: weightDecay must be a non-negative number, got ${String(weightDecay)}`);
  }
  const { pace } = createPacer(YIELD_EVERY_MS);
  const { x: trainSet, context: trainContext } = splitOf(flow, 'training data', data.train);
  const validationSplit = data.validation === undefined ? undefined : splitOf(flow, 'validation data', data.validation);
  const validation = validationSplit?.x;
  for (const [name, m] of [['training data', trainSet], ['validation data', validation]] as const) {
    if (m !== undefined && m.cols !== flow.dim) throw new Error(`train: ${name} has ${m.cols} columns, the flow has dim ${flow.dim}`);
  }
  if (trainSet.rows === 0) throw new Error('train: the training data is empty (0 rows)');
  if (checked.fittable !== true) assertFittable('train: training data', trainSet);
  await pace();
  if (validation !== undefined && validation.rows === 0) {
    throw new Error('train: the validation data is empty (0 rows): early stopping needs at least 1 row (or leave validation out)');
  }
  const run: RunRecord = {
    dataset: {
      ...options.dataset,
      name: options.dataset?.name ?? null,
      splitSeed: options.dataset?.splitSeed ?? null,
      limit: options.dataset?.limit ?? null,
      rows: { train: trainSet.rows, validation: validation?.rows ?? 0, test: options.dataset?.rows?.test ?? null },
      cols: trainSet.cols,
    },
    optimizer: { name: o.optimizer, lr: o.lr, batchSize: o.batchSize, method: o.method, seed: o.seed, schedule: scheduleKey(options.schedule), clipNorm, weightDecay },
  };
  const notice = options.onNotice ?? console.warn;
  const ck = options.resume;
  if (ck !== undefined && ck.training === undefined) {
    throw new Error('train: the resume checkpoint holds no training state (a saved model, not a training checkpoint)');
  }
  const resume = ck === undefined ? undefined : { ...ck, training: ck.training as TrainingState };
  if (resume !== undefined) {
    // the data as the caller described it (a field left out is not compared), with the sizes seen here
    const dataset = { ...options.dataset, rows: run.dataset?.rows, cols: trainSet.cols };
    assertResumable('train', resume, { config: flow.config, dataset, optimizer: run.optimizer ?? undefined }, notice);
  }
  return {
    flow, options, o, init, schedule: options.schedule ?? { kind: 'constant' }, clipNorm, weightDecay,
    trainSet, trainContext, validation, validationContext: validationSplit?.context, run, resume, notice, pace,
  };
}
