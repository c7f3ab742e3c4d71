#!/usr/bin/env node
// The relgrad command line: train, eval, sample. Exit status 0 on success, 2 on a usage error
// (unknown flag, bad value), 1 on any other error; every error says what was wrong.

import { mkdirSync, writeFileSync, appendFileSync, existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { setBackend } from '../../engine/state.js';
import { tidy } from '../../engine/scope.js';
import { loadCheckpoint } from '../checkpoint.js';
import { evaluate } from '../evaluate.js';
import { Flow, GRADIENT_METHODS } from '../model.js';
import { train, type ProgressEvent } from '../train.js';
import { ACTIVATIONS } from '../activations.js';
import { BASES } from '../bases.js';
import type { Matrix64 } from '../data/dataset.js';
import { mnistToPixels } from '../data/mnist.js';
import { dataBounds, densityHeatmap, scatterPng } from '../plot/density.js';
import { imageGrid } from '../plot/images.js';
import { parseFlags, usage, UsageError, type FlagSpec, type FlagValues } from './args.js';
import { resolveDataset } from './datasets.js';
import { commandExport, commandInfo, matrixNpy } from './interchange.js';
import { runExperiment } from '../experiment.js';

const common: Record<string, FlagSpec> = {
  backend: { type: 'string', help: 'compute backend', default: 'cpu', choices: ['cpu', 'gpu'] },
  'data-dir': { type: 'string', help: 'folder of the MAF data files (power, gas, hepmass, miniboone, bsds300)' },
};

const TRAIN_FLAGS: Record<string, FlagSpec> = {
  dataset: { type: 'string', help: 'toy set, mnist, a MAF set, or a .csv/.npy file', default: 'moons' },
  epochs: { type: 'int', help: 'maximum epochs', default: 50, positive: true },
  'batch-size': { type: 'int', help: 'mini-batch size', default: 100, positive: true },
  lr: { type: 'number', help: 'learning rate', default: 0.01, positive: true },
  optimizer: { type: 'string', help: 'optimiser', default: 'adam', choices: ['adam', 'sgd'] },
  method: { type: 'string', help: 'gradient method', default: 'relative', choices: GRADIENT_METHODS },
  layers: { type: 'int', help: 'number of dense layers', default: 2, positive: true },
  activation: { type: 'string', help: 'activation', default: 'smooth-leaky-relu', choices: ACTIVATIONS },
  alpha: { type: 'number', help: 'smooth-leaky-relu slope', default: 0.3, positive: true },
  base: { type: 'string', help: 'base density', default: 'normal', choices: BASES },
  bias: { type: 'boolean', help: 'use biases (--no-bias to switch off)', default: true },
  patience: { type: 'int', help: 'early-stopping patience in epochs', default: 30, positive: true },
  seed: { type: 'int', help: 'seed of initialisation, data split and batch order', default: 0 },
  limit: { type: 'int', help: 'cap on training rows (quick runs)', positive: true },
  out: { type: 'string', help: 'output folder (default runs/<dataset>)' },
  resume: { type: 'string', help: 'continue from this checkpoint' },
  float32: { type: 'boolean', help: 'store parameters as float32 in the final checkpoint', default: false },
  dtype: { type: 'string', help: 'compute dtype (default: the backend\'s, float64 on the cpu)', choices: ['float64', 'float32'] },
  ...common,
};

const EVAL_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file (required)' },
  dataset: { type: 'string', help: 'data set (default: the one the checkpoint was trained on)' },
  split: { type: 'string', help: 'which split', default: 'test', choices: ['test', 'validation', 'train'] },
  seed: { type: 'int', help: 'data seed (default: the training seed)' },
  limit: { type: 'int', help: 'cap on training rows, as in training', positive: true },
  ...common,
};

const SAMPLE_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file (required)' },
  n: { type: 'int', help: 'number of samples', default: 1000, positive: true },
  seed: { type: 'int', help: 'sampling seed', default: 0 },
  out: { type: 'string', help: 'output file: .png (2-D scatter or MNIST grid), .csv or .npy (float64)', default: 'samples.png' },
  ...common,
};

const str = (f: FlagValues, k: string): string | undefined => (f[k] === undefined ? undefined : String(f[k]));
const num = (f: FlagValues, k: string): number => Number(f[k]);

async function useBackend(flags: FlagValues): Promise<void> {
  const backend = await setBackend(str(flags, 'backend') === 'gpu' ? 'gpu' : 'cpu');
  if (backend.name !== 'cpu') process.stderr.write(`backend: ${backend.describe().implementation}\n`);
}

function writeSamplesPicture(file: string, flow: Flow, x: Matrix64, reference?: Matrix64): void {
  if (flow.dim === 2) {
    writeFileSync(file, scatterPng(x, { bounds: dataBounds(reference ?? x) }));
  } else if (flow.dim === 784) {
    writeFileSync(file, imageGrid(mnistToPixels(x), { height: 28, width: 28, columns: 10 }));
  } else {
    throw new Error(`sample: a picture needs 2-D or MNIST (784-D) data; this flow has dim ${flow.dim}: use --out samples.csv`);
  }
}

function toCsv(m: Matrix64): string {
  const lines: string[] = [];
  for (let r = 0; r < m.rows; r++) lines.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)).join(','));
  return lines.join('\n') + '\n';
}

function hostOf(flow: Flow, t: { dataSync(): Float64Array | Float32Array; shape: readonly number[] }): Matrix64 {
  return { data: Float64Array.from(t.dataSync()), rows: t.shape[0], cols: flow.dim };
}

async function commandTrain(argv: string[]): Promise<void> {
  const { flags, help } = parseFlags('train', argv, TRAIN_FLAGS);
  if (help) return void console.log(usage('train', 'Trains a dense flow by maximum likelihood and writes a checkpoint, a JSONL log and pictures.', TRAIN_FLAGS));
  await useBackend(flags);
  const dataset = String(flags.dataset);
  const seed = num(flags, 'seed');
  const data = await resolveDataset({ name: dataset, dataDir: str(flags, 'data-dir'), seed, limit: flags.limit as number | undefined });
  const out = resolve(str(flags, 'out') ?? join('runs', dataset.replace(/[^\w.-]+/g, '_')));
  mkdirSync(out, { recursive: true });
  const checkpointPath = join(out, 'checkpoint.json');
  const logPath = join(out, 'log.jsonl');
  const resumeFrom = str(flags, 'resume');
  const resume = resumeFrom === undefined ? undefined : await loadCheckpoint(resumeFrom);
  const flow = resume
    ? Flow.fromCheckpoint(resume)
    : Flow.create({
        dim: data.train.cols,
        layers: num(flags, 'layers'),
        activation: flags.activation as (typeof ACTIVATIONS)[number],
        alpha: num(flags, 'alpha'),
        base: flags.base as (typeof BASES)[number],
        bias: flags.bias as boolean,
        seed,
        dtype: flags.dtype as 'float64' | 'float32' | undefined,
      });
  if (!resume) writeFileSync(logPath, '');
  const runMeta = { dataset, seed, limit: flags.limit ?? null, kind: data.kind };
  const interactive = process.stdout.isTTY === true;
  const bar = interactive
    ? new cliProgress.SingleBar({ format: 'epoch {epoch} |{bar}| {percentage}% | ETA {eta_formatted} | val loss {loss}', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  let lastLoss = 'n/a';
  const onProgress = (e: ProgressEvent): void => {
    if (e.kind === 'batch') {
      if (bar && e.batch === 1) bar.start(e.batches, 0, { epoch: e.epoch, loss: lastLoss });
      bar?.update(e.batch, { epoch: e.epoch, loss: lastLoss });
      return;
    }
    bar?.stop();
    const r = e.record;
    lastLoss = (r.validationLoss ?? r.trainLoss).toFixed(4);
    appendFileSync(logPath, JSON.stringify(r) + '\n');
    const line = `epoch ${r.epoch}/${e.epochs}  train loss ${r.trainLoss.toFixed(4)}  validation loss ${r.validationLoss?.toFixed(4) ?? '-'}  ${r.seconds.toFixed(2)} s${r.improved ? '  *' : ''}`;
    console.log(line);
  };
  console.log(`training a ${flow.layers}-layer flow (dim ${flow.dim}) on ${dataset}: ${data.train.rows} train / ${data.validation.rows} validation / ${data.test.rows} test rows, method ${String(flags.method)}`);
  const result = await train(flow, { train: data.train, validation: data.validation }, {
    epochs: num(flags, 'epochs'),
    batchSize: num(flags, 'batch-size'),
    lr: num(flags, 'lr'),
    optimizer: flags.optimizer as 'adam' | 'sgd',
    method: flags.method as (typeof GRADIENT_METHODS)[number],
    patience: num(flags, 'patience'),
    seed,
    checkpointPath,
    resume,
    onProgress,
  });
  bar?.stop();
  console.log(result.message);
  if (result.status === 'diverged') {
    process.exitCode = 1;
    return;
  }
  const test = evaluate(flow, data.test);
  const finalPath = join(out, 'model.json');
  await flow.save(finalPath, { precision: flags.float32 ? 'float32' : 'float64', meta: { ...runMeta, test, result: { ...result, history: undefined } } });
  const pictures: string[] = [];
  if (flow.dim === 2) {
    const density = join(out, 'density.png');
    const bounds = dataBounds(data.train);
    writeFileSync(density, densityHeatmap({
      logDensity: (grid) => tidy(() => Float64Array.from(flow.logProb(grid).dataSync())),
      bounds,
      points: { data: data.train.data.subarray(0, 2 * Math.min(1000, data.train.rows)), rows: Math.min(1000, data.train.rows), cols: 2 },
    }));
    pictures.push(density);
  }
  if (flow.dim === 2 || flow.dim === 784) {
    const samplesFile = join(out, 'samples.png');
    const { x } = flow.sample(flow.dim === 2 ? 2000 : 100, { seed });
    writeSamplesPicture(samplesFile, flow, hostOf(flow, x), data.train);
    pictures.push(samplesFile);
  }
  console.log(JSON.stringify({ dataset, testLogLikelihood: test.mean, err: test.err, n: test.n, epochs: result.epochs, seconds: result.seconds, model: finalPath, checkpoint: checkpointPath, log: logPath, pictures }));
  if (pictures.length > 0) console.log(`pictures: ${pictures.join(', ')}`);
}

async function commandEval(argv: string[]): Promise<void> {
  const { flags, help } = parseFlags('eval', argv, EVAL_FLAGS);
  if (help) return void console.log(usage('eval', 'Prints JSON with the log-likelihood (mean ± 2·std/√N) of a split under a saved flow.', EVAL_FLAGS));
  const path = str(flags, 'checkpoint');
  if (path === undefined) throw new UsageError('relgrad eval: --checkpoint is required');
  await useBackend(flags);
  const ck = await loadCheckpoint(path);
  const meta = (ck.meta ?? {}) as { dataset?: string; seed?: number; limit?: number | null };
  const dataset = str(flags, 'dataset') ?? meta.dataset;
  if (dataset === undefined) throw new UsageError('relgrad eval: the checkpoint does not name its data set: pass --dataset');
  const seed = flags.seed === undefined ? (meta.seed ?? 0) : num(flags, 'seed');
  const limit = (flags.limit as number | undefined) ?? meta.limit ?? undefined;
  const data = await resolveDataset({ name: dataset, dataDir: str(flags, 'data-dir'), seed, limit });
  const flow = Flow.fromCheckpoint(ck);
  const split = String(flags.split) as 'test' | 'validation' | 'train';
  const r = evaluate(flow, data[split]);
  console.log(JSON.stringify({ dataset, split, logLikelihood: r.mean, err: r.err, n: r.n, nonFinite: r.nonFinite }));
}

async function commandSample(argv: string[]): Promise<void> {
  const { flags, help } = parseFlags('sample', argv, SAMPLE_FLAGS);
  if (help) return void console.log(usage('sample', 'Draws samples from a saved flow (Newton-inverted activations) and writes a PNG, CSV or NumPy .npy file.', SAMPLE_FLAGS));
  const path = str(flags, 'checkpoint');
  if (path === undefined) throw new UsageError('relgrad sample: --checkpoint is required');
  const out = String(flags.out);
  if (!/\.(png|csv|npy)$/i.test(out)) throw new UsageError(`relgrad sample: --out must end in .png, .csv or .npy, got '${out}'`);
  await useBackend(flags);
  const flow = Flow.fromCheckpoint(await loadCheckpoint(path));
  const { x, maxResidual } = flow.sample(num(flags, 'n'), { seed: num(flags, 'seed') });
  const host = hostOf(flow, x);
  if (out.toLowerCase().endsWith('.csv')) writeFileSync(out, toCsv(host));
  else if (out.toLowerCase().endsWith('.npy')) writeFileSync(out, matrixNpy(host));
  else writeSamplesPicture(out, flow, host);
  console.log(JSON.stringify({ samples: host.rows, out: resolve(out), maxNewtonResidual: maxResidual }));
}

const EXPERIMENT_FLAGS: Record<string, FlagSpec> = {
  ...TRAIN_FLAGS,
  dataset: { type: 'string', help: 'data set', default: 'mnist' },
  epochs: { type: 'int', help: 'maximum epochs (early stopping on validation decides)', default: 1000, positive: true },
  lr: { type: 'number', help: 'learning rate', default: 1e-4, positive: true },
  out: { type: 'string', help: 'results folder', default: 'results' },
  'no-gaussian': { type: 'boolean', help: 'skip the full-covariance Gaussian baseline', default: false },
  fresh: { type: 'boolean', help: 'ignore an existing checkpoint in the results folder', default: false },
};

async function commandExperiment(argv: string[]): Promise<void> {
  const { flags, help } = parseFlags('experiment', argv, EXPERIMENT_FLAGS);
  if (help) return void console.log(usage('experiment', 'Trains with early stopping on validation, evaluates on test next to a full-covariance Gaussian, and writes <out>/<dataset>.json and the model. Resumes from <out>/<dataset>-checkpoint.json.', EXPERIMENT_FLAGS));
  await useBackend(flags);
  const dataset = String(flags.dataset);
  const seed = num(flags, 'seed');
  const limit = flags.limit as number | undefined;
  const data = await resolveDataset({ name: dataset, dataDir: str(flags, 'data-dir'), seed, limit });
  console.log(`experiment ${dataset}: ${data.train.rows} train / ${data.validation.rows} validation / ${data.test.rows} test rows, dim ${data.train.cols}`);
  const r = await runExperiment({
    dataset,
    data,
    flow: { dim: data.train.cols, layers: num(flags, 'layers'), activation: flags.activation as (typeof ACTIVATIONS)[number], alpha: num(flags, 'alpha'), base: flags.base as (typeof BASES)[number], bias: flags.bias as boolean, seed, dtype: flags.dtype as 'float64' | 'float32' | undefined },
    train: { epochs: num(flags, 'epochs'), batchSize: num(flags, 'batch-size'), lr: num(flags, 'lr'), optimizer: flags.optimizer as 'adam' | 'sgd', method: flags.method as (typeof GRADIENT_METHODS)[number], patience: num(flags, 'patience'), seed },
    outDir: resolve(String(flags.out)),
    resume: !flags.fresh,
    gaussianBaseline: !flags['no-gaussian'],
    meta: { limit: limit ?? null },
    onProgress: (e) => {
      if (e.kind === 'epoch') {
        const h = e.record;
        console.log(`epoch ${h.epoch}  train ${h.trainLoss.toFixed(2)}  validation ${h.validationLoss?.toFixed(2) ?? '-'}  ${h.seconds.toFixed(1)} s${h.improved ? '  *' : ''}`);
      }
    },
  });
  console.log(JSON.stringify({ dataset, test: r.test, gaussianBaseline: r.gaussianBaseline, epochs: r.training.epochs, bestEpoch: r.training.bestEpoch, secondsPerEpoch: r.training.secondsPerEpoch, model: r.model }));
}

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { train: commandTrain, eval: commandEval, sample: commandSample, experiment: commandExperiment, export: commandExport, info: commandInfo };

const TOP_HELP = `usage: relgrad <command> [flags]

commands:
  train    train a dense flow by maximum likelihood (relative gradient by default)
  eval     log-likelihood of a data split under a saved flow, as JSON
  sample   draw samples from a saved flow into a PNG, CSV or .npy
  experiment  train with early stopping, evaluate next to a Gaussian baseline, write results JSON
  export   write a saved flow's parameters as .npz (NumPy) or safetensors
  info     summary of a saved flow (layers, parameters, dtype, data set, log-likelihood), as JSON

relgrad <command> --help shows each command's flags.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(TOP_HELP);
    return 0;
  }
  const run = COMMANDS[command];
  try {
    if (run === undefined) throw new UsageError(`relgrad: unknown command '${command}' (expected train, eval, sample, experiment, export or info)`);
    await run(rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message.startsWith('relgrad') ? '' : 'relgrad: error: '}${message}\n`);
    return err instanceof UsageError ? 2 : 1;
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
