// BSDS300 patches of the MAF benchmark from BSDS300/BSDS300.hdf5 (MAF data release, Zenodo record
// 1161203): datasets 'train', 'validation', 'test', each N×63 (8×8 patches minus the last pixel,
// already preprocessed by MAF), read with h5wasm's Node build straight from the host file system.

import h5wasm from 'h5wasm/node';
import { join } from 'node:path';
import type { Matrix64, Splits } from './dataset.js';
import { requireDataFile } from './uci.js';

/** Read one 2-D numeric dataset of an open HDF5 file as float64. */
function readDataset(file: InstanceType<typeof h5wasm.File>, name: string, path: string): Matrix64 {
  const entity = file.get(name);
  if (!(entity instanceof h5wasm.Dataset)) throw new Error(`${path}: no dataset '${name}' (found: ${file.keys().join(', ')})`);
  const shape = entity.shape;
  if (!shape || shape.length !== 2) throw new Error(`${path}: dataset '${name}' has shape [${shape?.join(', ')}], expected 2-D`);
  const value = entity.value;
  if (!(value instanceof Float32Array || value instanceof Float64Array)) {
    throw new Error(`${path}: dataset '${name}' has dtype '${String(entity.dtype)}', expected float32 or float64`);
  }
  const [rows, cols] = shape;
  const data = value instanceof Float64Array ? value : Float64Array.from(value);
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const r = Math.floor(k / cols);
      throw new Error(`${path}: dataset '${name}', row ${r}, column ${k - r * cols} (0-based) is ${data[k]}`);
    }
  }
  return { data, rows, cols };
}

/** Read train/validation/test from an HDF5 file path (no further preprocessing, as in MAF). */
export async function readBsds300(path: string): Promise<Splits> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'r');
  try {
    return {
      name: 'bsds300',
      train: readDataset(file, 'train', path),
      validation: readDataset(file, 'validation', path),
      test: readDataset(file, 'test', path),
    };
  } finally {
    file.close();
  }
}

export async function loadBsds300(dataDir: string): Promise<Splits> {
  return readBsds300(requireDataFile('BSDS300', dataDir, join('BSDS300', 'BSDS300.hdf5')));
}
