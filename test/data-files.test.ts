// CSV and .npy readers: values, header and delimiter detection, every .npy layout we accept,
// every error message (file, line/row, column), and the seeded shuffled split.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, loadMatrix, parseCsv, readCsv, splitMatrix } from '../flow/data/files.js';
import { matrixFromRows } from '../flow/data/dataset.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-files-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A .npy file built by hand: header dict padded so the data starts at a multiple of 64. */
function npyBytes(
  descr: string,
  shape: number[],
  body: Uint8Array,
  options: { version?: 1 | 2 | 3; fortran?: boolean } = {},
): Uint8Array {
  const version = options.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  while ((pre + dict.length + 1) % 64 !== 0) dict += ' ';
  dict += '\n';
  const out = new Uint8Array(pre + dict.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), pre);
  out.set(body, pre + dict.length);
  return out;
}

const bytesOf = (a: Float64Array | Float32Array | Int32Array | BigInt64Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

t.test('CSV: header auto-detected, comma / semicolon / whitespace', async (t) => {
  const a = readCsv(write('a.csv', 'x,y,z\n1,2,3\n4.5,-6e-1, 7\n\n'));
  t.same(a.header, ['x', 'y', 'z']);
  t.same([a.matrix.rows, a.matrix.cols], [2, 3]);
  t.same(Array.from(a.matrix.data), [1, 2, 3, 4.5, -0.6, 7]);
  const b = readCsv(write('b.csv', '1;2\r\n3;4\r\n'));
  t.equal(b.header, undefined, 'numeric first row is data');
  t.same(Array.from(b.matrix.data), [1, 2, 3, 4]);
  const c = readCsv(write('c.txt', 'Time (s), CO (ppm), Sensors\n  0.1  2 3\n4\t5   6\n'));
  t.same(Array.from(c.matrix.data), [0.1, 2, 3, 4, 5, 6], 'header delimiter may differ from the data');
  const d = parseCsv('1 2\n3 4', 'mem', { header: true });
  t.same([d.matrix.rows, d.header], [1, ['1', '2']], 'header forced');
  t.same(Array.from(loadMatrix(write('e.csv', '.5,+1\n')).data), [0.5, 1], 'loadMatrix dispatches CSV');
});

t.test('CSV errors name file, line and column', async (t) => {
  const p1 = write('bad1.csv', 'a,b\n1,2\n3,x\n');
  t.throws(() => readCsv(p1), { message: `${p1}: line 3, column 2: non-numeric cell 'x'` });
  const p2 = write('bad2.csv', '1,2,3\n4,5\n');
  t.throws(() => readCsv(p2), { message: `${p2}: line 2 has 2 columns, expected 3 (as on line 1)` });
  const p3 = write('bad3.csv', '1,2\n3,NaN\n');
  t.throws(() => readCsv(p3), { message: `${p3}: line 2, column 2: non-finite value 'NaN' (NaN/Inf not allowed)` });
  const p4 = write('bad4.csv', '1,-inf\n');
  t.throws(() => readCsv(p4), /bad4\.csv: line 1, column 2: non-finite value '-inf'/);
  const p5 = write('bad5.csv', '1e999,2\n');
  t.throws(() => readCsv(p5), /bad5\.csv: line 1, column 1: non-finite value '1e999'/);
  const p6 = write('empty.csv', '\n  \n');
  t.throws(() => readCsv(p6), { message: `${p6}: empty file (no data rows)` });
  const p7 = write('header-only.csv', 'x,y\n');
  t.throws(() => readCsv(p7), { message: `${p7}: empty file (a header row but no data rows)` });
  const p8 = write('bad8.csv', '1,,3\n');
  t.throws(() => readCsv(p8), /bad8\.csv: line 1, column 2: non-numeric cell ''/);
  t.throws(() => loadMatrix(join(dir, 'x.parquet')), /x\.parquet: unknown file type '\.parquet'/);
});

t.test('.npy: dtypes, versions, C and Fortran order, 1-D', async (t) => {
  const values = [1.5, -2, 3.25, 4, 5, -6];
  const f8 = write('f8.npy', npyBytes('<f8', [2, 3], bytesOf(new Float64Array(values))));
  const m = loadMatrix(f8);
  t.same([m.rows, m.cols, Array.from(m.data)], [2, 3, values]);
  const f4 = loadMatrix(write('f4.npy', npyBytes('<f4', [3, 2], bytesOf(new Float32Array(values)), { version: 2 })));
  t.same([f4.rows, f4.cols, Array.from(f4.data)], [3, 2, values], 'float32 (exactly representable), v2 header');
  const i4 = loadMatrix(write('i4.npy', npyBytes('<i4', [2, 2], bytesOf(new Int32Array([1, -2, 3, 2147483647])), { version: 3 })));
  t.same(Array.from(i4.data), [1, -2, 3, 2147483647], 'int32, v3 header');
  const i8 = loadMatrix(write('i8.npy', npyBytes('<i8', [3], bytesOf(new BigInt64Array([5n, -7n, 9007199254740991n])))));
  t.same([i8.rows, i8.cols, Array.from(i8.data)], [3, 1, [5, -7, 9007199254740991]], 'int64, 1-D → N×1');
  // Fortran order: the 2×3 matrix [[1,2,3],[4,5,6]] is stored column by column: 1 4 2 5 3 6.
  const fo = loadMatrix(write('fo.npy', npyBytes('<f8', [2, 3], bytesOf(new Float64Array([1, 4, 2, 5, 3, 6])), { fortran: true })));
  t.same(Array.from(fo.data), [1, 2, 3, 4, 5, 6]);
  const round = loadMatrix(write('round.npy', encodeNpy(matrixFromRows([[1, 2], [3, 4], [5, 6]]))));
  t.same([round.rows, round.cols, Array.from(round.data)], [3, 2, [1, 2, 3, 4, 5, 6]], 'encodeNpy round trip');
});

t.test('.npy errors name the file (and row / column)', async (t) => {
  const nan = write('nan.npy', npyBytes('<f8', [2, 2], bytesOf(new Float64Array([1, 2, NaN, 4]))));
  t.throws(() => loadMatrix(nan), { message: `${nan}: row 1, column 0 (0-based) is NaN (NaN/Inf not allowed)` });
  const inf = write('inf.npy', npyBytes('<f4', [1, 3], bytesOf(new Float32Array([0, 0, Infinity]))));
  t.throws(() => loadMatrix(inf), { message: `${inf}: row 0, column 2 (0-based) is Infinity (NaN/Inf not allowed)` });
  const u1 = write('u1.npy', npyBytes('|u1', [4], new Uint8Array(4)));
  t.throws(() => loadMatrix(u1), { message: `${u1}: unsupported dtype '|u1' (supported: <f8, <f4, <i8, <i4)` });
  const be = write('be.npy', npyBytes('>f8', [1], new Uint8Array(8)));
  t.throws(() => loadMatrix(be), /be\.npy: unsupported dtype '>f8'/);
  const trunc = write('trunc.npy', npyBytes('<f8', [10, 2], new Uint8Array(100)));
  t.throws(() => loadMatrix(trunc), {
    message: `${trunc}: truncated .npy data: shape (10, 2) of <f8 needs 160 bytes, file has 100`,
  });
  const short = write('short.npy', npyBytes('<f8', [2], new Uint8Array(0)).subarray(0, 30));
  t.throws(() => loadMatrix(short), /short\.npy: truncated \.npy header/);
  const empty = write('empty.npy', new Uint8Array(0));
  t.throws(() => loadMatrix(empty), /empty\.npy: not a \.npy file/);
  const cube = write('cube.npy', npyBytes('<f8', [1, 1, 1], new Uint8Array(8)));
  t.throws(() => loadMatrix(cube), /cube\.npy: unsupported shape \(1, 1, 1\)/);
});

t.test('splitMatrix: seeded shuffle, sizes, every row exactly once', async (t) => {
  const n = 50;
  const m = { data: Float64Array.from({ length: 2 * n }, (_, k) => Math.floor(k / 2)), rows: n, cols: 2 };
  const s = splitMatrix(m, { validation: 0.1, test: 0.2, seed: 5 });
  t.same([s.train.rows, s.validation.rows, s.test.rows], [35, 5, 10]);
  const ids = [s.train, s.validation, s.test].flatMap((p) => Array.from({ length: p.rows }, (_, i) => p.data[2 * i]));
  t.same(ids.slice().sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'a permutation of the rows');
  t.notSame(ids, Array.from({ length: n }, (_, i) => i), 'shuffled');
  const again = splitMatrix(m, { validation: 0.1, test: 0.2, seed: 5 });
  t.same(Array.from(again.test.data), Array.from(s.test.data), 'deterministic per seed');
  t.notSame(Array.from(splitMatrix(m, { seed: 6 }).train.data), Array.from(splitMatrix(m, { seed: 5 }).train.data));
  t.throws(() => splitMatrix(m, { validation: 0.5, test: 0.5 }), /must be ≥ 0 and sum below 1/);
});
