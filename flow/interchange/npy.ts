// NumPy .npy encoding of n-d arrays (numpy.lib.format, version 1.0): magic "\x93NUMPY", 1, 0,
// uint16 LE header length, a Python dict literal padded with spaces to a multiple of 64 bytes
// and ending in '\n', then the data in C order, little endian. Used by .npz and `sample --out x.npy`.

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

/** One array as a .npy file; its dtype follows the typed array (float64, float32 or uint8). */
export function encodeNpyArray(a: NpyArray): Uint8Array {
  const count = a.shape.reduce((p, d) => p * d, 1);
  if (a.shape.some((d) => !Number.isInteger(d) || d < 0) || count !== a.data.length) {
    throw new Error(`encodeNpyArray: shape (${a.shape.join(', ')}) does not hold ${a.data.length} values`);
  }
  // a 1-tuple needs its trailing comma in Python: (5,)
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let dict = `{'descr': '${descrOf(a.data)}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (dict.length > 0xffff) throw new Error('encodeNpyArray: header too long for format 1.0');
  const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const out = new Uint8Array(10 + dict.length + bytes.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  out.set(bytes, 10 + dict.length);
  return out;
}
