#!/usr/bin/env node
// The relgrad command line: train, eval, sample. Exit status 0 on success, 2 on a usage error
// (unknown flag, bad value), 128 + n when signal n stopped the work, 1 on any other error; every
// error says what was wrong (under --json also as one JSON document on stdout: failure.ts).

import { writeFileSync, appendFileSync, existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { BACKEND_NAMES, setBackend, type BackendName } from '../../index.js';
import { tidy } from '../../engine/scope.js';
import { loadCheckpoint, removeStaleTemps, type Checkpoint } from '../checkpoint.js';
import { acquireLock } from '../run-folder.js';
import { recordWritten } from '../run-files.js';
import { interruptedExperiment, interruptedTraining, prepareTrainFolder } from './train-folder.js';
import { checkResume, runRecordOf, type RunRecord } from '../run-record.js';
import { MAX_SEED } from '../../engine/seed.js';
import type { FlowConfig } from '../config.js';
import { evaluate } from '../evaluate.js';
import { withStandardization } from '../standardized.js';
import { Flow, GRADIENT_METHODS } from '../model.js';
import { train, type ProgressEvent } from '../train.js';
import { ACTIVATIONS } from '../activations.js';
import { BASES } from '../bases.js';
import type { HostMatrix } from '../data/dataset.js';
import { closest, flagTable, parseOrAnswer, UsageError, type FlagSpec, type FlagValues } from './args.js';
import { DATASET_VALUES, resolveDataset } from './datasets.js';
import { dataIdentity, isTrainingData, recordedDataName } from './data-identity.js';
import { outputFor, type Output } from './output.js';
import { makeRunDir } from './run-dir.js';
import { assertSplineRange } from './spline-range.js';
import { createProgress } from './progress.js';
import { packageVersion } from './version.js';
import { interruptible } from './interrupt.js';
import { writeSampleFile } from './sample-file.js';
import { reportFailure } from './failure.js';
import { fitGaussianFlow } from '../baselines/gaussian.js';
import { assertCentredEnough, assertFittable, fitStandardization, scaleWarning, standardize, standardizationLogDet, unstandardizeInPlace } from '../data/fit-checks.js';
import { assertSamplesPictureFits, writeSamplesPicture, writeTrainingPictures } from './pictures.js';
import { commandExport, commandInfo } from './interchange.js';
import { CONTEXT_COLUMNS_FLAG, CONTEXT_FLAG, evaluateConditional, sampleConditional, trainConditional } from './conditional.js';
import { experimentPaths, runExperiment } from '../experiment.js';
import { deepStack } from '../layers/specs.js';
import { SCHEDULES, scheduleKey, type ScheduleOptions } from '../epoch-schedule.js';
import type { ResolvedFlowConfig } from '../config.js';
import { recipesHelp, withRecipe, type Recipe } from './recipes.js';
import { trueTestScore } from './true-score.js';
import { commandGallery } from './gallery.js';

const common: Record<string, FlagSpec> = {
  backend: { type: 'string', help: 'compute backend', default: 'cpu', choices: BACKEND_NAMES },
  'data-dir': { type: 'string', help: 'folder of the MAF data files (power, gas, hepmass, miniboone, bsds300)', placeholder: 'dir' },
};

/** --json: stdout carries exactly one JSON document, every human line goes to stderr. */
const JSON_FLAG: FlagSpec = { type: 'boolean', help: 'print only the result, as one JSON document, on stdout (human lines go to stderr)', default: false };

const TRAIN_FLAGS: Record<string, FlagSpec> = {
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
  ...common,
};

const EVAL_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file (required)', placeholder: 'file' },
  dataset: { type: 'string', help: 'data set (default: the one the checkpoint was trained on)', placeholder: 'name', values: DATASET_VALUES },
  split: { type: 'string', help: 'which split', default: 'test', choices: ['test', 'validation', 'train'] },
  seed: { type: 'int', help: 'split seed (default: the one the checkpoint records)', min: 0, max: MAX_SEED },
  header: { type: 'string', help: 'header row of a CSV data set (default: as recorded, else auto)', choices: ['auto', 'yes', 'no'] },
  limit: { type: 'int', help: 'row cap, as in training (default: the one the checkpoint records)', positive: true },
  'context-columns': { ...CONTEXT_COLUMNS_FLAG, help: 'context columns of a conditional flow (default: those the checkpoint records)' },
  json: { ...JSON_FLAG, help: 'the result is one JSON document on stdout (it always is; accepted for scripts)' },
  ...common,
};

const SAMPLE_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file (required)', placeholder: 'file' },
  n: { type: 'int', help: 'number of samples', default: 1000, positive: true },
  seed: { type: 'int', help: 'sampling seed', default: 0, min: 0, max: MAX_SEED },
  out: { type: 'string', help: 'output file: .png (2-D scatter or MNIST grid), .csv or .npy (float64)', default: 'samples.png', placeholder: 'file' },
  context: CONTEXT_FLAG,
  json: { ...JSON_FLAG, help: 'the result is one JSON document on stdout (it always is; accepted for scripts)' },
  backend: common.backend,
};

const str = (f: FlagValues, k: string): string | undefined => (f[k] === undefined ? undefined : String(f[k]));
const num = (f: FlagValues, k: string): number => Number(f[k]);

async function useBackend(flags: FlagValues): Promise<void> {
  const backend = await setBackend(str(flags, 'backend') as BackendName); // one of BACKEND_NAMES: the flag's choices
  if (backend.name !== 'cpu') process.stderr.write(`backend: ${backend.describe().implementation}\n`);
}

function hostOf(flow: Flow, t: { dataSync(): Float64Array | Float32Array; shape: readonly number[] }): HostMatrix<Float64Array> {
  return { data: Float64Array.from(t.dataSync()), rows: t.shape[0], cols: flow.dim };
}

/** A notice on stderr (a closed stderr is tolerated like a closed stdout). */
function notice(message: string): void {
  process.stderr.write(`relgrad: ${message}\n`);
}

const safeName = (dataset: string): string => dataset.replace(/[^\w.-]+/g, '_');

/**
 * The settings of a run: a flag given on the command line wins; when resuming, a flag left out
 * takes the checkpoint's value (so `--resume ck.json` alone continues that run); otherwise its
 * default. train() then refuses a checkpoint that disagrees with the result, naming the field.
 */
function runSettings(flags: FlagValues, given: Set<string>, ck: Checkpoint | undefined) {
  const rec: RunRecord | undefined = ck && runRecordOf(ck);
  const c = ck?.config;
  const pick = <T>(flag: string, recorded: T | null | undefined): T =>
    given.has(flag) || recorded === undefined || recorded === null ? (flags[flag] as T) : recorded;
  const limit = given.has('limit') || ck === undefined ? (flags.limit as number | undefined) : (rec?.dataset?.limit ?? undefined);
  return {
    dataset: pick<string>('dataset', recordedDataName(rec?.dataset ?? null)),
    seed: pick<number>('seed', rec?.dataset?.splitSeed ?? c?.seed),
    limit,
    layers: pick<number>('layers', c?.layers),
    activation: pick<(typeof ACTIVATIONS)[number]>('activation', c?.activation),
    alpha: pick<number>('alpha', c?.alpha),
    base: pick<(typeof BASES)[number]>('base', c?.base),
    bias: pick<boolean>('bias', c?.bias),
    dtype: pick<'float64' | 'float32' | undefined>('dtype', c?.dtype),
    header: pick<'auto' | 'yes' | 'no'>('header', rec?.dataset?.header as 'auto' | 'yes' | 'no' | null | undefined),
    standardize: pick<boolean>('standardize', rec?.dataset ? (rec.dataset.standardize ?? null) !== null : undefined),
    batchSize: pick<number>('batch-size', rec?.optimizer?.batchSize),
    lr: pick<number>('lr', rec?.optimizer?.lr),
    optimizer: pick<'adam' | 'sgd'>('optimizer', rec?.optimizer?.name as 'adam' | 'sgd' | undefined),
    method: pick<(typeof GRADIENT_METHODS)[number]>('method', rec?.optimizer?.method as (typeof GRADIENT_METHODS)[number] | undefined),
    model: pick<'deep' | 'paper'>('model', c === undefined ? undefined : c.stack === undefined ? 'paper' : 'deep'),
    stack: modelStack(flags, given, c),
    // a checkpoint from before schedules ran at a constant rate
    schedule: scheduleOf(pick<string>('schedule', rec?.optimizer ? scheduleName(rec.optimizer.schedule ?? 'constant') : null)),
    clipNorm: pick<number | undefined>('clip-norm', rec?.optimizer?.clipNorm ?? undefined),
    weightDecay: pick<number>('weight-decay', rec?.optimizer?.weightDecay),
    // the run's length and early stopping: a resumed run ends where the recorded one would have
    epochs: pick<number>('epochs', recordedCount(ck?.training?.options.epochs)),
    patience: pick<number>('patience', recordedCount(ck?.training?.options.patience)),
  };
}

/** A positive integer recorded in a checkpoint's training options, else undefined (not recorded). */
const recordedCount = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

/** The deep model's stack from --depth/--bins/--bound, or a resumed checkpoint's own stack when none is given. */
function modelStack(flags: FlagValues, given: Set<string>, c: ResolvedFlowConfig | undefined): FlowConfig['stack'] {
  const fromFlags = ['model', 'depth', 'bins', 'bound'].some((f) => given.has(f)) || c === undefined;
  if (!fromFlags) return c.stack;
  if (flags.model === 'paper') return undefined;
  return deepStack({ depth: Number(flags.depth), bins: Number(flags.bins), bound: Number(flags.bound) });
}

/** --schedule NAME as train's schedule options (the defaults of each kind; docs/method.md, "Descent"). */
function scheduleOf(name: string): ScheduleOptions {
  switch (name) {
    case 'cosine':
      return { kind: 'cosine' };
    case 'step':
      return { kind: 'step', every: 10, gamma: 0.5 };
    case 'plateau':
      return { kind: 'plateau', factor: 0.5, patience: 2 };
    default:
      return { kind: 'constant' };
  }
}

/** The --schedule name a checkpoint's recorded schedule came from (null: not recorded). */
function scheduleName(recorded: string | null | undefined): string | null {
  if (recorded === undefined || recorded === null) return null;
  return SCHEDULES.find((name) => scheduleKey(scheduleOf(name)) === recorded) ?? null;
}
type RunSettings = ReturnType<typeof runSettings>;

function flowConfigOf(st: RunSettings, dim: number): FlowConfig {
  if (st.stack !== undefined) return { dim, stack: st.stack, base: st.base, seed: st.seed, dtype: st.dtype };
  return { dim, layers: st.layers, activation: st.activation, alpha: st.alpha, base: st.base, bias: st.bias, seed: st.seed, dtype: st.dtype };
}

/** Training options that come from the run settings (schedule, clipping, weight decay). */
function trainExtras(st: RunSettings): { schedule: ScheduleOptions; clipNorm?: number; weightDecay: number } {
  return { schedule: st.schedule, ...(st.clipNorm === undefined ? {} : { clipNorm: st.clipNorm }), weightDecay: st.weightDecay };
}

/** Refuses flags that the chosen settings would ignore, and a spline range the splines cannot use. */
function refuseIgnored(command: string, given: Set<string>, st: RunSettings, flags: FlagValues): void {
  if (st.stack !== undefined && (given.has('bound') || given.has('bins'))) assertSplineRange(command, num(flags, 'bins'), num(flags, 'bound'));
  if (given.has('alpha') && st.activation !== 'smooth-leaky-relu') {
    throw new UsageError(`relgrad ${command}: --alpha applies to smooth-leaky-relu only; the activation is ${st.activation}`);
  }
  const deep = st.stack !== undefined;
  for (const flag of deep ? ['layers', 'activation', 'alpha', 'bias'] : ['depth', 'bins', 'bound']) {
    if (given.has(flag)) {
      throw new UsageError(`relgrad ${command}: --${flag} applies to the ${deep ? 'paper' : 'deep'} model; this run uses the ${deep ? 'deep' : 'paper'} model${deep ? ' (--model paper for the paper\'s; --depth sets the deep model\'s dense layers)' : ' (--model deep)'}`);
    }
  }
}

const CENTRE_ADVICE = 'subtract each column\'s mean from the data (a shift leaves every log-likelihood unchanged)';

const TRAIN_SUMMARY = 'Trains a flow by maximum likelihood (by default the deep model, started at the Gaussian fitted to the training rows) and writes a checkpoint, a JSONL log and pictures; ' +
  'reports the test log-likelihood next to the full-covariance Gaussian fitted to the same training split.';

async function commandTrain(argv: string[]): Promise<void> {
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
  const out = resolve(str(flags, 'out') ?? (resumeFrom !== undefined ? dirname(resumeFrom) : join('runs', safeName(dataset))));
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
    const options = { epochs: st.epochs, batchSize: st.batchSize, lr: st.lr, optimizer: st.optimizer, method: st.method, patience: st.patience, seed, ...trainExtras(st) };
    const meta = { dataset, seed, limit: st.limit ?? null, kind: loaded.kind, run: { dataset: { name: dataset, splitSeed: seed, limit: st.limit ?? null, header: st.header, ...identity } } };
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
  const run = {
    dataset: { name: dataset, splitSeed: seed, limit: st.limit ?? null, rows: { train: data.train.rows, validation: data.validation.rows, test: data.test.rows }, cols: data.train.cols, standardize: scaling, header: st.header, ...identity },
    optimizer: { name: st.optimizer, lr: st.lr, batchSize: st.batchSize, method: st.method, seed, schedule: scheduleKey(st.schedule), clipNorm: st.clipNorm ?? null, weightDecay: st.weightDecay },
  };
  if (resume !== undefined) {
    // refuse a mismatched resume before anything in the folder changes (train() checks again)
    const { mismatches } = checkResume(resume, { config: flow.config, dataset: run.dataset, optimizer: run.optimizer });
    if (mismatches.length > 0) throw new Error(`train: cannot resume: the settings differ from the checkpoint's: ${mismatches.join('; ')}`);
  }
  const continuing = resumeFrom !== undefined && resolve(dirname(resumeFrom)) === out;
  if (continuing && flags.force === true) {
    throw new UsageError(`relgrad train: --resume continues the run in ${out} and --force would replace it; give one`);
  }
  // only files a relgrad run wrote are removed; a user's file in the way stops the run here
  prepareTrainFolder({ out, continuing, force: flags.force === true, notice });
  // log.jsonl appears with the first epoch's line: a run that fails before it leaves none behind
  const runMeta = { dataset, seed, limit: st.limit ?? null, kind: data.kind, run, recipe };
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
  output.human(`training ${String(flow)} on ${dataset}: ${data.train.rows} train / ${data.validation.rows} validation / ${data.test.rows} test rows, method ${st.method}`);
  const result = await train(flow, { train: data.train, validation: data.validation }, {
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
  }).catch((err: unknown) => {
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
  const gaussianScaled = evaluate(fitGaussianFlow(data.train, { dtype: flow.dtype }), data.test);
  const gaussian = { ...gaussianScaled, mean: gaussianScaled.mean - logDet };
  output.human(`test log-likelihood ${test.mean.toFixed(4)} ± ${test.err.toFixed(4)}; full-covariance Gaussian on the same split ${gaussian.mean.toFixed(4)} ± ${gaussian.err.toFixed(4)}`);
  // the generating density on the same test rows (original units), where it is known
  const truth = data.kind === 'toy' ? trueTestScore(dataset, loaded.test) : null;
  if (truth !== null) output.human(`true density on the same split ${truth.mean.toFixed(4)} ± ${truth.err.toFixed(4)}`);
  const finalPath = join(out, 'model.json');
  // a standardised run's model carries its standardisation as a leading affine layer: Flow.load,
  // export and the NumPy reader give densities in the data's units (flow/standardized.ts)
  const saved = scaling === null ? flow : withStandardization(flow, scaling);
  await saved.save(finalPath, { precision: flags.float32 ? 'float32' : 'float64', meta: { ...runMeta, standardizationInModel: scaling !== null, test, result: { ...result, history: undefined } } });
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

async function commandEval(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer('eval', argv, EVAL_FLAGS, 'Prints JSON with the log-likelihood (mean ± 2·std/√N) of a split under a saved flow. Data set, split seed and row cap come from the checkpoint unless given.');
  if (parsed === undefined) return;
  const { flags } = parsed;
  const path = str(flags, 'checkpoint');
  if (path === undefined) throw new UsageError('relgrad eval: --checkpoint is required');
  await useBackend(flags);
  const ck = await loadCheckpoint(path);
  const recorded = runRecordOf(ck).dataset;
  const dataset = str(flags, 'dataset') ?? recordedDataName(recorded);
  if (dataset === undefined) throw new UsageError('relgrad eval: the checkpoint does not record its data set (an older file): pass --dataset');
  // a different data set does not inherit the checkpoint's split; a file is matched by path and content
  const inherit = recorded !== null && isTrainingData(recorded, dataset, (m) => notice(`eval: ${m}`));
  let seed: number;
  let seedFrom: string;
  if (flags.seed !== undefined) [seed, seedFrom] = [num(flags, 'seed'), '--seed'];
  else if (inherit && recorded.splitSeed !== null) [seed, seedFrom] = [recorded.splitSeed, 'the checkpoint'];
  else {
    [seed, seedFrom] = [0, 'the default (the checkpoint does not record one)'];
    notice(`eval: the checkpoint does not record the split seed of ${dataset}; using 0`);
  }
  const limit = (flags.limit as number | undefined) ?? (inherit ? recorded.limit ?? undefined : undefined);
  const headerFlag = str(flags, 'header') ?? (inherit ? recorded.header ?? undefined : undefined);
  const data = await resolveDataset({ name: dataset, dataDir: str(flags, 'data-dir'), seed, limit, header: headerFlag as 'auto' | 'yes' | 'no' | undefined, onNotice: notice });
  const flow = Flow.fromCheckpoint(ck);
  const split = String(flags.split) as 'test' | 'validation' | 'train';
  const rows = data[split].rows;
  const recordedRows = inherit ? recorded.rows[split] : null;
  if (recordedRows !== null && recordedRows !== rows) {
    notice(`eval: the ${split} split has ${rows} rows here but ${recordedRows} when the checkpoint was written (another data file or limit?)`);
  }
  notice(`eval: ${split} split of ${dataset}: ${rows} rows, split seed ${seed} (from ${seedFrom}), limit ${limit ?? 'none'}`);
  // a standardised run's training checkpoint scores standardised data; −Σ log σ brings the result
  // back to original units (its model.json holds the standardisation itself)
  const scaling = ck.meta?.standardizationInModel === true ? null : recorded?.standardize ?? null;
  const r = flow.contextDim > 0 ? evaluateConditional(flow, ck, data[split], flags, dataset, (headerFlag ?? 'auto') as 'auto' | 'yes' | 'no') : evaluate(flow, scaling === null ? data[split] : standardize(data[split], scaling));
  const mean = scaling === null ? r.mean : r.mean - standardizationLogDet(scaling);
  // which parameters are scored: a training checkpoint holds the last completed epoch's, a run's
  // model.json the best epoch's (train restores them), a flow saved by hand says nothing
  const scored = scoredEpoch(ck);
  notice(`eval: scoring ${scored.parameters === 'unknown' ? 'parameters of an unknown epoch (saved without a training record)' : `the ${scored.parameters}'s parameters (epoch ${scored.epoch})`}`);
  console.log(JSON.stringify({ dataset, split, splitSeed: seed, splitSeedFrom: seedFrom, limit: limit ?? null, standardized: scaling !== null, epoch: scored.epoch, parameters: scored.parameters, logLikelihood: mean, err: r.err, n: r.n, nonFinite: r.nonFinite }));
}

/** The epoch whose parameters a file holds: a training checkpoint's last, a run's model.json's best. */
function scoredEpoch(ck: Checkpoint): { epoch: number | null; parameters: 'last epoch' | 'best epoch' | 'unknown' } {
  if (ck.training !== undefined) return { epoch: ck.training.epoch, parameters: 'last epoch' };
  const best = (ck.meta?.result as { bestEpoch?: unknown } | undefined)?.bestEpoch;
  return typeof best === 'number' ? { epoch: best, parameters: 'best epoch' } : { epoch: null, parameters: 'unknown' };
}

async function commandSample(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer('sample', argv, SAMPLE_FLAGS, 'Draws samples from a saved flow (Newton-inverted activations) and writes a PNG, CSV or NumPy .npy file; prints JSON with the file and the worst Newton residual.');
  if (parsed === undefined) return;
  const { flags, given } = parsed;
  const path = str(flags, 'checkpoint');
  if (path === undefined) throw new UsageError('relgrad sample: --checkpoint is required');
  const out = String(flags.out);
  if (!/\.(png|csv|npy)$/i.test(out)) throw new UsageError(`relgrad sample: --out must end in .png, .csv or .npy, got '${out}'`);
  await useBackend(flags);
  const ck = await loadCheckpoint(path);
  const flow = Flow.fromCheckpoint(ck);
  if (flow.contextDim > 0 || flags.context !== undefined) {
    const r = sampleConditional(flow, flags, given);
    console.log(JSON.stringify({ samples: r.samples, out: r.out, maxNewtonResidual: r.maxResidual }));
    return;
  }
  // a standardised run's samples go back to the data's units (model.json does so itself)
  const scaling = ck.meta?.standardizationInModel === true ? null : runRecordOf(ck).dataset?.standardize ?? null;
  const n = num(flags, 'n');
  const seed = num(flags, 'seed');
  if (/\.png$/i.test(out)) {
    assertSamplesPictureFits(n, flow.dim);
    const { x, maxResidual } = flow.sample(n, { seed });
    const host = hostOf(flow, x);
    if (scaling !== null) unstandardizeInPlace(host, scaling);
    await writeSamplesPicture(out, flow.dim, host, undefined, flow);
    console.log(JSON.stringify({ samples: host.rows, out: resolve(out), maxNewtonResidual: maxResidual }));
    return;
  }
  const maxResidual = await interruptible((abort) => writeSampleFile({ flow, n, seed, out, scaling, abort, notice }));
  console.log(JSON.stringify({ samples: n, out: resolve(out), maxNewtonResidual: maxResidual }));
}

const { force: _force, standardize: _standardize, ...TRAIN_FLAGS_BUT_FORCE } = TRAIN_FLAGS;
const EXPERIMENT_FLAGS: Record<string, FlagSpec> = {
  ...TRAIN_FLAGS_BUT_FORCE,
  dataset: { type: 'string', help: 'data set', default: 'mnist', placeholder: 'name', values: DATASET_VALUES },
  epochs: { type: 'int', help: 'maximum epochs (the cosine schedule spans them; early stopping on validation may end sooner)', default: 25, positive: true },
  lr: { type: 'number', help: 'learning rate', default: 1e-3, positive: true },
  depth: { ...TRAIN_FLAGS.depth, default: 3 },
  out: { type: 'string', help: 'results folder', default: 'results', placeholder: 'dir' },
  resume: { type: 'string', help: 'resume from this training checkpoint (default: <out>/<dataset>-checkpoint.json when it exists)', placeholder: 'file' },
  float32: { type: 'boolean', help: 'store the model\'s parameters as float32 (--no-float32: float64)', default: true },
  'no-gaussian': { type: 'boolean', help: 'skip the full-covariance Gaussian baseline', default: false },
  fresh: { type: 'boolean', help: 'start over: ignore an existing checkpoint of this data set in the results folder (replacing it needs --force)', default: false },
  force: { type: 'boolean', help: 'replace this data set\'s checkpoint, model and results in the results folder (only files a relgrad run wrote)', default: false },
  json: JSON_FLAG,
};

async function commandExperiment(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer('experiment', argv, EXPERIMENT_FLAGS, 'Trains with early stopping on validation, evaluates on test next to a full-covariance Gaussian, and writes <out>/<dataset>.json and the model. Resumes from <out>/<dataset>-checkpoint.json.');
  if (parsed === undefined) return;
  const { flags, given } = parsed;
  const output = outputFor(flags.json === true);
  if (flags.fresh === true && given.has('resume')) throw new UsageError('relgrad experiment: --fresh and --resume contradict each other; give one');
  await useBackend(flags);
  const outDir = resolve(String(flags.out));
  const resumeFrom = str(flags, 'resume');
  let resume: Checkpoint | undefined;
  if (resumeFrom !== undefined) {
    resume = await loadCheckpoint(resumeFrom);
    if (resume.training === undefined) throw new UsageError(`relgrad experiment: --resume ${resumeFrom} is a saved model, not a training checkpoint`);
  } else if (flags.fresh !== true) {
    const auto = experimentPaths(outDir, String(flags.dataset)).checkpoint;
    if (existsSync(auto)) resume = await loadCheckpoint(auto);
  }
  const st = runSettings(flags, given, resume);
  refuseIgnored('experiment', given, st, flags);
  const { dataset, seed, limit } = st;
  if (resume !== undefined) notice(`experiment: resuming from ${resumeFrom ?? experimentPaths(outDir, dataset).checkpoint} (epoch ${resume.training?.epoch}); --fresh starts over`);
  const data = await resolveDataset({ name: dataset, dataDir: str(flags, 'data-dir'), seed, limit, header: st.header, onNotice: notice });
  assertFittable(`dataset ${dataset}`, data.train);
  assertCentredEnough(`dataset ${dataset}`, data.train, st.lr, CENTRE_ADVICE);
  output.human(`experiment ${dataset}: ${data.train.rows} train / ${data.validation.rows} validation / ${data.test.rows} test rows, dim ${data.train.cols}`);
  const progress = createProgress({ epochs: st.epochs });
  let lastLoss = 'n/a';
  const checkpointPath = experimentPaths(outDir, dataset).checkpoint;
  const r = await interruptible((abort) => runExperiment({
    signal: abort,
    dataset,
    data,
    flow: flowConfigOf(st, data.train.cols),
    train: { epochs: st.epochs, batchSize: st.batchSize, lr: st.lr, optimizer: st.optimizer, method: st.method, patience: st.patience, seed, ...trainExtras(st) },
    outDir,
    resume: false,
    resumeFrom: resume,
    resumePath: resume === undefined ? undefined : resumeFrom ?? experimentPaths(outDir, dataset).checkpoint,
    force: flags.force === true,
    dataRecord: { splitSeed: seed, limit: limit ?? null, header: st.header, ...dataIdentity(dataset) },
    precision: flags.float32 === false ? 'float64' : 'float32',
    gaussianBaseline: !flags['no-gaussian'],
    meta: { limit: limit ?? null },
    onNotice: notice,
    onProgress: (e) => {
      progress.event(e, lastLoss);
      if (e.kind === 'epoch') {
        const h = e.record;
        lastLoss = (h.validationLoss ?? h.trainLoss).toFixed(4);
        output.human(`epoch ${h.epoch}/${e.epochs}  train loss ${h.trainLoss.toFixed(4)}  validation loss ${h.validationLoss?.toFixed(4) ?? '-'}  ${h.seconds.toFixed(2)} s${h.improved ? '  *' : ''}`);
      }
    },
    onPhase: (message) => {
      progress.stop();
      output.human(message);
    },
  })).catch((err: unknown) => {
    progress.stop();
    throw interruptedExperiment(err, checkpointPath);
  });
  progress.stop();
  output.result({ dataset, test: r.test, gaussianBaseline: r.gaussianBaseline, epochs: r.training.epochs, bestEpoch: r.training.bestEpoch, secondsPerEpoch: r.training.secondsPerEpoch, model: r.model });
}

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { train: commandTrain, eval: commandEval, sample: commandSample, experiment: commandExperiment, export: commandExport, info: commandInfo, gallery: commandGallery };

const COMMAND_HELP: [string, string][] = [
  ['train', 'train a dense flow by maximum likelihood (relative gradient by default)'],
  ['eval', 'log-likelihood of a data split under a saved flow, as JSON'],
  ['sample', 'draw samples from a saved flow into a PNG, CSV or .npy'],
  ['experiment', 'train with early stopping, evaluate next to a Gaussian baseline, write results JSON'],
  ['export', 'write a saved flow\'s parameters as .npz (NumPy) or safetensors'],
  ['info', 'summary of a saved flow (layers, parameters, dtype, data set, log-likelihood), as JSON'],
  ['gallery', 'train every toy set with its recipe; one figure, a row per set, and a table'],
];

const TOP_HELP = [
  'usage: relgrad <command> [flags]',
  '',
  'commands:',
  ...COMMAND_HELP.map(([name, what]) => `  ${name.padEnd(14)}${what}`),
  '',
  'flags:',
  ...flagTable({}),
  '',
  'relgrad <command> --help shows each command\'s flags; train, eval, sample, experiment, export and',
  'info take --json (stdout: exactly one JSON document; human lines on stderr).',
].join('\n');

/**
 * A reader that goes away (`relgrad train | head -1`) makes writes fail with EPIPE, emitted as an
 * 'error' event that would crash the run: output is dropped from then on and the run goes on.
 */
let closedOutputHandled = false;
function tolerateClosedOutput(): void {
  if (closedOutputHandled) return;
  closedOutputHandled = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      throw err;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  tolerateClosedOutput();
  const [command, ...rest] = argv;
  if (command === undefined) {
    // no command is a usage error (a script that lost its arguments should not pass)
    process.stderr.write(`${TOP_HELP}\n`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(TOP_HELP);
    return 0;
  }
  if (command === '--version') {
    console.log(packageVersion());
    return 0;
  }
  const run = COMMANDS[command];
  try {
    if (run === undefined) {
      const guess = closest(command, Object.keys(COMMANDS));
      throw new UsageError(`relgrad: unknown command '${command}' (${guess === undefined ? '' : `did you mean '${guess}'? `}expected train, eval, sample, experiment, export, info or gallery)`);
    }
    await run(rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportFailure(err, rest);
  }
}

/** True when this file is the program (also through npm's bin symlink), false when imported. */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined || !existsSync(script)) return false;
  return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
