// `relgrad train`: trains a flow by maximum likelihood in its run folder (runs/<dataset> unless
// --out): checkpoint.json every epoch, log.jsonl, model.json and pictures at the end, the test
// log-likelihood beside the full-covariance Gaussian of the same split; --resume continues a run.

import { fileStem } from '../../experiment.js';
import { appendFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadCheckpoint, removeStaleTemps, type Checkpoint } from '../../checkpoint.js';
import { ACTIVATIONS } from '../../activations.js';
import { BASES } from '../../bases.js';
import { MAX_SEED } from '../../../engine/seed.js';
import { assertCentredEnough, assertFittable, fitStandardization, scaleWarning, standardize, standardizationLogDet } from '../../data/fit-checks.js';
import { evaluate } from '../../evaluate.js';
import { Flow, GRADIENT_METHODS } from '../../model.js';
import { gaussianBaseline } from '../../run/baseline.js';
import { prepareTraining } from '../../run/prepare.js';
import { saveRunModel } from '../../run/save.js';
import { acquireLock } from '../../run-folder.js';
import { recordWritten } from '../../run-files.js';
import { SCHEDULES } from '../../epoch-schedule.js';
import { trainPrepared, type ProgressEvent } from '../../train.js';
import { parseOrAnswer, UsageError, type FlagSpec, type FlagValues } from '../args.js';
import { COMMON_FLAGS, JSON_FLAG, notice, str, useBackend } from '../common.js';
import { CONTEXT_COLUMNS_FLAG, trainConditional } from '../conditional.js';
import { dataIdentity } from '../data-identity.js';
import { DATASET_VALUES, resolveDataset } from '../datasets.js';
import { interruptible } from '../interrupt.js';
import { outputFor, type Output } from '../output.js';
import { writeTrainingPictures } from '../pictures.js';
import { createProgress } from '../progress.js';
import { recipesHelp, withRecipe, type Recipe } from '../recipes.js';
import { makeRunDir } from '../run-dir.js';
import { CENTRE_ADVICE, flowConfigOf, refuseIgnored, runSettings, trainExtras, type RunSettings } from '../settings.js';
import { interruptedTraining, prepareTrainFolder } from '../train-folder.js';
import { trueTestScore } from '../true-score.js';

/** The flags of `relgrad train` (experiment starts from them). */
export const TRAIN_FLAGS: Record<string, FlagSpec> = {
  dataset: { type: 'string', help: 'data set', default: 'moons', placeholder: 'name', values: DATASET_VALUES },
  epochs: { type: 'int', help: 'maximum epochs', default: 50, positive: true },
  'batch-size': { type: 'int', help: 'mini-batch size', default: 100, positive: true },
  lr: { type: 'number', help: 'learning rate', default: 0.01, positive: true },
  optimizer: { type: 'string', help: 'optimiser', default: 'adam', choices: ['adam', 'sgd'] },
  method: { type: 'string', help: 'gradient method', default: 'relative', choices: GRADIENT_METHODS },
  model: { type: 'string', help: "deep: affine → spline → (dense → spline) × depth, started at the Gaussian; paper: the paper's dense layers with a fixed activation", default: 'deep', choices: ['deep', 'paper'] },
  depth: { type: 'int', help: 'dense layers of the deep model', default: 4, positive: true },
  bins: { type: 'int', help: 'spline bins per unit (deep model)', default: 8, min: 2, max: 256 },
  bound: { type: 'number', help: 'splines cover [-bound, bound], identity outside (deep model; 1 to min(2·bins, 50))', default: 4, positive: true },
  layers: { type: 'int', help: 'number of dense layers (paper model)', default: 2, positive: true },
  activation: { type: 'string', help: 'activation (paper model)', default: 'smooth-leaky-relu', choices: ACTIVATIONS },
  alpha: { type: 'number', help: 'smooth-leaky-relu slope (paper model)', default: 0.3, positive: true },
  base: { type: 'string', help: 'base density', default: 'normal', choices: BASES },
  bias: { type: 'boolean', help: 'use biases (paper model)', default: true },
  schedule: { type: 'string', help: 'learning-rate schedule, stepped per epoch (cosine: to lr/100 over the epochs; step: ×0.5 every 10; plateau: ×0.5 after 2 epochs without a better validation loss)', default: 'cosine', choices: SCHEDULES },
  'clip-norm': { type: 'number', help: 'clip the update direction to this global L2 norm (default: no clipping)', positive: true },
  'weight-decay': { type: 'number', help: 'L2 weight decay λ (adam)', default: 0, min: 0 },
  patience: { type: 'int', help: 'early-stopping patience in epochs', default: 30, positive: true },
  seed: { type: 'int', help: 'seed of initialisation, data split and batch order', default: 0, min: 0, max: MAX_SEED },
  limit: { type: 'int', help: 'cap on training rows (a toy set draws this many; default 5000); validation/test rows capped at max(500, limit/5)', positive: true },
  out: { type: 'string', help: 'output folder (default runs/<dataset>; with --resume, the checkpoint\'s folder)', placeholder: 'dir' },
  resume: { type: 'string', help: 'continue from this training checkpoint (flags left out take its settings; flags given must agree)', placeholder: 'file' },
  force: { type: 'boolean', help: 'replace the run already in the output folder', default: false },
  float32: { type: 'boolean', help: 'store parameters as float32 in the final checkpoint', default: false },
  dtype: { type: 'string', help: 'compute dtype (default: the backend\'s, float64 on the cpu)', choices: ['float64', 'float32'] },
  header: { type: 'string', help: 'header row of a CSV data set (auto: detected, pandas\' column names included)', default: 'auto', choices: ['auto', 'yes', 'no'] },
  standardize: { type: 'boolean', help: 'train on (x − mean)/std per column (from the training rows); log-likelihoods are reported in the original units', default: false },
  'context-columns': CONTEXT_COLUMNS_FLAG,
  json: JSON_FLAG,
  ...COMMON_FLAGS,
};


const TRAIN_SUMMARY = 'Trains a flow by maximum likelihood (by default the deep model, started at the Gaussian fitted to the training rows) and writes a checkpoint, a JSONL log and pictures; ' +
  'reports the test log-likelihood next to the full-covariance Gaussian fitted to the same training split.';

/** `relgrad train [flags]`. */
export async function commandTrain(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer('train', argv, TRAIN_FLAGS, `${TRAIN_SUMMARY} ${recipesHelp()}`);
  if (parsed === undefined) return;
  const { given } = parsed;
  const { flags, recipe } = withRecipe(parsed.flags, given);
  await useBackend(flags);
  const resumeFrom = str(flags, 'resume');
  const resume = resumeFrom === undefined ? undefined : await loadCheckpoint(resumeFrom);
  if (resume !== undefined && resume.training === undefined) {
    throw new UsageError(`relgrad train: --resume ${resumeFrom} is a saved model, not a training checkpoint (resume from the run's checkpoint.json)`);
  }
  const st = runSettings(flags, given, resume);
  refuseIgnored('train', given, st, flags);
  const dataset = st.dataset;
  const seed = st.seed;
  const out = resolve(str(flags, 'out') ?? (resumeFrom !== undefined ? dirname(resumeFrom) : join('runs', fileStem(dataset))));
  const folder = makeRunDir(out);
  const lock = acquireLock(out, '.lock', notice);
  try {
    // Ctrl-C, SIGTERM, SIGHUP: stop between batches, say where to resume, release the lock (finally)
    await interruptible((abort) => trainInFolder(flags, st, out, resumeFrom, resume, outputFor(flags.json === true), abort, recipe));
  } catch (err) {
    // a run refused before its first epoch (bad data, mismatched settings) leaves no folder behind
    lock.release();
    folder.removeIfEmpty();
    throw err;
  } finally {
    lock.release();
  }
}

async function trainInFolder(flags: FlagValues, st: RunSettings, out: string, resumeFrom: string | undefined, resume: Checkpoint | undefined, output: Output, abort: AbortSignal, recipe: Partial<Recipe> | null): Promise<void> {
  const { dataset, seed } = st;
  const checkpointPath = join(out, 'checkpoint.json');
  const logPath = join(out, 'log.jsonl');
  for (const stale of await removeStaleTemps(checkpointPath)) notice(`removed ${stale}, left by a process that no longer runs`);
  const loaded = await resolveDataset({ name: dataset, dataDir: str(flags, 'data-dir'), seed, limit: st.limit, header: st.header, onNotice: notice });
  // a data file's path and content hash: a resume or eval with other contents is refused
  const identity = dataIdentity(dataset);
  if (flags['context-columns'] !== undefined) {
    if (resume !== undefined) throw new UsageError('relgrad train: --resume does not combine with --context-columns yet');
    const record = { name: dataset, splitSeed: seed, limit: st.limit ?? null, rows: { train: null, validation: null, test: loaded.test.rows }, header: st.header, ...identity };
    const options = { epochs: st.epochs, batchSize: st.batchSize, lr: st.lr, optimizer: st.optimizer, method: st.method, patience: st.patience, seed, ...trainExtras(st), dataset: record };
    const meta = { dataset, seed, limit: st.limit ?? null, kind: loaded.kind };
    return trainConditional({ flags, out, output, abort, notice, dataset, splits: loaded, config: flowConfigOf(st, loaded.train.cols), options, header: st.header, meta });
  }
  // before the flow exists: its orthogonal initialisation alone is O(D³)
  assertFittable(`dataset ${dataset}`, loaded.train);
  const scaling = st.standardize ? fitStandardization(loaded.train) : null;
  const data = scaling === null ? loaded : { ...loaded, train: standardize(loaded.train, scaling), validation: standardize(loaded.validation, scaling), test: standardize(loaded.test, scaling) };
  if (scaling === null) {
    assertCentredEnough(`dataset ${dataset}`, loaded.train, st.lr, CENTRE_ADVICE + ', or pass --standardize');
    const warning = scaleWarning(`dataset ${dataset}`, loaded.train);
    if (warning !== null) notice(warning);
  }
  // log p(x) = log p(z) − Σ log σ: added to losses, subtracted from log-likelihoods (original units)
  const logDet = scaling === null ? 0 : standardizationLogDet(scaling);
  const flow = Flow.create(flowConfigOf(st, data.train.cols));
  // a bar on a terminal's stderr, else plain periodic lines (see progress.ts)
  const progress = createProgress({ epochs: st.epochs });
  let lastLoss = 'n/a';
  let checkpointed = resume?.training?.epoch ?? 0;
  const onProgress = (e: ProgressEvent): void => {
    progress.event(e, lastLoss);
    if (e.kind === 'batch') return;
    checkpointed = e.epoch;
    const r = scaling === null ? e.record : { ...e.record, trainLoss: e.record.trainLoss + logDet, validationLoss: e.record.validationLoss === null ? null : e.record.validationLoss + logDet };
    lastLoss = (r.validationLoss ?? r.trainLoss).toFixed(4);
    appendFileSync(logPath, JSON.stringify(r) + '\n');
    const line = `epoch ${r.epoch}/${e.epochs}  train loss ${r.trainLoss.toFixed(4)}  validation loss ${r.validationLoss?.toFixed(4) ?? '-'}  ${r.seconds.toFixed(2)} s${r.improved ? '  *' : ''}`;
    output.human(line);
  };
  // options, data and a resume checked, the run record built: a mismatched resume is refused
  // (naming each setting and both values) before anything in the folder changes
  const prepared = await prepareTraining(flow, { train: data.train, validation: data.validation }, {
    signal: abort,
    epochs: st.epochs,
    batchSize: st.batchSize,
    lr: st.lr,
    optimizer: st.optimizer,
    method: st.method,
    patience: st.patience,
    seed,
    ...trainExtras(st),
    checkpointPath,
    resume,
    dataset: { name: dataset, splitSeed: seed, limit: st.limit ?? null, rows: { train: null, validation: null, test: data.test.rows }, standardize: scaling, header: st.header, ...identity },
    onProgress,
    onNotice: notice,
  }, { fittable: true }); // checked above on the rows as loaded (standardising keeps the verdict)
  const continuing = resumeFrom !== undefined && resolve(dirname(resumeFrom)) === out;
  if (continuing && flags.force === true) {
    throw new UsageError(`relgrad train: --resume continues the run in ${out} and --force would replace it; give one`);
  }
  // only files a relgrad run wrote are removed; a user's file in the way stops the run here
  prepareTrainFolder({ out, continuing, force: flags.force === true, notice });
  // log.jsonl appears with the first epoch's line: a run that fails before it leaves none behind
  output.human(`training ${String(flow)} on ${dataset}: ${data.train.rows} train / ${data.validation.rows} validation / ${data.test.rows} test rows, method ${st.method}`);
  const result = await trainPrepared(prepared).catch((err: unknown) => {
    progress.stop();
    throw interruptedTraining(err, checkpointPath, checkpointed);
  });
  progress.stop();
  if (abort.aborted) throw interruptedTraining(abort.reason, checkpointPath, checkpointed);
  output.human(result.message);
  if (result.status === 'diverged') {
    if (output.json) output.result({ dataset, status: result.status, message: result.message, epochs: result.epochs, checkpoint: checkpointPath, log: logPath });
    process.exitCode = 1;
    return;
  }
  const scaled = evaluate(flow, data.test);
  const test = { ...scaled, mean: scaled.mean - logDet };
  // the baseline the flow has to beat: the full-covariance Gaussian fitted to the same training
  // rows, scored on the same test rows, in the same units (an affine map, so fitting it to the
  // standardised rows and subtracting Σ log σ is the Gaussian of the original rows); O(N·D²)
  output.human(`fitting the full-covariance Gaussian baseline on ${data.train.rows} training rows…`);
  const gaussian = gaussianBaseline(data.train, data.test, { dtype: flow.dtype, logDet });
  output.human(`test log-likelihood ${test.mean.toFixed(4)} ± ${test.err.toFixed(4)}; full-covariance Gaussian on the same split ${gaussian.mean.toFixed(4)} ± ${gaussian.err.toFixed(4)}`);
  // the generating density on the same test rows (original units), where it is known
  const truth = data.kind === 'toy' ? trueTestScore(dataset, loaded.test) : null;
  if (truth !== null) output.human(`true density on the same split ${truth.mean.toFixed(4)} ± ${truth.err.toFixed(4)}`);
  const finalPath = join(out, 'model.json');
  // a standardised run's model carries its standardisation (flow/run/save.ts)
  const meta = { dataset, seed, limit: st.limit ?? null, kind: data.kind, recipe, test, result: { ...result, history: undefined } };
  await saveRunModel(finalPath, flow, { precision: flags.float32 ? 'float32' : 'float64', run: prepared.run, scaling, meta });
  // each PNG has its SVG beside it: figure (data | density | samples), density, samples, curve
  const scores = { flow: test.mean, gaussian: gaussian.mean, truth: truth?.mean ?? null };
  const pictures = await writeTrainingPictures(out, { flow, train: data.train, history: result.history, bestEpoch: result.bestEpoch, name: dataset, seed, scores });
  recordWritten(out, pictures.flatMap((png) => [png, png.replace(/\.png$/, '.svg')]));
  output.result({
    dataset, testLogLikelihood: test.mean, err: test.err, n: test.n,
    gaussianTestLogLikelihood: gaussian.mean, gaussianErr: gaussian.err,
    ...(truth === null ? {} : { trueTestLogLikelihood: truth.mean, trueErr: truth.err }), recipe,
    epochs: result.epochs, seconds: result.seconds, model: finalPath, checkpoint: checkpointPath, log: logPath, pictures,
  });
  if (pictures.length > 0) output.human(`pictures: ${pictures.join(', ')}`);
}

