// Readers for user data files (CSV/text and NumPy .npy) into `HostMatrix<Float64Array>`, with errors that name
// the file, the line or row, and the column; plus a seeded shuffled train/validation/test split.
// Positions in messages: CSV `line L, column C` are 1-based as an editor shows them; .npy
// `row i, column j` are 0-based indices as NumPy prints them.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Rng } from '../../engine/random.js';
import { takeRows, type HostMatrix, type Splits } from './dataset.js';
import { parseNpy } from '../interchange/npy-read.js';
import { encodeNpyArray } from '../interchange/npy.js';

// .npy bytes are parsed in flow/interchange/npy-read.ts (no file system: browsers use it too)
export { parseNpy, parseNpyHeader, type NpyHeader } from '../interchange/npy-read.js';

// ---------------------------------------------------------------------------------------------
// CSV / delimited text

export type Delimiter = ',' | ';' | 'whitespace';

export interface CsvOptions {
  /**
   * Force (true) or forbid (false) a header row. By default ('auto') the first row is a header when
   * no cell is a number, or when its cells are pandas' default column names 0..n−1 (with or
   * without the empty cell of an index column), which is said through `onNotice`.
   */
  header?: boolean | 'auto';
  /**
   * A leading column holding exactly 0, 1, …, N−1 under an empty or 'Unnamed: 0' header (or with
   * no header) is the row index pandas' to_csv writes: 'auto' (default) drops it with a notice.
   */
  indexColumn?: 'auto' | 'keep';
  onNotice?: (message: string) => void;
  /** Force a delimiter; by default taken from the first data line: ',' if present, else ';', else whitespace. */
  delimiter?: Delimiter;
}

export interface CsvResult {
  matrix: HostMatrix<Float64Array>;
  /** The header's cells, when there was a header row. */
  header?: string[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

function detectDelimiter(line: string): Delimiter {
  if (line.includes(',')) return ',';
  if (line.includes(';')) return ';';
  return 'whitespace';
}

function splitLine(line: string, delimiter: Delimiter): string[] {
  if (delimiter === 'whitespace') return line.trim().split(/\s+/);
  return line.split(delimiter).map((c) => c.trim());
}

/** Parse delimited numeric text; `file` only labels error messages. O(size of text). */
export function parseCsv(text: string, file: string, options: CsvOptions = {}): CsvResult {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) throw new Error(`${file}: empty file (no data rows)`);

  let header: string[] | undefined;
  let dataStart = first;
  const firstDelimiter = options.delimiter ?? detectDelimiter(lines[first]);
  const firstCells = splitLine(lines[first], firstDelimiter);
  const allNames = firstCells.every((c) => !NUMBER.test(c) && !NON_FINITE.test(c));
  // pandas' default column names: '0,1,…' (index=False) or ',0,1,…' (with its index column)
  const named = firstCells[0] === '' ? firstCells.slice(1) : firstCells;
  const pandasNames = named.length > 0 && named.every((c, i) => c === String(i));
  const auto = options.header === undefined || options.header === 'auto';
  const isHeader = auto ? allNames || pandasNames : options.header === true;
  if (auto && pandasNames && !allNames) {
    options.onNotice?.(`${file}: read the first line '${lines[first].trim()}' as pandas' default column names (header no reads it as data)`);
  }
  if (isHeader) {
    header = firstCells;
    dataStart = first + 1;
  }
  const firstData = lines.findIndex((l, i) => i >= dataStart && l.trim() !== '');
  if (firstData < 0) throw new Error(`${file}: empty file (a header row but no data rows)`);
  // The header may use another delimiter than the data (UCI's ethylene_CO.txt does).
  const delimiter = options.delimiter ?? detectDelimiter(lines[firstData]);
  const cols = splitLine(lines[firstData], delimiter).length;

  let capacity = Math.max(16, lines.length - firstData);
  let data = new Float64Array(capacity * cols);
  let rows = 0;
  for (let i = firstData; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const cells = splitLine(line, delimiter);
    if (cells.length !== cols) {
      throw new Error(
        `${file}: line ${i + 1} has ${cells.length} columns, expected ${cols} (as on line ${firstData + 1})`,
      );
    }
    if (rows === capacity) {
      capacity *= 2;
      const grown = new Float64Array(capacity * cols);
      grown.set(data);
      data = grown;
    }
    for (let j = 0; j < cols; j++) {
      const cell = cells[j];
      const v = NUMBER.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(v)) {
        if (NUMBER.test(cell) || NON_FINITE.test(cell)) {
          throw new Error(`${file}: line ${i + 1}, column ${j + 1}: non-finite value '${cell}' (NaN/Inf not allowed)`);
        }
        throw new Error(`${file}: line ${i + 1}, column ${j + 1}: non-numeric cell '${cell}'`);
      }
      data[rows * cols + j] = v;
    }
    rows++;
  }
  let matrix: HostMatrix<Float64Array> = { data: data.slice(0, rows * cols), rows, cols };
  if ((options.indexColumn ?? 'auto') === 'auto' && isRowIndex(matrix, header?.[0])) {
    options.onNotice?.(`${file}: dropped column 1, a row index 0..${rows - 1}${header ? ` under the header '${header[0]}'` : ''} as pandas' to_csv writes it`);
    const kept = new Float64Array(rows * (cols - 1));
    for (let i = 0; i < rows; i++) kept.set(matrix.data.subarray(i * cols + 1, (i + 1) * cols), i * (cols - 1));
    matrix = { data: kept, rows, cols: cols - 1 };
    if (header) header = header.slice(1);
  }
  return header ? { matrix, header } : { matrix };
}

/** True when column 0 is exactly 0, 1, …, rows−1 under no header, an empty one or 'Unnamed: 0'. */
function isRowIndex(m: HostMatrix<Float64Array>, name: string | undefined): boolean {
  if (m.cols < 2 || m.rows < 2) return false;
  if (name !== undefined && name !== '' && !/^unnamed: ?0$/i.test(name)) return false;
  for (let i = 0; i < m.rows; i++) if (m.data[i * m.cols] !== i) return false;
  return true;
}

export function readCsv(path: string, options: CsvOptions = {}): CsvResult {
  return parseCsv(readFileSync(path, 'utf8'), path, options);
}

/** Reads a .npy file (float64 or float32; C or Fortran order) into a host matrix [rows, cols]; a 1-D array of n values becomes n×1. Errors name the file. */
export function readNpy(path: string): HostMatrix<Float64Array> {
  return parseNpy(readFileSync(path), path);
}

/** Write a matrix as a version-1.0 .npy byte buffer of `<f8`, C order, shape (rows, cols) (fixtures, exports). */
export function encodeNpy(m: HostMatrix<Float64Array>): Uint8Array {
  return encodeNpyArray({ data: m.data, shape: [m.rows, m.cols] });
}

// ---------------------------------------------------------------------------------------------

/** Load a matrix by extension: .npy, otherwise delimited text (.csv, .txt, .tsv, ...). */
export function loadMatrix(path: string, options: CsvOptions = {}): HostMatrix<Float64Array> {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return readNpy(path);
  if (ext === '.csv' || ext === '.txt' || ext === '.tsv' || ext === '.dat') return readCsv(path, options).matrix;
  throw new Error(`${path}: unknown file type '${ext}' (expected .npy, .csv, .txt, .tsv or .dat)`);
}

export interface SplitOptions {
  validation?: number;
  test?: number;
  seed?: number;
  name?: string;
}

/**
 * Shuffle the rows with `Rng(seed)`, then cut ⌊test·N⌋ test rows, ⌊validation·N⌋ validation rows,
 * the rest train (in that shuffled order: train first, then validation, then test).
 */
export function splitMatrix(m: HostMatrix<Float64Array>, options: SplitOptions = {}): Splits {
  const { validation = 0.1, test = 0.1, seed = 0, name = 'user' } = options;
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) {
    throw new Error(`splitMatrix: fractions validation=${validation}, test=${test} must be ≥ 0 and sum below 1`);
  }
  const sizes = (n: number): [number, number, number] => {
    const nt = Math.floor(test * n);
    const nv = Math.floor(validation * n);
    return [n - nt - nv, nv, nt];
  };
  const [nTrain, nValidation, nTest] = sizes(m.rows);
  const empty = [nTrain === 0 ? 'training' : '', nValidation === 0 && validation > 0 ? 'validation' : '', nTest === 0 && test > 0 ? 'test' : ''].filter((s) => s !== '');
  if (empty.length > 0) {
    // the smallest row count whose every requested part holds at least one row
    let need = Math.max(1, m.rows);
    for (;;) {
      const [a, b, c] = sizes(need);
      if (a > 0 && (b > 0 || validation === 0) && (c > 0 || test === 0)) break;
      need++;
    }
    const pct = (f: number): string => `${+(f * 100).toFixed(2)}%`;
    throw new Error(
      `${name}: ${m.rows} ${m.rows === 1 ? 'row leaves' : 'rows leave'} the ${empty.join(' and ')} split empty ` +
        `(validation ${pct(validation)}, test ${pct(test)}, rounded down); at least ${need} rows are needed`,
    );
  }
  const perm = new Rng(seed).permutation(m.rows);
  return {
    name,
    train: takeRows(m, perm.subarray(0, nTrain)),
    validation: takeRows(m, perm.subarray(nTrain, nTrain + nValidation)),
    test: takeRows(m, perm.subarray(nTrain + nValidation)),
  };
}
