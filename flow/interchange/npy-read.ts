// Reading NumPy .npy bytes (numpy.lib.format; versions 1.0, 2.0, 3.0) into host matrices: 1-D and
// 2-D arrays of float64, float32, int32 or int64, C or Fortran order, non-finite values refused
// naming row and column. Bytes only (no file system), so browser bundles use it too; readNpy in
// flow/data/files.ts adds the file. O(N).

import type { HostMatrix } from '../matrix.js';

/** The element types read. */
type NpyDtype = '<f8' | '<f4' | '<i8' | '<i4';
const NPY_ITEMSIZE: Record<NpyDtype, number> = { '<f8': 8, '<f4': 4, '<i8': 8, '<i4': 4 };

/** A .npy header: format version, dtype, order, shape and where the data start. */
export interface NpyHeader {
  version: number;
  dtype: NpyDtype;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

/**
 * Layout: magic "\x93NUMPY", major, minor, header length (uint16 LE for v1, uint32 LE for v2/v3),
 * then a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}, then the data.
 */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${file}: not a .npy file (missing \\x93NUMPY magic) or truncated header`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${file}: truncated .npy header`);
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new Error(`${file}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (bytes.length < headerStart + headerLength) {
    throw new Error(`${file}: truncated .npy header (${bytes.length} bytes, header needs ${headerStart + headerLength})`);
  }
  const dict = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, headerStart + headerLength),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(dict)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${file}: malformed .npy header ${JSON.stringify(dict.trim())}`);
  }
  if (!(descr in NPY_ITEMSIZE)) {
    throw new Error(`${file}: unsupported dtype '${descr}' (supported: ${Object.keys(NPY_ITEMSIZE).join(', ')})`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.length < 1 || shape.length > 2 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${file}: unsupported shape (${shapeText}); only 1-D and 2-D arrays are read`);
  }
  return {
    version: major,
    dtype: descr as NpyDtype,
    fortranOrder: fortran === 'True',
    shape,
    dataOffset: headerStart + headerLength,
  };
}

/** Parse a .npy byte buffer; 1-D arrays of length n become n×1. */
export function parseNpy(bytes: Uint8Array, file: string): HostMatrix<Float64Array> {
  const h = parseNpyHeader(bytes, file);
  const rows = h.shape[0];
  const cols = h.shape.length === 2 ? h.shape[1] : 1;
  const count = rows * cols;
  const need = count * NPY_ITEMSIZE[h.dtype];
  const have = bytes.length - h.dataOffset;
  if (have < need) {
    throw new Error(
      `${file}: truncated .npy data: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${need} bytes, file has ${have}`,
    );
  }
  // Copy into a fresh, aligned ArrayBuffer so typed views are legal (Buffer#slice would not copy).
  const raw = new Uint8Array(bytes.subarray(h.dataOffset, h.dataOffset + need)).buffer;
  let flat: Float64Array;
  switch (h.dtype) {
    case '<f8':
      flat = new Float64Array(raw);
      break;
    case '<f4':
      flat = Float64Array.from(new Float32Array(raw));
      break;
    case '<i4':
      flat = Float64Array.from(new Int32Array(raw));
      break;
    case '<i8': {
      const ints = new BigInt64Array(raw);
      flat = new Float64Array(count);
      for (let i = 0; i < count; i++) flat[i] = Number(ints[i]);
      break;
    }
  }
  let data = flat;
  if (h.fortranOrder && cols > 1) {
    // Column-major: element (i, j) is at j·rows + i.
    data = new Float64Array(count);
    for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) data[i * cols + j] = flat[j * rows + i];
  }
  for (let k = 0; k < count; k++) {
    if (!Number.isFinite(data[k])) {
      const row = Math.floor(k / cols);
      throw new Error(`${file}: row ${row}, column ${k - row * cols} (0-based) is ${data[k]} (NaN/Inf not allowed)`);
    }
  }
  return { data, rows, cols };
}
