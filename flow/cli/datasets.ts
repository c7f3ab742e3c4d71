// Resolves a --dataset name to train/validation/test splits: a toy set, MNIST, a MAF data set
// under --data-dir, or a user CSV/.npy file (split 80/10/10, seeded).

import { existsSync } from 'node:fs';
import type { Splits } from '../data/dataset.js';
import { loadMatrix, splitMatrix } from '../data/files.js';
import { loadDataset } from '../data/index.js';
import { loadMnist } from '../data/mnist.js';
import { TOY_SETS, toySplits } from '../data/toy.js';

export interface DatasetRequest {
  name: string;
  dataDir?: string;
  seed: number;
  /** cap on training rows (for quick runs); validation/test are capped at a fifth of it, at least 500 */
  limit?: number;
}

export type DatasetKind = 'toy' | 'mnist' | 'maf' | 'file';

export const MAF_SETS = ['power', 'gas', 'hepmass', 'miniboone', 'bsds300'] as const;

export function datasetKind(name: string): DatasetKind {
  if (name in TOY_SETS) return 'toy';
  if (name === 'mnist') return 'mnist';
  if ((MAF_SETS as readonly string[]).includes(name)) return 'maf';
  return 'file';
}

export async function resolveDataset(req: DatasetRequest): Promise<Splits & { kind: DatasetKind }> {
  const kind = datasetKind(req.name);
  if (kind === 'toy') return { ...toySplits(req.name, { seed: req.seed }), kind };
  if (kind === 'mnist') {
    const held = req.limit === undefined ? undefined : Math.max(500, Math.floor(req.limit / 5));
    const limits = req.limit === undefined ? undefined : { train: req.limit, validation: held, test: held };
    return { ...loadMnist({ seed: req.seed, limits }), kind };
  }
  if (kind === 'maf') {
    if (req.dataDir === undefined) {
      throw new Error(`dataset ${req.name}: needs --data-dir (the data/ folder of the MAF data release, https://zenodo.org/record/1161203)`);
    }
    return { ...(await loadDataset(req.name, req.dataDir)), kind };
  }
  if (!existsSync(req.name)) {
    throw new Error(`dataset '${req.name}' is neither a built-in set (${[...Object.keys(TOY_SETS), 'mnist', ...MAF_SETS].join(', ')}) nor an existing .csv/.npy file`);
  }
  return { ...splitMatrix(loadMatrix(req.name), { seed: req.seed, name: req.name }), kind };
}
