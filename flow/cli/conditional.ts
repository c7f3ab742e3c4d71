// The command line's conditional flows p(x | c) (docs/conditional.md): `train --context-columns`
// picks the context columns of a data set (0-based indices or header names; the rest is x) and
// trains the deep model with conditioners on its splines and dense biases; `eval` scores a
// conditional checkpoint on the same columns (recorded in the model); `sample --context` draws from
// p(x | c) for one context row ("0.3,1.2") or one sample per row of a CSV file of context rows.

import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Checkpoint } from '../checkpoint.js';
import { evaluate, type Evaluation } from '../evaluate.js';
import { Flow } from '../model.js';
import { trainPrepared, type TrainOptions } from '../train.js';
import { prepareTraining } from '../run/prepare.js';
import { gaussianBaseline } from '../run/baseline.js';
import { saveRunModel } from '../run/save.js';
import type { FlowConfig } from '../config.js';
import type { HostMatrix } from '../matrix.js';
import type { LayerSpec } from '../layers/specs.js';
import { evaluateLinearGaussian, fitLinearGaussian } from '../baselines/linear-gaussian.js';
import { encodeNpy, loadMatrix, readCsv } from '../data/files.js';
import { UsageError, type FlagSpec, type FlagValues } from './args.js';
import { prepareTrainFolder } from './train-folder.js';
import type { Output } from './output.js';

/** --context-columns of train and eval. */
export const CONTEXT_COLUMNS_FLAG: FlagSpec = {
  type: 'string',
  help: 'train p(x | c): these columns of the data set are the context c (0-based indices or header names, comma-separated); the rest is x',
  placeholder: 'cols',
};

/** --context of sample. */
export const CONTEXT_FLAG: FlagSpec = {
  type: 'string',
  help: 'sample p(x | c) of a conditional flow: one context row "0.3,1.2" (n samples), or a CSV file of context rows (one sample per row)',
  placeholder: 'row|file',
};

/** The conditioner every conditional layer of the CLI's deep model gets. */
const CLI_CONDITIONER = { hidden: [64, 64] };

/** The 0-based column indices of `spec` (indices or header names) among `cols` columns; refused naming the bad entry. */
function contextColumns(spec: string, cols: number, header: readonly string[] | undefined, where: string): number[] {
  const names = spec.split(',').map((s) => s.trim());
  const out = names.map((name) => {
    if (/^\d+$/.test(name)) {
      const i = Number(name);
      if (i >= cols) throw new UsageError(`${where}: context column ${i} does not exist (the data has columns 0..${cols - 1})`);
      return i;
    }
    const i = header?.indexOf(name) ?? -1;
    if (i < 0) throw new UsageError(`${where}: no column named '${name}'${header ? ` (the header has ${header.join(', ')})` : ' (the data has no header row: give 0-based indices)'}`);
    return i;
  });
  if (new Set(out).size !== out.length) throw new UsageError(`${where}: a context column is given twice (${spec})`);
  if (out.length >= cols) throw new UsageError(`${where}: every column would be context; leave at least one for x`);
  return out;
}

/** The rows split into x (the other columns, in order) and the context (the given columns, in the given order). */
function splitColumns(m: HostMatrix, context: readonly number[]): { x: HostMatrix<Float64Array>; context: HostMatrix<Float64Array> } {
  const rest = Array.from({ length: m.cols }, (_, j) => j).filter((j) => !context.includes(j));
  const pick = (cols: readonly number[]): HostMatrix<Float64Array> => {
    const data = new Float64Array(m.rows * cols.length);
    for (let r = 0; r < m.rows; r++) cols.forEach((j, k) => (data[r * cols.length + k] = m.data[r * m.cols + j]));
    return { data, rows: m.rows, cols: cols.length };
  };
  return { x: pick(rest), context: pick(context) };
}

/** Header names of a CSV data file (undefined for other data sets or a file without a header). */
function headerOf(dataset: string, header: 'auto' | 'yes' | 'no'): string[] | undefined {
  if (!existsSync(dataset) || !/\.(csv|txt|tsv|dat)$/i.test(dataset)) return undefined;
  return readCsv(dataset, { header: header === 'yes' ? true : header === 'no' ? false : 'auto' }).header;
}

/** What trainConditional needs from the train command. */
export interface ConditionalTrainRun {
  flags: FlagValues;
  out: string;
  output: Output;
  abort: AbortSignal;
  notice: (message: string) => void;
  dataset: string;
  splits: { train: HostMatrix; validation: HostMatrix; test: HostMatrix };
  /** the flow config of the run's settings (a deep model's stack) before conditioners are added */
  config: FlowConfig;
  options: TrainOptions;
  header: 'auto' | 'yes' | 'no';
  /** fields the model records beside the run record (data set, seed, limit, kind) */
  meta: Record<string, unknown>;
}

/**
 * `relgrad train --context-columns`: the deep model with conditioners on its splines and dense
 * biases, trained on { x, context } pairs; reports the test log p(x | c) beside the full-covariance
 * Gaussian of x (c ignored) and the linear-Gaussian baseline x | c ~ N(Ac + μ, Σ); writes
 * model.json (the context columns recorded) and checkpoint.json in the run folder.
 */
export async function trainConditional(run: ConditionalTrainRun): Promise<void> {
  const { flags, out, output, dataset, splits } = run;
  if (run.config.stack === undefined) throw new UsageError('relgrad train: --context-columns needs the deep model (--model deep)');
  if (flags.standardize === true) throw new UsageError('relgrad train: --standardize does not combine with --context-columns yet; standardise the columns beforehand');
  const columns = contextColumns(String(flags['context-columns']), splits.train.cols, headerOf(dataset, run.header), 'relgrad train: --context-columns');
  const [trainSet, validation, test] = [splits.train, splits.validation, splits.test].map((m) => splitColumns(m, columns));
  const stack = run.config.stack.map((spec) => {
    const s = spec as LayerSpec;
    return s.type === 'spline' || s.type === 'dense' ? ({ ...s, context: CLI_CONDITIONER } as LayerSpec) : s;
  });
  const flow = Flow.create({ ...run.config, dim: trainSet.x.cols, context: columns.length, stack });
  const checkpointPath = join(out, 'checkpoint.json');
  // options and data checked, the run record built, before anything in the folder changes
  const prepared = await prepareTraining(flow, { train: trainSet, validation }, {
    ...run.options,
    checkpointPath,
    signal: run.abort,
    onProgress: (e) => {
      if (e.kind === 'epoch') output.human(`epoch ${e.epoch}/${e.epochs}  train loss ${e.record.trainLoss.toFixed(4)}  validation loss ${e.record.validationLoss?.toFixed(4) ?? '-'}${e.record.improved ? '  *' : ''}`);
    },
    onNotice: run.notice,
  });
  prepareTrainFolder({ out, continuing: false, force: flags.force === true, notice: run.notice });
  output.human(`training ${String(flow)} on ${dataset}: x = ${trainSet.x.cols} columns, context = columns ${columns.join(', ')}; ${trainSet.x.rows} train / ${validation.x.rows} validation / ${test.x.rows} test rows`);
  const result = await trainPrepared(prepared);
  output.human(result.message);
  const score = evaluate(flow, test);
  const gaussian = gaussianBaseline(trainSet.x, test.x, { dtype: flow.dtype });
  const linear = evaluateLinearGaussian(fitLinearGaussian(trainSet.x, trainSet.context), test);
  output.human(`test log p(x | c) ${score.mean.toFixed(4)} ± ${score.err.toFixed(4)}; linear-Gaussian x | c ${linear.mean.toFixed(4)} ± ${linear.err.toFixed(4)}; Gaussian of x (c ignored) ${gaussian.mean.toFixed(4)}`);
  const modelPath = join(out, 'model.json');
  await saveRunModel(modelPath, flow, { precision: 'float64', run: prepared.run, meta: { ...run.meta, contextColumns: columns, test: score, result: { ...result, history: undefined } } });
  output.result({
    dataset, contextColumns: columns, testLogLikelihood: score.mean, err: score.err, n: score.n,
    linearGaussianTestLogLikelihood: linear.mean, gaussianTestLogLikelihood: gaussian.mean,
    epochs: result.epochs, seconds: result.seconds, model: modelPath, checkpoint: checkpointPath,
  });
}

/** `relgrad eval` of a conditional checkpoint: the recorded context columns (or --context-columns) of the split. */
export function evaluateConditional(flow: Flow, ck: Checkpoint, rows: HostMatrix, flags: FlagValues, dataset: string, header: 'auto' | 'yes' | 'no'): Evaluation & { contextColumns: number[] } {
  const given = flags['context-columns'];
  const recorded = ck.meta?.contextColumns;
  let columns: number[];
  if (given !== undefined) columns = contextColumns(String(given), rows.cols, headerOf(dataset, header), 'relgrad eval: --context-columns');
  else if (Array.isArray(recorded) && recorded.every((i) => Number.isInteger(i))) columns = recorded as number[];
  else throw new UsageError('relgrad eval: this flow is conditional and the checkpoint does not record its context columns: pass --context-columns');
  if (rows.cols - columns.length !== flow.dim || columns.length !== flow.contextDim) {
    throw new UsageError(`relgrad eval: the data has ${rows.cols} columns; with context columns ${columns.join(', ')} that is x of ${rows.cols - columns.length} and c of ${columns.length}, the flow takes x of ${flow.dim} and c of ${flow.contextDim}`);
  }
  return { ...evaluate(flow, splitColumns(rows, columns)), contextColumns: columns };
}

/**
 * `relgrad sample` of a conditional flow: --context "0.3,1.2" (n samples of that row) or a CSV
 * file of context rows (one sample per row); writes .csv or .npy. Returns what it wrote.
 */
export function sampleConditional(flow: Flow, flags: FlagValues, given: ReadonlySet<string>): { samples: number; out: string; maxResidual: number } {
  const spec = flags.context;
  if (flow.contextDim === 0) throw new UsageError('relgrad sample: --context applies to a conditional flow; this one is unconditional');
  if (spec === undefined) throw new UsageError(`relgrad sample: this flow is conditional (context width ${flow.contextDim}): pass --context "c1,…,c${flow.contextDim}" or a CSV file of context rows`);
  const out = String(flags.out);
  if (!/\.(csv|npy)$/i.test(out)) throw new UsageError(`relgrad sample: a conditional flow's samples go to a .csv or .npy file, got '${out}'`);
  const text = String(spec);
  let context: HostMatrix<Float64Array>;
  let n: number;
  if (existsSync(text)) {
    context = loadMatrix(text);
    if (given.has('n') && Number(flags.n) !== context.rows) throw new UsageError(`relgrad sample: --context ${text} has ${context.rows} rows (one sample each); -n ${String(flags.n)} disagrees: leave -n out`);
    n = context.rows;
  } else {
    const values = text.split(',').map((s) => Number(s.trim()));
    if (values.some((v) => !Number.isFinite(v))) throw new UsageError(`relgrad sample: --context must be ${flow.contextDim} comma-separated numbers or an existing CSV file, got '${text}'`);
    context = { data: Float64Array.from(values), rows: 1, cols: values.length };
    n = Number(flags.n);
  }
  if (context.cols !== flow.contextDim) throw new UsageError(`relgrad sample: --context has ${context.cols} values per row, the flow's context width is ${flow.contextDim}`);
  const { x, maxResidual } = flow.sample(n, { seed: Number(flags.seed), context });
  const host: HostMatrix<Float64Array> = { data: Float64Array.from(x.dataSync()), rows: n, cols: flow.dim };
  x.dispose();
  if (/\.npy$/i.test(out)) writeFileSync(out, encodeNpy(host));
  else {
    const lines: string[] = [];
    for (let r = 0; r < n; r++) lines.push(Array.from(host.data.subarray(r * flow.dim, (r + 1) * flow.dim), (v) => String(v)).join(','));
    writeFileSync(out, lines.join('\n') + '\n');
  }
  return { samples: n, out: resolve(out), maxResidual };
}
