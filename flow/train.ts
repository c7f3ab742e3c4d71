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
// Options, data, the run record and a resume are checked first, once, by flow/run/prepare.ts.

import { Rng } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import type { Tensor } from '../engine/tensor.js';
import type { Checkpoint, HostParams, TrainingState } from './checkpoint.js';
import { evaluatePaced } from './evaluate.js';
import { rowsToTensor, type HostMatrix } from './matrix.js';
import type { Flow } from './model.js';
import { makeOptimizer } from './optim.js';
import { initializeFromData } from './init-data.js';
import { makeSchedule } from './epoch-schedule.js';
import { prepareTraining, recordedCount, type PreparedTraining } from './run/prepare.js';
import type { EpochRecord, TrainData, TrainOptions, TrainResult } from './train-options.js';

export { TRAIN_OPTION_KEYS, type TrainOptions, type TrainData, type TrainResult, type EpochRecord, type ProgressEvent } from './train-options.js';

/** Checkpoints need node:fs; loaded on first use so that training also runs in a browser bundle. */
const CHECKPOINT_MODULE = './checkpoint.js';
async function saveCheckpoint(path: string, ck: Checkpoint, flow: Flow): Promise<void> {
  const mod = (await import(CHECKPOINT_MODULE)) as typeof import('./checkpoint.js');
  await mod.saveCheckpoint(path, ck, { layers: flow.userLayerTypes });
}

/**
 * Trains the flow by maximum likelihood on [N, D] rows: shuffled mini-batches, a gradient method's direction fed to SGD or
 * Adam, a per-epoch schedule, validation loss, early stopping and checkpoints (bit-exact resume); yields to the event loop.
 */
export async function train(flow: Flow, data: TrainData, options: TrainOptions = {}): Promise<TrainResult> {
  return trainPrepared(await prepareTraining(flow, data, options));
}

/** The training loop of a run that prepareTraining (flow/run/prepare.ts) checked and recorded. */
export async function trainPrepared(p: PreparedTraining): Promise<TrainResult> {
  const { flow, options, o, init, clipNorm, weightDecay, trainSet, trainContext, validation, validationContext, run, pace } = p;
  const signal = options.signal;
  const schedule = makeSchedule(p.schedule, o.lr, o.epochs);
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
  if (p.resume !== undefined) {
    const t = p.resume.training;
    flow.paramsFromHost(p.resume.params);
    optimizer.load(t.optimizer, flow.layerParams.flat());
    if (t.schedule !== undefined) {
      schedule.load(t.schedule);
      // cosine spans the run's epochs: another count moves the rate at once (lr_t depends on t/T)
      if (t.schedule.kind === 'cosine' && recordedCount(t.options.epochs) !== o.epochs && t.schedule.lr !== schedule.lr) {
        p.notice(
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
  if (p.resume === undefined && init === 'gaussian') initializeFromData(flow, trainSet, trainContext);
  // one host copy of the parameters per improving epoch: the best and the last good state share it
  // (a checkpoint then stores it once: checkpoint.ts)
  const initial = p.resume === undefined ? flow.paramsToHost() : undefined;
  if (initial !== undefined) {
    // the starting point (epoch 0: the fitted Gaussian for a layer stack) is a candidate for the
    // best, so a run never ends worse on the watched loss than where it began; one evaluation
    const start = -(await (validation === undefined
      ? evaluatePaced(flow, trainSubset, o.batchSize, pace, trainSubsetContext)
      : evaluatePaced(flow, validation, o.batchSize, pace, validationContext))).mean;
    if (Number.isFinite(start)) best = { epoch: 0, validationLoss: start, params: initial };
  }
  await pace();
  const started = performance.now();
  let lastGood: { params: HostParams; optimizer: ReturnType<typeof optimizer.state>; schedule: ReturnType<typeof schedule.state> } = {
    params: initial ?? flow.paramsToHost(),
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
      options: { ...o, schedule: p.schedule, clipNorm, weightDecay, init },
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
    const params = flow.paramsToHost();
    if (improved) {
      best = { epoch, validationLoss: watched, params };
      badEpochs = 0;
    } else {
      badEpochs++;
    }
    const record: EpochRecord = { epoch, trainLoss, validationLoss, seconds: (performance.now() - epochStart) / 1000, improved, lr };
    history.push(record);
    schedule.next(watched);
    lastGood = { params, optimizer: optimizer.state(), schedule: schedule.state() };
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
