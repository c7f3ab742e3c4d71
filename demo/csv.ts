// The page's "upload a CSV" reader: text with two numbers a line (comma, semicolon, tab or spaces
// between them), an optional header line, blank lines and '#' comments skipped. Every other line
// that is not two finite numbers is refused with its line number. The rows are shuffled (seeded)
// and split 80 / 10 / 10 into training, validation and test rows.
import { Rng } from '../index.js';
import type { HostMatrix } from '../flow/browser.js';

/** The fewest rows an upload may have: ten test rows and ten validation rows at the 80/10/10 split. */
export const MIN_CSV_ROWS = 100;

/** Parses 2-D points out of CSV text; `name` (the file's) is in every error message. */
export function parseCsvPoints(text: string, name = 'the file'): HostMatrix<Float64Array> {
  const values: number[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  let firstData = true;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/\s*[,;\t]\s*|\s+/);
    const numbers = cells.map((c) => (c === '' ? NaN : Number(c)));
    const numeric = numbers.every((v) => Number.isFinite(v));
    if (firstData && !numeric && cells.every((c) => Number.isNaN(Number(c)))) {
      firstData = false; // a header: every cell is a word
      continue;
    }
    firstData = false;
    if (cells.length !== 2) throw new Error(`${name}, line ${i + 1}: expected two numbers (x, y), got ${cells.length} cells: '${line.slice(0, 60)}'`);
    if (!numeric) throw new Error(`${name}, line ${i + 1}: '${line.slice(0, 60)}' is not two finite numbers`);
    values.push(numbers[0], numbers[1]);
  }
  const rows = values.length / 2;
  if (rows < MIN_CSV_ROWS) throw new Error(`${name}: ${rows} points; the page needs at least ${MIN_CSV_ROWS} (80% train, 10% validation, 10% test)`);
  return { data: Float64Array.from(values), rows, cols: 2 };
}

/** A seeded shuffle of the rows split 80 / 10 / 10 (the test rows are the last tenth). */
export function splitRows(m: HostMatrix<Float64Array>, seed = 0): { train: HostMatrix<Float64Array>; validation: HostMatrix<Float64Array>; test: HostMatrix<Float64Array> } {
  const order = new Rng(seed).permutation(m.rows);
  const take = (from: number, to: number): HostMatrix<Float64Array> => {
    const data = new Float64Array(2 * (to - from));
    for (let i = from; i < to; i++) data.set(m.data.subarray(2 * order[i], 2 * order[i] + 2), 2 * (i - from));
    return { data, rows: to - from, cols: 2 };
  };
  const nTest = Math.floor(m.rows / 10);
  const nTrain = m.rows - 2 * nTest;
  return { train: take(0, nTrain), validation: take(nTrain, nTrain + nTest), test: take(nTrain + nTest, m.rows) };
}
