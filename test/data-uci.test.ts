// MAF benchmark loaders (POWER, GAS, HEPMASS, MINIBOONE, BSDS300) on small fixture files written
// here in the release's layout; every preprocessing step is recomputed by hand in the test.

import t, { type Test } from 'tap';
import h5wasm from 'h5wasm/node';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../engine/random.js';
import { encodeNpy } from '../flow/data/files.js';
import { loadDataset } from '../flow/data/index.js';
import { dropCorrelatedColumns, hepmassKeptColumns, loadGas, readGasText } from '../flow/data/uci.js';
import type { HostMatrix } from '../flow/data/dataset.js';

const root = mkdtempSync(join(tmpdir(), 'relgrad-maf-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

type Rows = number[][];
const toRows = (m: HostMatrix<Float64Array>): Rows => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
const toMatrix = (rows: Rows): HostMatrix<Float64Array> => ({ data: Float64Array.from(rows.flat()), rows: rows.length, cols: rows[0].length });

/** Hand-written standardisation: per-column mean and std (divide by N − ddof) of `stats`. */
function standardise(rows: Rows, stats: Rows, ddof: number): Rows {
  const d = stats[0].length;
  const mean = Array.from({ length: d }, (_, j) => stats.reduce((a, r) => a + r[j], 0) / stats.length);
  const std = mean.map((mu, j) => Math.sqrt(stats.reduce((a, r) => a + (r[j] - mu) ** 2, 0) / (stats.length - ddof)));
  return rows.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
}

function close(t: Test, got: HostMatrix<Float64Array>, want: Rows, what: string): void {
  t.same([got.rows, got.cols], [want.length, want[0]?.length ?? got.cols], `${what} shape`);
  const flat = want.flat();
  let err = 0;
  for (let k = 0; k < flat.length; k++) err = Math.max(err, Math.abs(got.data[k] - flat[k]));
  t.ok(err < 1e-10, `${what} values (max error ${err})`);
}

function put(rel: string, content: string | Uint8Array): void {
  const path = join(root, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

const gen = new Rng(123);
const randomRows = (n: number, d: number, scale = 1): Rows =>
  Array.from({ length: n }, () => Array.from({ length: d }, () => scale * gen.normal() + 3));

t.test('missing files and names', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'relgrad-empty-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  await t.rejects(loadDataset('power', empty), {
    message: new RegExp(`POWER: missing file 'power/data.npy' \\(looked for ${join(empty, 'power', 'data.npy')}.*zenodo\\.org/record/1161203`),
  });
  await t.rejects(loadDataset('gas', empty), /GAS: missing file 'gas\/ethylene_CO\.txt'.*1161203.*UCI text file ethylene_CO\.txt/);
  await t.rejects(loadDataset('hepmass', empty), /HEPMASS: missing file 'hepmass\/1000_train\.csv'/);
  await t.rejects(loadDataset('miniboone', empty), /MINIBOONE: missing file 'miniboone\/data\.npy'/);
  await t.rejects(loadDataset('bsds300', empty), /BSDS300: missing file 'BSDS300\/BSDS300\.hdf5'/);
  await t.rejects(loadDataset('cifar'), /unknown data set 'cifar'; valid names: power, gas, hepmass, miniboone, bsds300, mnist, sine/);
  await t.rejects(loadDataset('power'), /needs dataDir/);
  t.equal((await loadDataset('moons')).train.rows, 5000, 'toy names work too');
});

t.test('POWER: shuffle, drop columns 1 and 3, noise, tail split, standardise', async (t) => {
  const raw = randomRows(50, 8);
  put('power/data.npy', encodeNpy(toMatrix(raw)));
  const s = await loadDataset('power', root);
  // Independent recomputation with the same seeded draws (seed 42, draw order as MAF).
  const rng = new Rng(42);
  const perm = rng.permutation(50);
  let rows = Array.from(perm, (i) => raw[i].filter((_, j) => j !== 1 && j !== 3));
  const voltage = rows.map(() => 0.01 * rng.uniform());
  const gap = rows.map(() => 0.001 * rng.uniform());
  const sm = rows.map(() => [rng.uniform(), rng.uniform(), rng.uniform()]);
  rows = rows.map((r, i) => [r[0] + gap[i], r[1] + voltage[i], r[2] + sm[i][0], r[3] + sm[i][1], r[4] + sm[i][2], r[5]]);
  // 50 rows: test = 5, validation = ⌊0.1·45⌋ = 4, train = 41.
  const train = rows.slice(0, 41);
  const validation = rows.slice(41, 45);
  const test = rows.slice(45);
  const stats = [...train, ...validation];
  close(t, s.train, standardise(train, stats, 0), 'train');
  close(t, s.validation, standardise(validation, stats, 0), 'validation');
  close(t, s.test, standardise(test, stats, 0), 'test');
  t.equal(s.name, 'power');
  put('power/data.npy', encodeNpy(toMatrix(randomRows(5, 7))));
  await t.rejects(loadDataset('power', root), /POWER: data\.npy has 7 columns, expected 8/);
});

t.test('MINIBOONE: tail split, standardise with train + validation (ddof 0)', async (t) => {
  const raw = randomRows(30, 4, 2);
  put('miniboone/data.npy', encodeNpy(toMatrix(raw)));
  const s = await loadDataset('miniboone', root);
  const stats = raw.slice(0, 27);
  close(t, s.train, standardise(raw.slice(0, 25), stats, 0), 'train');
  close(t, s.validation, standardise(raw.slice(25, 27), stats, 0), 'validation');
  close(t, s.test, standardise(raw.slice(27), stats, 0), 'test');
});

t.test('GAS: drop Time/CO/Ethylene, correlation pruning, standardise (ddof 1), tail split', async (t) => {
  const n = 40;
  const lines = ['Time (seconds), CO conc (ppm), Ethylene conc (ppm), Sensor Readings (16 channels)'];
  const sensors: Rows = [];
  for (let i = 0; i < n; i++) {
    const s = Array.from({ length: 16 }, () => gen.normal());
    s[1] = 2 * s[0] + 0.001 * gen.normal(); // pair (0, 1)
    s[7] = s[2] + 0.001 * gen.normal(); // triple (2, 7, 9)
    s[9] = -3 + 0.5 * s[2] + 0.001 * gen.normal();
    s[5] = -s[3]; // anti-correlated: kept
    sensors.push(s);
    lines.push([i * 0.01, gen.uniform(), gen.uniform(), ...s].map((v) => v.toFixed(12)).join('   '));
  }
  put('gas/ethylene_CO.txt', lines.join('\n') + '\n');
  const rounded = sensors.map((r) => r.map((v) => Number(v.toFixed(12))));
  // MAF: drop the first column with another > 0.98 correlate, recompute, repeat → drops 0, 2, 7.
  const keep = [1, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  t.same(dropCorrelatedColumns(toMatrix(rounded)), keep);
  const kept = rounded.map((r) => keep.map((j) => r[j]));
  const all = standardise(kept, kept, 1);
  const s = loadGas(root, { fraction: 1, shuffle: false });
  // 40 rows: test = 4, validation = ⌊0.1·36⌋ = 3, train = 33.
  close(t, s.train, all.slice(0, 33), 'train');
  close(t, s.validation, all.slice(33, 36), 'validation');
  close(t, s.test, all.slice(36), 'test');
  // The default path subsamples a seeded, shuffled fraction of rows.
  const half = toRows(readGasText(join(root, 'gas', 'ethylene_CO.txt'), { fraction: 0.5, seed: 1 }));
  t.equal(half.length, 20);
  const keys = new Set(rounded.map((r) => r.join(',')));
  t.ok(half.every((r) => keys.has(r.join(','))), 'sampled rows are file rows');
  t.equal(new Set(half.map((r) => r.join(','))).size, 20, 'without repetition');
  const bad = mkdtempSync(join(tmpdir(), 'relgrad-gas-'));
  t.teardown(() => rmSync(bad, { recursive: true, force: true }));
  mkdirSync(join(bad, 'gas'));
  writeFileSync(join(bad, 'gas', 'ethylene_CO.txt'), 'header\n1 2 3\n');
  t.throws(() => loadGas(bad), /ethylene_CO\.txt: line 2 has 3 columns, expected 19/);
});

t.test('HEPMASS: label-1 rows, drop label, repeated-value filter, standardise (ddof 1)', async (t) => {
  const header = '# label,f0,f1,f2,f3,mass';
  const train: Rows = [];
  for (let i = 0; i < 40; i++) {
    const label = i % 3 === 0 ? 0 : 1;
    const positive = train.filter((r) => r[0] === 1).length;
    // f1's smallest value (−5) occurs 6 times among positives → dropped; f2's (−7) 5 times → kept.
    const f1 = label === 1 && positive < 6 ? -5 : gen.normal();
    const f2 = label === 1 && positive < 5 ? -7 : gen.normal();
    train.push([label, gen.normal(), f1, f2, gen.normal(), 1000]);
  }
  const test: Rows = Array.from({ length: 12 }, (_, i) => [i % 2, gen.normal(), gen.normal(), gen.normal(), gen.normal(), 1000, 0]);
  const csv = (rows: Rows, head: string): string => [head, ...rows.map((r) => r.map((v) => v.toFixed(10)).join(','))].join('\n');
  put('hepmass/1000_train.csv', csv(train, header));
  put('hepmass/1000_test.csv', csv(test, header + ',extra'));
  const round = (rows: Rows): Rows => rows.map((r) => r.map((v) => Number(v.toFixed(10))));
  const pos = (rows: Rows): Rows => round(rows).filter((r) => r[0] === 1);
  const keep = [1, 3, 4]; // f0, f2, f3 (1-based in the raw rows; label at 0); f1 and mass dropped
  const trainKept = pos(train).map((r) => keep.map((j) => r[j]));
  const testKept = pos(test).map((r) => keep.map((j) => r[j]));
  t.same(hepmassKeptColumns(toMatrix(pos(train).map((r) => r.slice(1)))), [0, 2, 3]);
  const s = await loadDataset('hepmass', root);
  const nVal = Math.floor(0.1 * trainKept.length);
  const nTrain = trainKept.length - nVal;
  close(t, s.train, standardise(trainKept.slice(0, nTrain), trainKept, 1), 'train');
  close(t, s.validation, standardise(trainKept.slice(nTrain), trainKept, 1), 'validation');
  close(t, s.test, standardise(testKept, trainKept, 1), 'test');
});

t.test('BSDS300: HDF5 datasets read as float64', async (t) => {
  await h5wasm.ready;
  mkdirSync(join(root, 'BSDS300'), { recursive: true });
  const path = join(root, 'BSDS300', 'BSDS300.hdf5');
  const train = Float32Array.from({ length: 10 * 63 }, (_, k) => (k % 17) / 16 - 0.5);
  const validation = Float64Array.from({ length: 3 * 63 }, (_, k) => k / 1000);
  const test = Float32Array.from({ length: 4 * 63 }, (_, k) => -k / 256);
  const f = new h5wasm.File(path, 'w');
  f.create_dataset({ name: 'train', data: train, shape: [10, 63] });
  f.create_dataset({ name: 'validation', data: validation, shape: [3, 63] });
  f.create_dataset({ name: 'test', data: test, shape: [4, 63] });
  f.close();
  const s = await loadDataset('bsds300', root);
  t.same([s.train.rows, s.train.cols, s.validation.rows, s.test.rows], [10, 63, 3, 4]);
  t.same(Array.from(s.train.data), Array.from(train));
  t.same(Array.from(s.validation.data), Array.from(validation));
  t.same(Array.from(s.test.data), Array.from(test));
  const g = new h5wasm.File(path, 'w');
  g.create_dataset({ name: 'train', data: train, shape: [10, 63] });
  g.close();
  await t.rejects(loadDataset('bsds300', root), /BSDS300\.hdf5: no dataset 'validation' \(found: train\)/);
});
