// `relgrad eval`: the log-likelihood (mean ± 2·std/√N) of a data split under a saved flow, as
// JSON. Data set, split seed, row cap and header come from the checkpoint's record unless given.

import { MAX_SEED } from '../../../engine/seed.js';
import { loadCheckpoint, type Checkpoint } from '../../checkpoint.js';
import { standardize, standardizationLogDet } from '../../data/fit-checks.js';
import { evaluate } from '../../evaluate.js';
import { Flow } from '../../model.js';
import { runRecordOf } from '../../run-record.js';
import { parseOrAnswer, UsageError, type FlagSpec } from '../args.js';
import { COMMON_FLAGS, JSON_ALWAYS_FLAG, notice, num, str, useBackend } from '../common.js';
import { CONTEXT_COLUMNS_FLAG, evaluateConditional } from '../conditional.js';
import { isTrainingData, recordedDataName } from '../data-identity.js';
import { DATASET_VALUES, resolveDataset } from '../datasets.js';

const EVAL_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file (required)', placeholder: 'file' },
  dataset: { type: 'string', help: 'data set (default: the one the checkpoint was trained on)', placeholder: 'name', values: DATASET_VALUES },
  split: { type: 'string', help: 'which split', default: 'test', choices: ['test', 'validation', 'train'] },
  seed: { type: 'int', help: 'split seed (default: the one the checkpoint records)', min: 0, max: MAX_SEED },
  header: { type: 'string', help: 'header row of a CSV data set (default: as recorded, else auto)', choices: ['auto', 'yes', 'no'] },
  limit: { type: 'int', help: 'row cap, as in training (default: the one the checkpoint records)', positive: true },
  'context-columns': { ...CONTEXT_COLUMNS_FLAG, help: 'context columns of a conditional flow (default: those the checkpoint records)' },
  json: JSON_ALWAYS_FLAG,
  ...COMMON_FLAGS,
};

/** `relgrad eval [flags]`. */
export async function commandEval(argv: string[]): Promise<void> {
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
