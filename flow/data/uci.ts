// Loaders for the UCI sets of the MAF benchmark (POWER, GAS, HEPMASS, MINIBOONE) with the MAF
// preprocessing (Papamakarios et al. 2017, github gpapamak/maf, datasets/*.py), read from the
// files of the MAF data release (Zenodo record 1161203) laid out as <dataDir>/<set>/<file>.
//
// Differences from MAF that cannot be avoided: every random step uses this project's seeded Rng
// (not numpy's RandomState(42)), so POWER's shuffle and noise, and GAS's 25% subsample, draw other
// values; GAS is read from the UCI text file instead of MAF's pickle (see `loadGas`).

import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Rng } from '../../engine/random.js';
import {
  columnMeanStd,
  selectColumns,
  sliceRows,
  standardizeInPlace,
  tailSplit,
  takeRows,
  vstack,
  zerosMatrix,
  type HostMatrix,
  type Splits,
} from './dataset.js';
import { readCsv, readNpy } from './files.js';

export const MAF_DATA_URL = 'https://zenodo.org/record/1161203';
export const GAS_UCI_URL = 'https://archive.ics.uci.edu/dataset/322/gas+sensor+array+under+dynamic+gas+mixtures';

/** The path of a data file, or an error saying which file, where it was looked for, and where to get it. */
export function requireDataFile(dataset: string, dataDir: string, relPath: string, hint = ''): string {
  const path = resolve(dataDir, relPath);
  if (!existsSync(path)) {
    throw new Error(
      `${dataset}: missing file '${relPath}' (looked for ${path}, dataDir = ${resolve(dataDir)}). ` +
        `Download data.tar.gz of the MAF data release (${MAF_DATA_URL}), unpack it and pass its data/ folder as dataDir.` +
        (hint ? ` ${hint}` : ''),
    );
  }
  return path;
}

/** Standardise all three splits with the mean/std of `statsFrom` (numpy std: ddof 0 unless given). */
function standardizeSplits(
  parts: { train: HostMatrix<Float64Array>; validation: HostMatrix<Float64Array>; test: HostMatrix<Float64Array> },
  statsFrom: HostMatrix<Float64Array>,
  ddof: 0 | 1,
): { train: HostMatrix<Float64Array>; validation: HostMatrix<Float64Array>; test: HostMatrix<Float64Array> } {
  const { mean, std } = columnMeanStd(statsFrom, ddof);
  standardizeInPlace(parts.train, mean, std);
  standardizeInPlace(parts.validation, mean, std);
  standardizeInPlace(parts.test, mean, std);
  return parts;
}

// ---------------------------------------------------------------------------------------------
// POWER (MAF power.py)

export interface PowerOptions {
  /** Seed of the row shuffle and the added noise (MAF: numpy RandomState(42)). */
  seed?: number;
}

/**
 * POWER from power/data.npy (N×8): shuffle rows; delete columns 3 and 1 (leaving 6); add noise
 * col0 += 0.001·U, col1 += 0.01·U, cols 2–4 += U, col5 += 0 (MAF draws voltage, gap, then the
 * three sub-metering columns; same order here); test = last 10%, validation = last 10% of the
 * rest; standardise with the mean/std (ddof 0) of train + validation.
 */
export function powerFromMatrix(raw: HostMatrix<Float64Array>, options: PowerOptions = {}): Splits {
  if (raw.cols !== 8) throw new Error(`POWER: data.npy has ${raw.cols} columns, expected 8`);
  const rng = new Rng(options.seed ?? 42);
  const shuffled = takeRows(raw, rng.permutation(raw.rows));
  const data = selectColumns(shuffled, [0, 2, 4, 5, 6, 7]);
  const n = data.rows;
  const voltage = new Float64Array(n);
  const gap = new Float64Array(n);
  for (let i = 0; i < n; i++) voltage[i] = 0.01 * rng.uniform();
  for (let i = 0; i < n; i++) gap[i] = 0.001 * rng.uniform();
  for (let i = 0; i < n; i++) {
    const r = i * 6;
    data.data[r] += gap[i];
    data.data[r + 1] += voltage[i];
  }
  for (let i = 0; i < n; i++) for (let j = 2; j < 5; j++) data.data[i * 6 + j] += rng.uniform();
  const parts = tailSplit(data);
  standardizeSplits(parts, vstack([parts.train, parts.validation]), 0);
  return { name: 'power', ...parts };
}

export function loadPower(dataDir: string, options: PowerOptions = {}): Splits {
  return powerFromMatrix(readNpy(requireDataFile('POWER', dataDir, join('power', 'data.npy'))), options);
}

// ---------------------------------------------------------------------------------------------
// GAS (MAF gas.py)

/** Call `fn` on every line of a (possibly huge) text file, reading 16 MiB at a time. */
export function forEachLine(path: string, fn: (line: string, lineNumber: number) => void): void {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 24);
    let rest = '';
    let lineNumber = 0;
    for (;;) {
      const got = readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      const text = rest + chunk.toString('latin1', 0, got);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) fn(l.endsWith('\r') ? l.slice(0, -1) : l, ++lineNumber);
    }
    if (rest !== '') fn(rest, ++lineNumber);
  } finally {
    closeSync(fd);
  }
}

/**
 * Columns to keep after MAF's correlation pruning: C = Pearson correlation matrix, Bᵢ = #{j : Cᵢⱼ > t}
 * (≥ 1, the diagonal); while some Bᵢ > 1, drop the first such column and recompute. O(D³·N) worst case.
 */
export function dropCorrelatedColumns(m: HostMatrix<Float64Array>, threshold = 0.98): number[] {
  let keep = Array.from({ length: m.cols }, (_, j) => j);
  for (;;) {
    const sub = selectColumns(m, keep);
    const corr = correlation(sub);
    const d = keep.length;
    let drop = -1;
    for (let i = 0; i < d && drop < 0; i++) {
      let count = 0;
      for (let j = 0; j < d; j++) if (corr[i * d + j] > threshold) count++;
      if (count > 1) drop = i;
    }
    if (drop < 0) return keep;
    keep = keep.filter((_, k) => k !== drop);
  }
}

/** Pearson correlation matrix (D×D, row-major) of the columns of m. O(N·D²). */
export function correlation(m: HostMatrix<Float64Array>): Float64Array {
  const { mean, std } = columnMeanStd(m, 0);
  const d = m.cols;
  const c = new Float64Array(d * d);
  const z = new Float64Array(d);
  for (let r = 0; r < m.rows; r++) {
    for (let j = 0; j < d; j++) z[j] = (m.data[r * d + j] - mean[j]) / std[j];
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) c[i * d + j] += z[i] * z[j];
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      c[i * d + j] /= m.rows;
      c[j * d + i] = c[i * d + j];
    }
  }
  return c;
}

export interface GasOptions {
  /**
   * Fraction of the file's rows to use (default 0.25: MAF's pickle is a pandas `sample(frac=0.25)`
   * of ethylene_CO.txt — 1,052,065 of its 4,208,261 rows).
   */
  fraction?: number;
  /** Shuffle (default true, as pandas' sample returns rows in random order); false keeps file order. */
  shuffle?: boolean;
  seed?: number;
}

/**
 * GAS from the MAF-processed matrix of 16 sensor columns: drop correlated columns (> 0.98, see
 * `dropCorrelatedColumns`), standardise with the mean/std (ddof 1, pandas) of ALL rows, then test =
 * last 10%, validation = last 10% of the rest.
 */
export function gasFromMatrix(sensors: HostMatrix<Float64Array>): Splits {
  const data = selectColumns(sensors, dropCorrelatedColumns(sensors, 0.98));
  const { mean, std } = columnMeanStd(data, 1);
  standardizeInPlace(data, mean, std);
  return { name: 'gas', ...tailSplit(data) };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Read UCI's ethylene_CO.txt (header line, then whitespace-separated rows: Time, CO conc,
 * Ethylene conc, 16 sensors). MAF drops "Time", "Meth", "Eth" — the first three columns — keeping
 * the 16 sensors. A seeded `fraction` of rows is kept (two streaming passes: count, then parse).
 */
export function readGasText(path: string, options: GasOptions = {}): HostMatrix<Float64Array> {
  const { fraction = 0.25, shuffle = true, seed = 0 } = options;
  const isData = (line: string): boolean => line.trim() !== '' && NUMBER.test(line.trim().split(/\s+/)[0]);
  let total = 0;
  forEachLine(path, (line) => {
    if (isData(line)) total++;
  });
  if (total === 0) throw new Error(`${path}: empty file (no data rows)`);
  const k = Math.round(fraction * total);
  const order = shuffle ? new Rng(seed).permutation(total) : Uint32Array.from({ length: total }, (_, i) => i);
  // position[r] = where file row r goes in the output, or −1 if it is not sampled.
  const position = new Int32Array(total).fill(-1);
  if (shuffle) for (let i = 0; i < k; i++) position[order[i]] = i;
  else for (let i = 0; i < k; i++) position[i] = i; // first k rows in file order
  const out = zerosMatrix(k, 16);
  let row = 0;
  forEachLine(path, (line, lineNumber) => {
    if (!isData(line)) {
      if (line.trim() !== '' && row > 0) throw new Error(`${path}: line ${lineNumber}, column 1: non-numeric cell`);
      return;
    }
    const cells = line.trim().split(/\s+/);
    if (cells.length !== 19) {
      throw new Error(`${path}: line ${lineNumber} has ${cells.length} columns, expected 19 (Time, CO, Ethylene, 16 sensors)`);
    }
    const p = position[row++];
    if (p < 0) return;
    for (let j = 3; j < 19; j++) {
      const v = NUMBER.test(cells[j]) ? Number(cells[j]) : NaN;
      if (!Number.isFinite(v)) throw new Error(`${path}: line ${lineNumber}, column ${j + 1}: bad value '${cells[j]}'`);
      out.data[p * 16 + j - 3] = v;
    }
  });
  return out;
}

export function loadGas(dataDir: string, options: GasOptions = {}): Splits {
  const path = requireDataFile(
    'GAS',
    dataDir,
    join('gas', 'ethylene_CO.txt'),
    `GAS reads the UCI text file ethylene_CO.txt (the release's ethylene_CO.pickle cannot be read ` +
      `from JavaScript): get it from ${GAS_UCI_URL} and put it next to the pickle.`,
  );
  return gasFromMatrix(readGasText(path, options));
}

// ---------------------------------------------------------------------------------------------
// HEPMASS (MAF hepmass.py)

/**
 * Columns MAF keeps: for each training column, the number of times its SMALLEST value occurs
 * (MAF sorts a Counter by key and takes the first count, despite naming it max_count); a column
 * is dropped when that count exceeds 5.
 */
export function hepmassKeptColumns(train: HostMatrix<Float64Array>, maxRepeats = 5): number[] {
  const keep: number[] = [];
  for (let j = 0; j < train.cols; j++) {
    let min = Infinity;
    let count = 0;
    for (let i = 0; i < train.rows; i++) {
      const v = train.data[i * train.cols + j];
      if (v < min) {
        min = v;
        count = 1;
      } else if (v === min) count++;
    }
    if (count <= maxRepeats) keep.push(j);
  }
  return keep;
}

function positiveRowsWithoutLabel(m: HostMatrix<Float64Array>): HostMatrix<Float64Array> {
  const rows: number[] = [];
  for (let i = 0; i < m.rows; i++) if (m.data[i * m.cols] === 1) rows.push(i);
  const cols = Array.from({ length: m.cols - 1 }, (_, j) => j + 1);
  return selectColumns(takeRows(m, rows), cols);
}

/**
 * HEPMASS from the raw 1000_train / 1000_test matrices (label first): keep label-1 rows, drop the
 * label (and a test-only extra last column, which MAF drops "because the data set is messed up");
 * standardise with the mean/std (ddof 1, pandas) of the whole training file; drop the columns
 * `hepmassKeptColumns` rejects (chosen on the training data; MAF chooses after standardising,
 * which picks the same columns); validation = last 10% of train.
 */
export function hepmassFromMatrices(rawTrain: HostMatrix<Float64Array>, rawTest: HostMatrix<Float64Array>): Splits {
  const train = positiveRowsWithoutLabel(rawTrain);
  let test = positiveRowsWithoutLabel(rawTest);
  if (test.cols === train.cols + 1) test = selectColumns(test, Array.from({ length: train.cols }, (_, j) => j));
  if (test.cols !== train.cols) {
    throw new Error(`HEPMASS: test file has ${test.cols + 1} columns, training file ${train.cols + 1}`);
  }
  const keep = hepmassKeptColumns(train);
  const trainKept = selectColumns(train, keep);
  const testKept = selectColumns(test, keep);
  const { mean, std } = columnMeanStd(trainKept, 1);
  standardizeInPlace(trainKept, mean, std);
  standardizeInPlace(testKept, mean, std);
  const nValidation = Math.floor(0.1 * trainKept.rows);
  return {
    name: 'hepmass',
    train: sliceRows(trainKept, 0, trainKept.rows - nValidation),
    validation: sliceRows(trainKept, trainKept.rows - nValidation, trainKept.rows),
    test: testKept,
  };
}

export function loadHepmass(dataDir: string): Splits {
  const train = readCsv(requireDataFile('HEPMASS', dataDir, join('hepmass', '1000_train.csv'))).matrix;
  const test = readCsv(requireDataFile('HEPMASS', dataDir, join('hepmass', '1000_test.csv'))).matrix;
  return hepmassFromMatrices(train, test);
}

// ---------------------------------------------------------------------------------------------
// MINIBOONE (MAF miniboone.py; the release's data.npy is already cleaned)

/** Test = last 10%, validation = last 10% of the rest, standardise with train + validation (ddof 0). */
export function minibooneFromMatrix(data: HostMatrix<Float64Array>): Splits {
  const parts = tailSplit(data);
  standardizeSplits(parts, vstack([parts.train, parts.validation]), 0);
  return { name: 'miniboone', ...parts };
}

export function loadMiniboone(dataDir: string): Splits {
  return minibooneFromMatrix(readNpy(requireDataFile('MINIBOONE', dataDir, join('miniboone', 'data.npy'))));
}
