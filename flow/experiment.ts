// An experiment: one data set, one configuration, trained with early stopping on validation,
// evaluated on test, side by side with the full-covariance Gaussian baseline evaluated by the same
// code path; writes a results JSON (config, seed, commit, epochs, wall time, validation curve,
// test LL ± 2·std/√N) and the trained parameters so that `relgrad eval` reproduces the number.

import { execFileSync } from 'node:child_process';
import { mkdirSync, existsSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadCheckpoint, removeStaleTemps, type Checkpoint } from './checkpoint.js';
import { acquireLock } from './run-folder.js';
import { ownership } from './run-files.js';
import { writeFileAtomic } from './safe-write.js';
import type { DatasetRecord } from './run-record.js';
import type { Splits } from './data/dataset.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { Flow } from './model.js';
import type { FlowConfig } from './config.js';
import { trainPrepared, type ProgressEvent, type TrainResult } from './train.js';
import { prepareTraining, type ResolvedTrainOptions } from './run/prepare.js';
import { gaussianBaseline } from './run/baseline.js';
import { saveRunModel } from './run/save.js';
import type { ScheduleOptions } from './epoch-schedule.js';

export interface ExperimentOptions {
  dataset: string;
  data: Splits;
  flow: FlowConfig;
  /** train()'s options as the CLI resolves them (the loss-sample count is train()'s default) */
  train: Omit<ResolvedTrainOptions, 'trainLossSamples'> & {
    schedule?: ScheduleOptions;
    clipNorm?: number;
    weightDecay?: number;
    init?: 'gaussian' | 'none';
  };
  outDir: string;
  /** resume from <outDir>/<stem>-checkpoint.json when it exists (default true) */
  resume?: boolean;
  /** resume from this checkpoint (already loaded) instead; its settings must match */
  resumeFrom?: Checkpoint;
  /** the file resumeFrom was read from: when it is <outDir>/<stem>-checkpoint.json the run continues there */
  resumePath?: string;
  /**
   * replace this data set's files in outDir (checkpoint, model, results) when the run does not
   * continue them; only files a relgrad run wrote are removed (flow/run-files.ts), others refused
   */
  force?: boolean;
  /** stops training between batches (see train's signal); the checkpoint keeps the last epoch */
  signal?: AbortSignal;
  /** what the data is (split seed, limit): recorded in the checkpoint and compared on resume */
  dataRecord?: Partial<DatasetRecord>;
  /** precision of the saved model's parameters (default float32) */
  precision?: 'float64' | 'float32';
  gaussianBaseline?: boolean;
  /** the caller ran assertFittable on data.train (the CLI does, naming the data set): not run again */
  fittableChecked?: boolean;
  onProgress?: (e: ProgressEvent) => void;
  /** a line announcing each phase after training (test evaluation, the Gaussian baseline) and its result */
  onPhase?: (message: string) => void;
  /** notices (stale lock taken over, an old checkpoint's unrecorded fields); default console.warn */
  onNotice?: (message: string) => void;
  meta?: Record<string, unknown>;
}

/** A data set's name as a file-name stem: every run of characters other than letters, digits, '_', '.' and '-' becomes '_'. */
export function fileStem(dataset: string): string {
  return dataset.replace(/[^\w.-]+/g, '_');
}

/**
 * The files of an experiment in its folder. A data set given as a path ('data/x.csv') becomes a
 * flat stem ('data_x.csv'), so every file lands in the folder itself.
 */
export function experimentPaths(outDir: string, dataset: string): { stem: string; checkpoint: string; model: string; results: string; lock: string } {
  const stem = fileStem(dataset);
  return {
    stem,
    checkpoint: join(outDir, `${stem}-checkpoint.json`),
    model: join(outDir, `${stem}-model.json`),
    results: join(outDir, `${stem}.json`),
    lock: `${stem}.lock`,
  };
}

export interface ExperimentResult {
  dataset: string;
  config: FlowConfig;
  /** the model in one line (String(flow)) and its number of scalar parameters */
  summary: string;
  parameters: number;
  /** secondsPerEpoch: the median over epochs; wallSeconds: their sum */
  training: ExperimentOptions['train'] & { status: TrainResult['status']; message: string; epochs: number; bestEpoch: number | null; wallSeconds: number; secondsPerEpoch: number };
  validationCurve: { epoch: number; validationLoss: number | null; trainLoss: number; seconds: number }[];
  test: Evaluation;
  gaussianBaseline: Evaluation | null;
  commit: string | null;
  model: string;
  date: string;
  meta: Record<string, unknown>;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]);
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  mkdirSync(o.outDir, { recursive: true });
  const notice = o.onNotice ?? console.warn;
  const paths = experimentPaths(o.outDir, o.dataset);
  const lock = acquireLock(o.outDir, paths.lock, notice);
  try {
    return await runLocked(o, paths, notice);
  } finally {
    lock.release();
  }
}

/**
 * Refuses to write over this data set's files in the folder (a finished run's model and results, a
 * checkpoint this run does not continue) unless `force`, and then removes them; a file no relgrad
 * run wrote is refused even so. A continued run rewrites its own model and results.
 */
function replaceEarlierFiles(o: ExperimentOptions, paths: ReturnType<typeof experimentPaths>, continuing: boolean, notice: (m: string) => void): void {
  const files = [...(continuing ? [] : [paths.checkpoint]), paths.model, paths.results].filter((f) => existsSync(f));
  if (files.length === 0) return;
  const names = files.map((f) => basename(f));
  const { other } = ownership(o.outDir, names);
  if (other.length > 0) {
    throw new Error(`experiment: ${o.outDir} holds ${other.join(', ')}, which no relgrad run wrote (recognised by content, not name) and which this run would write over: move them away or choose another --out`);
  }
  if (continuing) return;
  if (o.force !== true) {
    throw new Error(`experiment: ${o.outDir} already holds results of ${o.dataset} (${names.join(', ')}): pass --force to replace them, or another --out`);
  }
  for (const f of files) rmSync(f, { force: true });
  notice(`replacing (--force) the results of ${o.dataset} in ${o.outDir}: removed ${names.join(', ')}`);
}

async function runLocked(o: ExperimentOptions, paths: ReturnType<typeof experimentPaths>, notice: (m: string) => void): Promise<ExperimentResult> {
  const checkpointPath = paths.checkpoint;
  for (const stale of await removeStaleTemps(checkpointPath)) notice(`removed ${stale}, left by a process that no longer runs`);
  const auto = o.resumeFrom === undefined && (o.resume ?? true) && existsSync(checkpointPath);
  const resume = o.resumeFrom ?? (auto ? await loadCheckpoint(checkpointPath) : undefined);
  const continuing = auto || (o.resumeFrom !== undefined && o.resumePath !== undefined && resolve(o.resumePath) === resolve(checkpointPath));
  // the flow is built from this run's settings; a checkpoint that disagrees with them is refused
  // (flow/run/prepare.ts) before any file in the folder changes
  const flow = Flow.create(o.flow);
  const dataset = { ...o.dataRecord, name: o.dataset, rows: { train: null, validation: null, test: o.data.test.rows } };
  const prepared = await prepareTraining(flow, { train: o.data.train, validation: o.data.validation }, { ...o.train, checkpointPath, resume, dataset, onProgress: o.onProgress, onNotice: notice, signal: o.signal }, { fittable: o.fittableChecked === true });
  replaceEarlierFiles(o, paths, continuing, notice);
  const result = await trainPrepared(prepared);
  o.signal?.throwIfAborted();
  const phase = o.onPhase ?? (() => {});
  phase(`evaluating the flow on ${o.data.test.rows} test rows…`);
  const test = evaluate(flow, o.data.test);
  phase(`flow: test log-likelihood ${test.mean.toFixed(4)} ± ${test.err.toFixed(4)}`);
  let gaussian: Evaluation | null = null;
  if (o.gaussianBaseline !== false) {
    const started = performance.now();
    phase(`fitting the full-covariance Gaussian baseline on ${o.data.train.rows} training rows (dim ${o.data.train.cols})…`);
    gaussian = gaussianBaseline(o.data.train, o.data.test, { dtype: flow.dtype });
    phase(`Gaussian baseline: test log-likelihood ${gaussian.mean.toFixed(4)} ± ${gaussian.err.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const modelPath = paths.model;
  const history = result.history;
  const wall = history.reduce((s, h) => s + h.seconds, 0);
  const out: ExperimentResult = {
    dataset: o.dataset,
    config: flow.config,
    summary: String(flow),
    parameters: flow.parameterCount,
    training: {
      ...o.train,
      status: result.status,
      message: result.message,
      epochs: result.epochs,
      bestEpoch: result.bestEpoch,
      wallSeconds: wall,
      // the median: robust to an epoch that shared the machine with something else
      secondsPerEpoch: median(history.map((h) => h.seconds)),
    },
    validationCurve: history.map((h) => ({ epoch: h.epoch, validationLoss: h.validationLoss, trainLoss: h.trainLoss, seconds: h.seconds })),
    test,
    gaussianBaseline: gaussian,
    commit: gitCommit(),
    model: modelPath,
    date: new Date().toISOString(),
    meta: o.meta ?? {},
  };
  await saveRunModel(modelPath, flow, { precision: o.precision ?? 'float32', run: prepared.run, meta: { dataset: o.dataset, seed: o.train.seed, ...(o.meta ?? {}), test } });
  writeFileAtomic(paths.results, JSON.stringify(out, null, 1));
  return out;
}
