// Plain rows of numbers ([[x11, x12], [x21, x22]]) as a host matrix, checked: every row an array
// of numbers of the same length, naming the first row or value that is not.

import type { HostMatrix } from './matrix.js';

/** Rows given as nested arrays of numbers (one inner array per sample). */
export type NestedRows = readonly (readonly number[])[];

/** A float64 host matrix of `rows`; refuses ragged or non-numeric rows, naming where. */
export function hostMatrixOfRows(where: string, rows: NestedRows): HostMatrix<Float64Array> {
  if (rows.length === 0) throw new Error(`${where}: expected at least one row, got an empty list`);
  const first = rows[0];
  if (!Array.isArray(first)) throw new Error(`${where}: expected rows of numbers like [[0.1, 0.2]], got ${JSON.stringify(first)} as row 0`);
  const cols = first.length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== cols) {
      throw new Error(`${where}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, row 0 has ${cols} (rows must all have the same length)`);
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number') throw new Error(`${where}: the value at row ${i}, column ${j} is ${JSON.stringify(v)}, not a number`);
      data[i * cols + j] = v;
    });
  });
  return { data, rows: rows.length, cols };
}
