// MNIST with the MAF protocol, on small limits: split shapes and sources, dequantisation and
// value ranges, the logit map and its inverse, the log-det correction, and the IDX reader.

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  loadMnist,
  mnistDataDir,
  mnistLogitLogDet,
  mnistToPixels,
  MNIST_LAMBDA,
  parseIdx,
} from '../flow/data/mnist.js';

const dataDir = mnistDataDir();
const trainBytes = readFileSync(join(dataDir, 'train-images-idx3-ubyte'));
const testBytes = readFileSync(join(dataDir, 't10k-images-idx3-ubyte'));
const trainLabelBytes = readFileSync(join(dataDir, 'train-labels-idx1-ubyte'));
/** Raw pixel (0..255) of image i, pixel k, straight from the IDX bytes (16-byte header). */
const rawPixel = (bytes: Buffer, i: number, k: number): number => bytes[16 + i * 784 + k];

const limits = { train: 6, validation: 4, test: 3 };
const lambda = MNIST_LAMBDA;
const logit = (p: number): number => Math.log(p / (1 - p));

t.test('splits: sizes, sources (first 50k / last 10k / t10k), labels', async (t) => {
  const m = loadMnist({ limits, logit: false, seed: 1 });
  t.same([m.train.rows, m.train.cols, m.validation.rows, m.test.rows], [6, 784, 4, 3]);
  // floor(256·x) recovers the byte: x = (p + u)/256 with u ∈ [0, 1).
  const check = (x: Float64Array, bytes: Buffer, first: number, rows: number): boolean => {
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < 784; k++) if (Math.floor(256 * x[i * 784 + k]) !== rawPixel(bytes, first + i, k)) return false;
    }
    return true;
  };
  t.ok(check(m.train.data, trainBytes, 0, 6), 'train = official training images 0..');
  t.ok(check(m.validation.data, trainBytes, 50000, 4), 'validation = official training images 50000..');
  t.ok(check(m.test.data, testBytes, 0, 3), 'test = official test images 0..');
  t.same(Array.from(m.labels.train), Array.from(trainLabelBytes.subarray(8, 14)));
  t.same(Array.from(m.labels.train), [5, 0, 4, 1, 9, 2], 'the well-known first labels');
  t.same(Array.from(m.labels.validation), Array.from(trainLabelBytes.subarray(8 + 50000, 8 + 50004)));
  const min = m.train.data.reduce((a, v) => Math.min(a, v), Infinity);
  const max = m.train.data.reduce((a, v) => Math.max(a, v), -Infinity);
  t.ok(min >= 0 && max < 1, `dequantised pixels in [0, 1): ${min}..${max}`);
  const noise = new Set(Array.from(m.train.data.subarray(0, 100), (v) => v * 256 - Math.floor(v * 256)));
  t.ok(noise.size > 90, 'noise differs per pixel');
});

t.test('logit space: formula, range, inverse, seeds, limits', async (t) => {
  const x = loadMnist({ limits, logit: false, seed: 2 });
  const y = loadMnist({ limits, seed: 2 });
  let maxErr = 0;
  for (let k = 0; k < y.train.data.length; k++) {
    maxErr = Math.max(maxErr, Math.abs(y.train.data[k] - logit(lambda + (1 - 2 * lambda) * x.train.data[k])));
  }
  t.ok(maxErr < 1e-9, `y = logit(λ + (1 − 2λ)x) (max error ${maxErr})`);
  const lo = logit(lambda);
  const hi = logit(lambda + (1 - 2 * lambda));
  t.ok(y.test.data.every((v) => v >= lo && v < hi && Number.isFinite(v)), 'finite and inside the logit range');
  const back = mnistToPixels(y.validation);
  let invErr = 0;
  for (let k = 0; k < back.data.length; k++) invErr = Math.max(invErr, Math.abs(back.data[k] - x.validation.data[k]));
  t.ok(invErr < 1e-9, `mnistToPixels inverts the transform (max error ${invErr})`);
  const small = loadMnist({ limits: { train: 2, validation: 1, test: 1 }, seed: 2 });
  t.same(Array.from(small.train.data), Array.from(y.train.data.subarray(0, 2 * 784)), 'a limit does not change values');
  const other = loadMnist({ limits, seed: 3 });
  t.notSame(Array.from(other.train.data.subarray(0, 50)), Array.from(y.train.data.subarray(0, 50)), 'seed changes noise');
});

t.test('log-det correction matches the derivative of the transform', async (t) => {
  const m = loadMnist({ limits: { train: 2, validation: 1, test: 1 }, logit: false, seed: 4 });
  const y = loadMnist({ limits: { train: 2, validation: 1, test: 1 }, seed: 4 });
  const ldj = mnistLogitLogDet(y.train);
  t.equal(ldj.length, 2);
  for (let i = 0; i < 2; i++) {
    let expected = 0;
    for (let k = 0; k < 784; k++) {
      // dy/dx = (1 − 2λ)/(s(1 − s)), s = λ + (1 − 2λ)x, evaluated from x (not from y).
      const sv = lambda + (1 - 2 * lambda) * m.train.data[i * 784 + k];
      expected += Math.log((1 - 2 * lambda) / (sv * (1 - sv)));
    }
    // And a central finite difference on one mid-range pixel.
    const h = 1e-6;
    const f = (v: number): number => logit(lambda + (1 - 2 * lambda) * v);
    const single = { data: new Float64Array([f(0.5)]), rows: 1, cols: 1 };
    t.ok(Math.abs(mnistLogitLogDet(single)[0] - Math.log((f(0.5 + h) - f(0.5 - h)) / (2 * h))) < 1e-8);
    t.ok(Math.abs(ldj[i] - expected) < 1e-6, `image ${i}: ${ldj[i]} vs numeric ${expected}`);
  }
});

t.test('IDX reader: gzip, errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relgrad-idx-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Tiny fake set: 3 training and 2 test images of 28×28, written gzipped.
  const images = (n: number, fill: number): Buffer => {
    const b = Buffer.alloc(16 + n * 784, fill);
    b.writeUInt32BE(0x00000803, 0);
    b.writeUInt32BE(n, 4);
    b.writeUInt32BE(28, 8);
    b.writeUInt32BE(28, 12);
    return b;
  };
  const labels = (n: number): Buffer => {
    const b = Buffer.alloc(8 + n, 7);
    b.writeUInt32BE(0x00000801, 0);
    b.writeUInt32BE(n, 4);
    return b;
  };
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images(3, 255)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(labels(3)));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(2, 0));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels(2));
  const m = loadMnist({ dir, logit: false });
  t.same([m.train.rows, m.validation.rows, m.test.rows], [3, 0, 2]);
  t.ok(m.train.data.every((v) => v >= 255 / 256 && v < 1), 'p = 255 stays below 1 after dequantising');
  t.ok(m.test.data.every((v) => v >= 0 && v < 1 / 256));
  t.same(parseIdx(labels(2), 'l').dims, [2]);
  t.throws(() => parseIdx(Buffer.from([1, 2, 3, 4]), 'f.idx'), { message: 'f.idx: not an IDX file (bad magic)' });
  t.throws(() => parseIdx(images(2, 0).subarray(0, 100), 'g.idx'), /g\.idx: truncated IDX data/);
  t.throws(() => loadMnist({ dir: join(dir, 'nowhere') }), /MNIST: missing train-images-idx3-ubyte/);
});
