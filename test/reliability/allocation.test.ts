// Issue 22, item 10: impossible allocations are refused up front, naming the op, the shape, the
// size in GiB and the memory available, instead of bringing the OOM killer (or a bare RangeError).
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import * as rg from '../../index.js';
import { createCpuBackend } from '../../backends/cpu/index.js';
import { hostMemory } from '../../engine/capacity.js';
import { assertSamplesPictureFits, samplesPictureBytes } from '../../flow/cli/pictures.js';
import { relgradHere, tempFolder } from './cli-helper.js';

// 100 MiB: tensors above it are refused, so the checks run at sizes this machine can afford
const small = createCpuBackend({ maxBytes: 100 * 2 ** 20 });

t.test('creation beyond a backend\'s maxBytes is refused before allocating', async (t) => {
  // 2^24 float64 values: 128 MiB, 256 MiB with the host copy
  t.throws(() => rg.zeros([2 ** 24], { backend: small }),
    /^zeros: cannot allocate shape \[16777216\]: 16777216 float64 values \(128\.0 MiB; 256\.0 MiB at its peak, with the backend's copy\), more than 100\.0 MiB, the cpu backend's maxBytes; refused before allocating$/);
  t.throws(() => rg.ones([4096, 4096], { backend: small, dtype: 'float32' }), /^ones: cannot allocate shape \[4096,4096\]: 16777216 float32 values \(64\.0 MiB; 128\.0 MiB at its peak/);
  t.throws(() => rg.randn([4096, 4096], { backend: small }), /^randn: cannot allocate shape \[4096,4096\]/);
  t.throws(() => rg.eye(4096, { backend: small }), /^eye: cannot allocate shape \[4096,4096\]/);
  t.equal(rg.memory(small).tensors, 0, 'the refused calls left no tensor behind');
  // within the limit: created, with the right contents
  const ok = rg.ones([1000, 1000], { backend: small, dtype: 'float32' });
  t.equal(rg.sum(ok).item(), 1e6);
  t.throws(() => createCpuBackend({ maxBytes: -1 }), /createCpuBackend: maxBytes must be a positive number of bytes, got -1/);
});

t.test('ops whose output outgrows their inputs check it first', async (t) => {
  const col = rg.ones([4096, 1], { backend: small });
  const row = rg.ones([1, 4096], { backend: small });
  // 4096 × 4096 float64: 128 MiB, from two 32 KiB inputs
  t.throws(() => rg.matmul(col, row), /^matmul: cannot allocate shape \[4096,4096\]: 16777216 float64 values \(128\.0 MiB\), more than 100\.0 MiB/);
  t.throws(() => rg.broadcastTo(row, [4096, 4096]), /^expand: cannot allocate shape \[4096,4096\]: 16777216 float64 values \(128\.0 MiB\)/);
  t.throws(() => rg.pad(col, [0, 0], [0, 4095]), /^pad: cannot allocate shape \[4096,4096\]/);
  // a product that fits still computes: (1 × 4096)(4096 × 1) = 4096
  t.equal(rg.matmul(row, col).item(), 4096);
});

t.test('the default backend refuses more than the host has', async (t) => {
  const memory = hostMemory();
  t.ok(memory !== undefined && memory.bytes <= totalmem(), 'Node reports the host memory');
  if (memory === undefined) return;
  const gib = (memory.bytes / 2 ** 30).toFixed(1);
  // one value more than the whole memory holds, as float64: no copies needed to exceed it
  const n = Math.ceil(memory.bytes / 8) + 1;
  t.throws(() => rg.zeros([n]), new RegExp(`^zeros: cannot allocate shape \\[${n}\\]: ${n} float64 values .*more than ${gib} GiB, (the memory of this machine \\(os\\.totalmem\\)|the cgroup memory limit); refused before allocating`));
  // the audit's case: 16 GiB, 32 GiB at the peak
  if (memory.bytes < 32 * 2 ** 30) t.throws(() => rg.zeros([2 ** 31]), /^zeros: cannot allocate shape \[2147483648\]: 2147483648 float64 values \(16\.0 GiB; 32\.0 GiB at its peak/);
});

t.test('sample refuses a picture that cannot fit, before sampling', async (t) => {
  // the estimate grows with rows and dim, near the audit's ~390 bytes a row at dim 2
  t.equal(samplesPictureBytes(1, 2), 396);
  t.equal(samplesPictureBytes(1000, 784), 1000 * (48 * 784 + 300));
  t.throws(() => assertSamplesPictureFits(10_000_000, 2, { bytes: 2 ** 30, source: 'a test limit' }),
    /sample: a picture of --n 10000000 samples of dim 2 needs about 3\.7 GiB of memory .*more than 1\.0 GiB, a test limit; lower --n, or write --out samples\.csv or samples\.npy/);
  t.doesNotThrow(() => assertSamplesPictureFits(1000, 2, { bytes: 2 ** 30, source: 'a test limit' }));

  const dir = tempFolder(t, 'alloc');
  const rows = Array.from({ length: 200 }, (_, i) => `${Math.sin(i)},${Math.cos(3 * i)}`);
  writeFileSync(join(dir, 'd.csv'), `a,b\n${rows.join('\n')}\n`);
  const trained = await relgradHere(dir, 'train', '--dataset', 'd.csv', '--epochs', '1', '--out', 'run');
  t.equal(trained.code, 0, trained.stderr);
  const started = Date.now();
  const r = await relgradHere(dir, 'sample', '--checkpoint', join('run', 'model.json'), '--n', '300000000', '--out', 'x.png');
  t.equal(r.code, 1, 'refused');
  t.match(r.stderr, /sample: a picture of --n 300000000 samples of dim 2 needs about 110\.6 GiB of memory/);
  t.match(r.stderr, /more than \d+\.\d GiB, (the memory of this machine|the cgroup memory limit)/);
  t.ok(Date.now() - started < 30_000, 'refused up front, not after sampling');
  t.notOk(existsSync(join(dir, 'x.png')) || existsSync(join(dir, 'x.svg')), 'no picture written');
  // a picture that fits is still drawn
  const fits = await relgradHere(dir, 'sample', '--checkpoint', join('run', 'model.json'), '--n', '500', '--out', 'y.png');
  t.equal(fits.code, 0, fits.stderr);
  t.ok(existsSync(join(dir, 'y.png')));
});
