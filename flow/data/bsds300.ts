// BSDS300 patches of the MAF benchmark from BSDS300/BSDS300.hdf5 (MAF data release, Zenodo record
// 1161203): datasets 'train', 'validation', 'test', each N×63 (8×8 patches minus the last pixel,
// already preprocessed by MAF), read with h5wasm's Node build straight from the host file system.
// h5wasm (an optional peer dependency, 14 MB) is imported on the first read, not with relgrad/flow.

import { join } from 'node:path';
import { loadOptional } from '../../engine/optional.js';
import type { HostMatrix, Splits } from './dataset.js';
import { requireDataFile } from './uci.js';

type H5 = (typeof import('h5wasm/node'))['default'];

/** Read one 2-D numeric dataset of an open HDF5 file as float64. */
function readDataset(h5wasm: H5, file: InstanceType<H5['File']>, name: string, path: string): HostMatrix<Float64Array> {
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
  const h5wasm = (await loadOptional('h5wasm', () => import('h5wasm/node'))).default;
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'r');
  try {
    return {
      name: 'bsds300',
      train: readDataset(h5wasm, file, 'train', path),
      validation: readDataset(h5wasm, file, 'validation', path),
      test: readDataset(h5wasm, file, 'test', path),
    };
  } finally {
    file.close();
  }
}

export async function loadBsds300(dataDir: string): Promise<Splits> {
  return readBsds300(requireDataFile('BSDS300', dataDir, join('BSDS300', 'BSDS300.hdf5')));
}
