// safetensors (huggingface/safetensors, format README): 8 bytes little-endian u64 N, then N bytes
// of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}},
// padded with spaces to a multiple of 8, then the tensors' bytes back to back, little endian,
// C order; offsets are relative to the start of that byte buffer.

export type SafetensorsDtype = 'F64' | 'F32';

/** A tensor as safetensors holds it: flat values in C order (F64 or F32) and their shape. */
export interface SafeTensor {
  data: Float64Array | Float32Array;
  shape: readonly number[];
}

/** Encodes named tensors (and string metadata) in the safetensors format: u64 header length, JSON header, little-endian data. */
export function encodeSafetensors(tensors: Record<string, SafeTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (count !== t.data.length) throw new Error(`safetensors: '${name}': shape [${t.shape.join(', ')}] does not hold ${t.data.length} values`);
    const dtype: SafetensorsDtype = t.data instanceof Float64Array ? 'F64' : 'F32';
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json);
  json += ' '.repeat((8 - (jsonBytes.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
    p += t.data.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** Decodes a safetensors file's bytes into named tensors and metadata; `file` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, file: string): DecodedSafetensors {
  if (bytes.length === 0) throw new Error(`${file}: empty file (0 bytes)`);
  // 'PK': a ZIP archive (.npz) that a reader sent here, e.g. numpy.savez with no arrays
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) {
    const empty = bytes[2] === 0x05 && bytes[3] === 0x06;
    throw new Error(`${file}: ${empty ? 'an empty .npz (a ZIP archive holding no arrays)' : 'a ZIP archive that does not start with an entry (not a .npz numpy.savez writes)'}`);
  }
  if (bytes.length < 8) throw new Error(`${file}: not a safetensors file (shorter than its 8-byte header length)`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`${file}: truncated safetensors header (${n} bytes announced)`);
  let header: Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as typeof header;
  } catch {
    throw new Error(`${file}: unreadable safetensors header`);
  }
  const base = 8 + n;
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offs } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if ((dtype !== 'F64' && dtype !== 'F32') || !Array.isArray(shape) || !Array.isArray(offs) || offs.length !== 2) {
      throw new Error(`${file}: tensor '${name}': unsupported or malformed entry (dtype ${String(dtype)})`);
    }
    const [begin, end] = offs as number[];
    const width = dtype === 'F64' ? 8 : 4;
    const count = (shape as number[]).reduce((p, d) => p * d, 1);
    if (end - begin !== count * width || base + end > bytes.length) throw new Error(`${file}: tensor '${name}': data offsets [${begin}, ${end}] do not fit`);
    const copy = new Uint8Array(bytes.subarray(base + begin, base + end)); // a copy (Buffer#slice would alias)
    tensors[name] = { data: dtype === 'F64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer), shape: shape as number[] };
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {} };
}
