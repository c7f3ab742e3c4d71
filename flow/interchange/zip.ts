// A minimal ZIP archive of stored (uncompressed) entries, as numpy.savez writes .npz files:
// local file header + data per entry, then the central directory and the end record
// (PKWARE APPNOTE 4.3.7, 4.3.12, 4.3.16). No ZIP64: each entry and the archive stay below 4 GiB.
// readStoredZip reads such archives back (round-trip tests, `relgrad info` on exports).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as ZIP and PNG use it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One file of a ZIP archive: its name and bytes. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

// DOS date 1980-01-01 00:00 (fixed: the same parameters give the same bytes)
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * A ZIP archive of uncompressed entries, as numpy.savez writes .npz files
 * (no ZIP64: each entry and the archive stay below 4 GiB).
 */
export function writeStoredZip(entries: readonly ZipEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const names = entries.map((e) => enc.encode(e.name));
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new Error(`zip: duplicate entry '${e.name}'`);
    seen.add(e.name);
  }
  const localSize = entries.reduce((s, e, i) => s + 30 + names[i].length + e.data.length, 0);
  const centralSize = names.reduce((s, n) => s + 46 + n.length, 0);
  const total = localSize + centralSize + 22;
  if (total >= 0xffffffff || entries.length > 0xffff) throw new Error('zip: archive too large for a non-ZIP64 file');
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.data));
  let p = 0;
  entries.forEach((e, i) => {
    offsets.push(p);
    v.setUint32(p, 0x04034b50, true); // local file header signature
    v.setUint16(p + 4, 20, true); // version needed: 2.0
    v.setUint16(p + 6, 0x0800, true); // flags: names in UTF-8
    v.setUint16(p + 8, 0, true); // method: stored
    v.setUint16(p + 10, DOS_TIME, true);
    v.setUint16(p + 12, DOS_DATE, true);
    v.setUint32(p + 14, crcs[i], true);
    v.setUint32(p + 18, e.data.length, true); // compressed size
    v.setUint32(p + 22, e.data.length, true); // uncompressed size
    v.setUint16(p + 26, names[i].length, true);
    v.setUint16(p + 28, 0, true); // extra field length
    out.set(names[i], p + 30);
    out.set(e.data, p + 30 + names[i].length);
    p += 30 + names[i].length + e.data.length;
  });
  const centralStart = p;
  entries.forEach((e, i) => {
    v.setUint32(p, 0x02014b50, true); // central directory header signature
    v.setUint16(p + 4, 20, true); // version made by
    v.setUint16(p + 6, 20, true); // version needed
    v.setUint16(p + 8, 0x0800, true);
    v.setUint16(p + 10, 0, true);
    v.setUint16(p + 12, DOS_TIME, true);
    v.setUint16(p + 14, DOS_DATE, true);
    v.setUint32(p + 16, crcs[i], true);
    v.setUint32(p + 20, e.data.length, true);
    v.setUint32(p + 24, e.data.length, true);
    v.setUint16(p + 28, names[i].length, true);
    // extra, comment, disk number, internal attributes, external attributes: all zero
    v.setUint32(p + 42, offsets[i], true);
    out.set(names[i], p + 46);
    p += 46 + names[i].length;
  });
  v.setUint32(p, 0x06054b50, true); // end of central directory
  v.setUint16(p + 8, entries.length, true);
  v.setUint16(p + 10, entries.length, true);
  v.setUint32(p + 12, p - centralStart, true);
  v.setUint32(p + 16, centralStart, true);
  return out;
}

/**
 * Reads a ZIP of stored entries through its central directory, checking each CRC-32; refuses
 * duplicate entry names. An empty archive (only the end record) gives no entries.
 */
export function readStoredZip(bytes: Uint8Array, file: string): ZipEntry[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff); p--) {
    if (v.getUint32(p, true) === 0x06054b50) {
      end = p;
      break;
    }
  }
  if (end < 0) throw new Error(`${file}: not a ZIP archive (no end-of-central-directory record)`);
  const count = v.getUint16(end + 10, true);
  let p = v.getUint32(end + 16, true);
  const dec = new TextDecoder();
  const entries: ZipEntry[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || v.getUint32(p, true) !== 0x02014b50) throw new Error(`${file}: corrupt central directory (entry ${i})`);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    const size = v.getUint32(p + 20, true);
    const nameLen = v.getUint16(p + 28, true);
    const skip = nameLen + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
    const local = v.getUint32(p + 42, true);
    const name = dec.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // numpy.load keeps the later of two same-named entries; an archive meant for relgrad is refused
    const first = seen.get(name);
    if (first !== undefined) throw new Error(`${file}: entry '${name}' appears twice (entries ${first} and ${i}); each array must be stored once`);
    seen.set(name, i);
    if (method !== 0) throw new Error(`${file}: entry '${name}' is compressed (method ${method}); only stored entries are read`);
    if (v.getUint32(local, true) !== 0x04034b50) throw new Error(`${file}: entry '${name}': bad local header`);
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    if (start + size > bytes.length) throw new Error(`${file}: entry '${name}' is truncated`);
    const data = new Uint8Array(bytes.subarray(start, start + size)); // a copy (Buffer#slice would alias)
    if (crc32(data) !== crc) throw new Error(`${file}: entry '${name}': CRC-32 mismatch (corrupted)`);
    entries.push({ name, data });
    p += 46 + skip;
  }
  return entries;
}
