// NumPy .npy encoding of n-d arrays (numpy.lib.format, version 1.0): magic "\x93NUMPY", 1, 0,
// uint16 LE header length, a Python dict literal padded with spaces to a multiple of 64 bytes
// and ending in '\n', then the data in C order, little endian. The one .npy writer: .npz exports,
// flow/data/files.ts encodeNpy, and the header of `relgrad sample --out x.npy` (streamed rows).

export type NpyDescr = '<f8' | '<f4' | '|u1';

/** An n-d array as NumPy's .npy holds it: flat values in C order and their shape. */
export interface NpyArray {
  data: Float64Array | Float32Array | Uint8Array;
  shape: readonly number[];
}

function descrOf(data: NpyArray['data']): NpyDescr {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  return '|u1';
}

/**
 * The header of a version-1.0 C-order .npy of `descr` and `shape` (magic, version, length, dict);
 * the data follows it. Streaming writers write this first, then the rows.
 */
export function npyHeader(descr: NpyDescr, shape: readonly number[]): Uint8Array {
  // a 1-tuple needs its trailing comma in Python: (5,)
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (dict.length > 0xffff) throw new Error('npyHeader: header too long for format 1.0');
  const out = new Uint8Array(10 + dict.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  return out;
}

/** One array as a .npy file; its dtype follows the typed array (float64, float32 or uint8). */
export function encodeNpyArray(a: NpyArray): Uint8Array {
  const count = a.shape.reduce((p, d) => p * d, 1);
  if (a.shape.some((d) => !Number.isInteger(d) || d < 0) || count !== a.data.length) {
    throw new Error(`encodeNpyArray: shape (${a.shape.join(', ')}) does not hold ${a.data.length} values`);
  }
  const header = npyHeader(descrOf(a.data), a.shape);
  const out = new Uint8Array(header.length + a.data.byteLength);
  out.set(header);
  out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), header.length);
  return out;
}
