// Text metadata in a PNG: tEXt chunks (PNG spec 11.3.4.3: Latin-1 keyword, NUL, Latin-1 text),
// inserted right after IHDR. Used to record how a figure was made (command, commit, machine).

import { crc32 } from '../interchange/zip.js';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => (c.charCodeAt(0) < 256 ? c.charCodeAt(0) : 0x3f));

export function addPngText(png: Uint8Array, entries: Record<string, string>): Uint8Array {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 33 || sig.some((b, i) => png[i] !== b)) throw new Error('addPngText: not a PNG');
  const ihdrEnd = 8 + 4 + 4 + 13 + 4; // signature, IHDR length, type, data, CRC
  const chunks = Object.entries(entries).map(([key, text]) => {
    if (!/^[\x20-\x7e]{1,79}$/.test(key)) throw new Error(`addPngText: keyword '${key}' must be 1-79 printable Latin-1 characters`);
    const body = new Uint8Array([...latin1('tEXt'), ...latin1(key), 0, ...latin1(text)]);
    const out = new Uint8Array(body.length + 8);
    const v = new DataView(out.buffer);
    v.setUint32(0, body.length - 4, false);
    out.set(body, 4);
    v.setUint32(4 + body.length, crc32(body), false);
    return out;
  });
  const total = png.length + chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(total);
  out.set(png.subarray(0, ihdrEnd));
  let p = ihdrEnd;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  out.set(png.subarray(ihdrEnd), p);
  return out;
}
