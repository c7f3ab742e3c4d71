// Maximum-likelihood training: shuffled mini-batches (the order of epoch e depends only on the
// seed and e, so a resumed run sees the same batches), a gradient method's direction fed to SGD or
// Adam (optionally clipped to a global norm, with weight decay), a learning-rate schedule stepped
// once per epoch, exact validation loss every epoch, early stopping with patience that restores the
// best validation parameters (the starting point, epoch 0, among the candidates), and a clean stop on a non-finite update that keeps the last good
// state. A flow built from a layer stack starts at the Gaussian fitted to the training rows
// (init-data.ts) unless told otherwise. Schedule and optimiser state are in every checkpoint, so a
// resumed run continues bit for bit. The loop yields to the event loop between batches (so timers
// and a page keep running; cooperate.ts) and stops at a batch boundary when its AbortSignal fires.
// A conditional flow trains on `{ x, context }` per split: each batch takes the same rows of both.

import { Rng } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import { Tensor } from '../engine/tensor.js';
import type { Checkpoint, HostParams, TrainingState } from './checkpoint.js';
import { assertSeed } from '../engine/seed.js';
import { assertResumable, type DatasetRecord, type RunRecord } from './run-record.js';
import { assertFittable } from './data/fit-checks.js';
import { evaluatePaced } from './evaluate.js';
import { assertFinite, rowsToTensor, toHostMatrix, type DataInput, type HostMatrix } from './matrix.js';
import { GRADIENT_METHODS, type Flow, type GradientMethod } from './model.js';
import { makeOptimizer, type OptimizerName } from './optim.js';
import { initializeFromData } from './init-data.js';
import { makeSchedule, scheduleKey, type ScheduleOptions } from './epoch-schedule.js';
import { assertKnownKeys, type KeyTable } from './option-keys.js';
import { createPacer } from './cooperate.js';
import { checkContext, hostRows, isConditionalData, type ConditionalData } from './context.js';

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

/**
 * The loop hands the thread back once this much compute has passed (checked between batches, so
 * the longest stretch is this plus one batch or one epoch-end evaluation).
 */
const YIELD_EVERY_MS = 10;

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

/** Checkpoints need node:fs; loaded on first use so that training also runs in a browser bundle. */
const CHECKPOINT_MODULE = './checkpoint.js';
async function saveCheckpoint(path: string, ck: Checkpoint, flow: Flow): Promise<void> {
  const mod = (await import(CHECKPOINT_MODULE)) as typeof import('./checkpoint.js');
  await mod.saveCheckpoint(path, ck, { layers: flow.userLayerTypes });
}

/** A positive integer recorded in a checkpoint's options, else undefined. */
const recordedCount = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

const asHost = (d: DataInput): HostMatrix => (d instanceof Tensor ? toHostMatrix(d) : d);

/** A split's rows and, for a conditional flow, its context rows (checked against the flow: context.ts). */
function splitOf(flow: Flow, name: string, d: DataInput | ConditionalData): { x: HostMatrix; context: HostMatrix | undefined } {
  if (!isConditionalData(d)) return { x: asHost(d), context: checkContext(`train: ${name}`, undefined, flow.contextDim, 0) };
  const x = hostRows(`train: ${name} x`, d.x);
  return { x, context: checkContext(`train: ${name}`, hostRows(`train: ${name} context`, d.context), flow.contextDim, x.rows) };
}

function checkOptions(o: Required<Omit<TrainOptions, 'checkpointPath' | 'resume' | 'onProgress' | 'dataset' | 'onNotice' | 'init' | 'schedule' | 'clipNorm' | 'weightDecay' | 'signal'>>): void {
  const positiveInt = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`train: ${name} must be a positive integer, got ${typeof v === 'string' ? `'${v}'` : v}`);
  };
  positiveInt('epochs', o.epochs);
  positiveInt('batchSize', o.batchSize);
  positiveInt('patience', o.patience);
  positiveInt('trainLossSamples', o.trainLossSamples);
  assertSeed('train', o.seed);
  if (typeof o.lr !== 'number' || !(o.lr > 0) || !Number.isFinite(o.lr)) throw new Error(`train: the learning rate must be a positive number, got ${String(o.lr)}`);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw new Error(`train: unknown optimizer '${String(o.optimizer)}'; expected adam or sgd`);
  if (!GRADIENT_METHODS.includes(o.method)) throw new Error(`train: unknown method '${o.method}'; expected one of ${GRADIENT_METHODS.join(', ')}`);
}

/**
 * Trains the flow by maximum likelihood on [N, D] rows: shuffled mini-batches, a gradient method's direction fed to SGD or
 * Adam, a per-epoch schedule, validation loss, early stopping and checkpoints (bit-exact resume); yields to the event loop.
 */
export async function train(flow: Flow, data: TrainData, options: TrainOptions = {}): Promise<TrainResult> {
  assertKnownKeys('train', options, TRAIN_OPTION_KEYS);
  const signal = options.signal;
  if (signal !== undefined && typeof (signal as { aborted?: unknown } | null)?.aborted !== 'boolean') {
    throw new Error(`train: signal must be an AbortSignal (from an AbortController), got ${String(signal)}`);
  }
  // a resumed run takes the checkpoint's length and patience unless told otherwise
  const recorded = options.resume?.training?.options;
  const o = {
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
  const schedule = makeSchedule(options.schedule ?? { kind: 'constant' }, o.lr, o.epochs);
  const { x: trainSet, context: trainContext } = splitOf(flow, 'training data', data.train);
  const validationSplit = data.validation === undefined ? undefined : splitOf(flow, 'validation data', data.validation);
  const validation = validationSplit?.x;
  const validationContext = validationSplit?.context;
  for (const [name, m] of [['training data', trainSet], ['validation data', validation]] as const) {
    if (m === undefined) continue;
    if (m.cols !== flow.dim) throw new Error(`train: ${name} has ${m.cols} columns, the flow has dim ${flow.dim}`);
    assertFinite(`train: ${name}`, m);
  }
  if (trainSet.rows === 0) throw new Error('train: the training data is empty (0 rows)');
  assertFittable('train: training data', trainSet);
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
    optimizer: {
      name: o.optimizer,
      lr: o.lr,
      batchSize: o.batchSize,
      method: o.method,
      seed: o.seed,
      schedule: scheduleKey(options.schedule),
      clipNorm,
      weightDecay,
    },
  };
  if (options.resume !== undefined) {
    if (options.resume.training === undefined) {
      throw new Error('train: the resume checkpoint holds no training state (a saved model, not a training checkpoint)');
    }
    const dataset = { ...options.dataset, rows: { test: options.dataset?.rows?.test ?? null, train: trainSet.rows, validation: validation?.rows ?? 0 }, cols: trainSet.cols };
    assertResumable('train', options.resume, { config: flow.config, dataset, optimizer: run.optimizer ?? undefined }, options.onNotice ?? console.warn);
  }
  const trainSubset: HostMatrix = {
    data: trainSet.data.subarray(0, Math.min(trainSet.rows, o.trainLossSamples) * trainSet.cols),
    rows: Math.min(trainSet.rows, o.trainLossSamples),
    cols: trainSet.cols,
  };
  const trainSubsetContext: HostMatrix | undefined = trainContext && {
    data: trainContext.data.subarray(0, trainSubset.rows * trainContext.cols),
    rows: trainSubset.rows,
    cols: trainContext.cols,
  };

  const optimizer = makeOptimizer({ name: o.optimizer, lr: o.lr, weightDecay });
  let epoch = 0;
  let best: TrainingState['best'] = null;
  let badEpochs = 0;
  let history: EpochRecord[] = [];
  if (options.resume?.training) {
    const t = options.resume.training;
    flow.paramsFromHost(options.resume.params);
    optimizer.load(t.optimizer, flow.layerParams.flat());
    if (t.schedule !== undefined) {
      schedule.load(t.schedule);
      // cosine spans the run's epochs: another count moves the rate at once (lr_t depends on t/T)
      if (t.schedule.kind === 'cosine' && recordedCount(t.options.epochs) !== o.epochs && t.schedule.lr !== schedule.lr) {
        (options.onNotice ?? console.warn)(
          `train: the cosine schedule now spans ${o.epochs} epochs, the checkpoint's ${String(t.options.epochs)}: ` +
            `the learning rate goes from ${t.schedule.lr.toPrecision(3)} to ${schedule.lr.toPrecision(3)}`,
        );
      }
    }
    epoch = t.epoch;
    best = t.best;
    badEpochs = t.badEpochs;
    history = t.history as EpochRecord[];
  }
  if (options.resume === undefined && init === 'gaussian') initializeFromData(flow, trainSet, trainContext);
  if (options.resume === undefined) {
    // the starting point (epoch 0: the fitted Gaussian for a layer stack) is a candidate for the
    // best, so a run never ends worse on the watched loss than where it began; one evaluation
    const start = -(await (validation === undefined
      ? evaluatePaced(flow, trainSubset, o.batchSize, pace, trainSubsetContext)
      : evaluatePaced(flow, validation, o.batchSize, pace, validationContext))).mean;
    if (Number.isFinite(start)) best = { epoch: 0, validationLoss: start, params: flow.paramsToHost() };
  }
  await pace();
  const started = performance.now();
  let lastGood: { params: HostParams; optimizer: ReturnType<typeof optimizer.state>; schedule: ReturnType<typeof schedule.state> } = {
    params: flow.paramsToHost(),
    optimizer: optimizer.state(),
    schedule: schedule.state(),
  };
  const snapshot = (): Checkpoint => ({
    config: flow.config,
    params: lastGood.params,
    training: {
      epoch,
      optimizer: lastGood.optimizer,
      schedule: lastGood.schedule,
      best,
      badEpochs,
      history,
      options: { ...o, schedule: options.schedule ?? { kind: 'constant' }, clipNorm, weightDecay, init },
    },
    meta: { run },
  });
  const finish = async (status: TrainResult['status'], ending: string): Promise<TrainResult> => {
    if (best !== null && status !== 'diverged') flow.paramsFromHost(best.params);
    else if (status === 'aborted') flow.paramsFromHost(lastGood.params);
    const kept = best?.epoch === 0 && epoch > 0 && status !== 'diverged';
    const message = kept ? `${ending}: no epoch improved on the starting point${init === 'gaussian' ? ' (the Gaussian fitted to the training rows)' : ''}, which the flow keeps` : ending;
    optimizer.dispose();
    return {
      status,
      epochs: epoch,
      bestEpoch: best?.epoch ?? null,
      bestValidationLoss: best?.validationLoss ?? null,
      history,
      message,
      seconds: (performance.now() - started) / 1000,
    };
  };

  const batches = Math.ceil(trainSet.rows / o.batchSize);
  while (epoch < o.epochs) {
    const epochStart = performance.now();
    const lr = schedule.lr;
    optimizer.setLr(lr);
    const order = new Rng(o.seed * 1_000_003 + epoch).permutation(trainSet.rows);
    for (let k = 0; k < batches; k++) {
      await pace();
      if (signal?.aborted) {
        if (options.checkpointPath) await saveCheckpoint(options.checkpointPath, snapshot(), flow);
        const restored = best !== null && best.epoch > 0 ? `the best epoch's (${best.epoch})` : epoch > 0 && best === null ? `those of the end of epoch ${epoch}` : 'the initial ones';
        return finish('aborted', `training aborted before epoch ${epoch + 1}, batch ${k + 1}; parameters restored to ${restored}` +
          `${options.checkpointPath ? ` (checkpoint ${options.checkpointPath}, end of epoch ${epoch})` : ''}`);
      }
      const start = k * o.batchSize;
      const end = Math.min(trainSet.rows, start + o.batchSize);
      const finite = tidy(() => {
        const x = rowsToTensor(trainSet, order, start, end, flow.dtype, flow.backend);
        const context = trainContext && rowsToTensor(trainContext, order, start, end, flow.dtype, flow.backend); // the same rows
        const current = flow.layerParams;
        let directions = flow.gradient(x, o.method, context === undefined ? {} : { context }).layers.flat();
        if (clipNorm !== null) directions = clipToNorm(directions, clipNorm);
        const next = optimizer.step(current.flat(), directions);
        // one scalar read-back: the sum of every new parameter is finite iff the update was
        let total = ops.sum(next[0]);
        for (let i = 1; i < next.length; i++) total = ops.add(total, ops.sum(next[i]));
        const ok = Number.isFinite(total.item());
        if (ok) {
          let at = 0;
          flow.replaceLayerParams(current.map((list) => next.slice(at, (at += list.length))));
        }
        return ok;
      });
      if (!finite) {
        flow.paramsFromHost(lastGood.params);
        if (options.checkpointPath) await saveCheckpoint(options.checkpointPath, snapshot(), flow);
        return finish(
          'diverged',
          `training diverged in epoch ${epoch + 1}, batch ${k + 1}: the update was not finite; ` +
            `parameters restored to the end of epoch ${epoch}${options.checkpointPath ? ` (checkpoint ${options.checkpointPath})` : ''}`,
        );
      }
      options.onProgress?.({ kind: 'batch', epoch: epoch + 1, epochs: o.epochs, batch: k + 1, batches, elapsed: (performance.now() - started) / 1000 });
    }
    epoch++;
    // exact losses, a training batch of rows at a time with a chance to yield after each
    await pace();
    const trainLoss = -(await evaluatePaced(flow, trainSubset, o.batchSize, pace, trainSubsetContext)).mean;
    const validationLoss = validation === undefined ? null : -(await evaluatePaced(flow, validation, o.batchSize, pace, validationContext)).mean;
    const watched = validationLoss ?? trainLoss;
    if (!Number.isFinite(watched)) {
      flow.paramsFromHost(lastGood.params);
      epoch--;
      if (options.checkpointPath) await saveCheckpoint(options.checkpointPath, snapshot(), flow);
      return finish('diverged', `training diverged in epoch ${epoch + 1}: the loss is ${watched}; parameters restored to the end of epoch ${epoch}`);
    }
    const improved = best === null || watched < best.validationLoss;
    if (improved) {
      best = { epoch, validationLoss: watched, params: flow.paramsToHost() };
      badEpochs = 0;
    } else {
      badEpochs++;
    }
    const record: EpochRecord = { epoch, trainLoss, validationLoss, seconds: (performance.now() - epochStart) / 1000, improved, lr };
    history.push(record);
    schedule.next(watched);
    lastGood = { params: flow.paramsToHost(), optimizer: optimizer.state(), schedule: schedule.state() };
    if (options.checkpointPath) await saveCheckpoint(options.checkpointPath, snapshot(), flow);
    options.onProgress?.({ kind: 'epoch', epoch, epochs: o.epochs, record });
    if (badEpochs >= o.patience) {
      return finish('early-stopped', `early stopping after epoch ${epoch}: no better ${validation ? 'validation' : 'training'} loss for ${o.patience} epochs; best epoch ${best?.epoch}`);
    }
  }
  return finish('completed', `completed ${epoch} epochs; best epoch ${best?.epoch}`);
}


/** Scales every direction by min(1, c/‖d‖), ‖d‖ the L2 norm over all of them (one read-back). */
function clipToNorm(directions: Tensor[], c: number): Tensor[] {
  let squares = ops.sum(ops.square(directions[0]));
  for (let i = 1; i < directions.length; i++) squares = ops.add(squares, ops.sum(ops.square(directions[i])));
  const norm = Math.sqrt(squares.item());
  if (!(norm > c)) return directions;
  return directions.map((d) => ops.mul(d, c / norm));
}
