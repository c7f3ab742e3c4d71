// `relgrad experiment`: trains with early stopping on validation, evaluates on test next to the
// full-covariance Gaussian and writes <out>/<dataset>.json and the model (flow/experiment.ts);
// the same command resumes from <out>/<dataset>-checkpoint.json.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadCheckpoint, type Checkpoint } from '../../checkpoint.js';
import { assertCentredEnough, assertFittable } from '../../data/fit-checks.js';
import { experimentPaths, runExperiment } from '../../experiment.js';
import { parseOrAnswer, UsageError, type FlagSpec } from '../args.js';
import { JSON_FLAG, notice, str, useBackend } from '../common.js';
import { dataIdentity } from '../data-identity.js';
import { DATASET_VALUES, resolveDataset } from '../datasets.js';
import { interruptible } from '../interrupt.js';
import { outputFor } from '../output.js';
import { createProgress } from '../progress.js';
import { CENTRE_ADVICE, flowConfigOf, refuseIgnored, runSettings, trainExtras } from '../settings.js';
import { interruptedExperiment } from '../train-folder.js';
import { TRAIN_FLAGS } from './train.js';

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

/** `relgrad experiment [flags]`. */
export async function commandExperiment(argv: string[]): Promise<void> {
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
    fittableChecked: true, // assertFittable above
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
