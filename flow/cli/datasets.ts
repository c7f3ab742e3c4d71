// Resolves a --dataset name to train/validation/test splits: a toy set, MNIST, a MAF data set
// under --data-dir, or a user CSV/.npy file (split 80/10/10, seeded).

import { existsSync } from 'node:fs';
import { sliceRows, type Splits } from '../data/dataset.js';
import { loadMatrix, splitMatrix } from '../data/files.js';
import { loadDataset, MAF_TABULAR } from '../data/index.js';
import { loadMnist } from '../data/mnist.js';
import { TOY_SETS, toySplits, type ToyName } from '../data/toy.js';

export interface DatasetRequest {
  name: string;
  dataDir?: string;
  seed: number;
  /** cap on training rows (for quick runs; a toy set draws this many); validation/test are capped at a fifth of it, at least 500 */
  limit?: number;
  /** header row of a CSV/text file: detected ('auto', default), or forced */
  header?: 'auto' | 'yes' | 'no';
  onNotice?: (message: string) => void;
}

export type DatasetKind = 'toy' | 'mnist' | 'maf' | 'file';

export const MAF_SETS = MAF_TABULAR;

/** The valid --dataset values, for --help. */
export const DATASET_VALUES = `one of: ${Object.keys(TOY_SETS).join(', ')} (toy sets); mnist; ${MAF_SETS.join(', ')} (MAF sets, with --data-dir); or a .csv/.npy path`;

export function datasetKind(name: string): DatasetKind {
  if (name in TOY_SETS) return 'toy';
  if (name === 'mnist') return 'mnist';
  if ((MAF_SETS as readonly string[]).includes(name)) return 'maf';
  return 'file';
}

/** Row caps of --limit: training rows, and validation/test rows (a fifth of it, at least 500). */
function limitCaps(limit: number): { train: number; validation: number; test: number } {
  const held = Math.max(500, Math.floor(limit / 5));
  return { train: limit, validation: held, test: held };
}

/** The first rows of each split up to the caps of --limit (the split itself is unchanged). */
function capSplits(s: Splits, limit: number | undefined): Splits {
  if (limit === undefined) return s;
  const caps = limitCaps(limit);
  return { ...s, train: sliceRows(s.train, 0, caps.train), validation: sliceRows(s.validation, 0, caps.validation), test: sliceRows(s.test, 0, caps.test) };
}

export async function resolveDataset(req: DatasetRequest): Promise<Splits & { kind: DatasetKind }> {
  const kind = datasetKind(req.name);
  if (req.dataDir !== undefined && kind !== 'maf') {
    throw new Error(`dataset ${req.name}: --data-dir only applies to the MAF sets (${MAF_SETS.join(', ')}); leave it out`);
  }
  if (req.header !== undefined && req.header !== 'auto' && (kind !== 'file' || /\.npy$/i.test(req.name))) {
    throw new Error(`dataset ${req.name}: --header applies to CSV/text files only; leave it out`);
  }
  if (req.limit !== undefined && (!Number.isInteger(req.limit) || req.limit < 1)) {
    throw new Error(`dataset ${req.name}: limit must be a positive integer, got ${req.limit}`);
  }
  if (kind === 'toy') {
    // toy sets are drawn: a limit draws that many training rows (default 5000), and at most the
    // default 500 validation and 500 test rows (so every run scores the same kind of test split)
    const caps = req.limit === undefined ? undefined : limitCaps(req.limit);
    const sizes = caps && { train: caps.train, validation: Math.min(500, caps.validation), test: Math.min(500, caps.test) };
    return { ...toySplits(req.name as ToyName, { seed: req.seed, ...sizes }), kind };
  }
  if (kind === 'mnist') {
    const limits = req.limit === undefined ? undefined : limitCaps(req.limit);
    return { ...loadMnist({ seed: req.seed, limits }), kind };
  }
  if (kind === 'maf') {
    if (req.dataDir === undefined) {
      throw new Error(`dataset ${req.name}: needs --data-dir (the data/ folder of the MAF data release, https://zenodo.org/record/1161203)`);
    }
    return { ...capSplits(await loadDataset(req.name, req.dataDir), req.limit), kind };
  }
  if (!existsSync(req.name)) {
    throw new Error(`dataset '${req.name}' is neither a built-in set (${[...Object.keys(TOY_SETS), 'mnist', ...MAF_SETS].join(', ')}) nor an existing .csv/.npy file`);
  }
  const header = req.header === 'yes' ? true : req.header === 'no' ? false : 'auto';
  return { ...capSplits(splitMatrix(loadMatrix(req.name, { header, onNotice: req.onNotice }), { seed: req.seed, name: req.name }), req.limit), kind };
}
