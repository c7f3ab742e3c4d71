// An experiment: one data set, one configuration, trained with early stopping on validation,
// evaluated on test, side by side with the full-covariance Gaussian baseline evaluated by the same
// code path; writes a results JSON (config, seed, commit, epochs, wall time, validation curve,
// test LL ± 2·std/√N) and the trained parameters so that `relgrad eval` reproduces the number.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fitGaussianFlow } from './baselines/gaussian.js';
import { loadCheckpoint } from './checkpoint.js';
import type { Splits } from './data/dataset.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { Flow, type GradientMethod } from './model.js';
import type { FlowConfig } from './config.js';
import { train, type ProgressEvent, type TrainResult } from './train.js';
import type { OptimizerName } from './optim.js';

export interface ExperimentOptions {
  dataset: string;
  data: Splits;
  flow: FlowConfig;
  train: { epochs: number; batchSize: number; lr: number; optimizer: OptimizerName; method: GradientMethod; patience: number; seed: number };
  outDir: string;
  /** resume from <outDir>/<dataset>-checkpoint.json when it exists (default true) */
  resume?: boolean;
  gaussianBaseline?: boolean;
  onProgress?: (e: ProgressEvent) => void;
  meta?: Record<string, unknown>;
}

export interface ExperimentResult {
  dataset: string;
  config: FlowConfig;
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
  const checkpointPath = join(o.outDir, `${o.dataset}-checkpoint.json`);
  const resume = (o.resume ?? true) && existsSync(checkpointPath) ? await loadCheckpoint(checkpointPath) : undefined;
  const flow = resume ? Flow.fromCheckpoint(resume) : Flow.create(o.flow);
  const result = await train(flow, { train: o.data.train, validation: o.data.validation }, { ...o.train, checkpointPath, resume, onProgress: o.onProgress });
  const test = evaluate(flow, o.data.test);
  const gaussian = o.gaussianBaseline === false ? null : evaluate(fitGaussianFlow(o.data.train, { dtype: flow.dtype }), o.data.test);
  const modelPath = join(o.outDir, `${o.dataset}-model.json`);
  const history = result.history;
  const wall = history.reduce((s, h) => s + h.seconds, 0);
  const out: ExperimentResult = {
    dataset: o.dataset,
    config: flow.config,
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
  await flow.save(modelPath, { precision: 'float32', meta: { dataset: o.dataset, seed: o.train.seed, ...(o.meta ?? {}), test } });
  writeFileSync(join(o.outDir, `${o.dataset}.json`), JSON.stringify(out, null, 1));
  return out;
}
