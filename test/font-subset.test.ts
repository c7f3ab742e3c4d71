// The figures' font (assets/fonts/DejaVuSans-figures.ttf, made by tools/subset-font.sh) maps every
// character of the ranges the script names and every non-ASCII character the figure code writes,
// read from the font's own cmap table (OpenType spec: 'cmap' formats 4 and 12), not from the script.

import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fontPath } from '../flow/figure/render.js';

/** The code points a TrueType/OpenType font maps to a glyph other than .notdef. */
function mappedCodePoints(font: Buffer): Set<number> {
  const tables = new Map<string, number>();
  for (let i = 0, n = font.readUInt16BE(4); i < n; i++) tables.set(font.toString('latin1', 12 + 16 * i, 16 + 16 * i), font.readUInt32BE(20 + 16 * i));
  const cmap = tables.get('cmap');
  if (cmap === undefined) throw new Error('no cmap table');
  const out = new Set<number>();
  for (let i = 0, n = font.readUInt16BE(cmap + 2); i < n; i++) {
    const sub = cmap + font.readUInt32BE(cmap + 4 + 8 * i + 4);
    const format = font.readUInt16BE(sub);
    if (format === 4) {
      const segs = font.readUInt16BE(sub + 6) / 2;
      const ends = sub + 14;
      const starts = ends + 2 * segs + 2;
      const deltas = starts + 2 * segs;
      const offsets = deltas + 2 * segs;
      for (let s = 0; s < segs; s++) {
        const [end, start, delta, ro] = [font.readUInt16BE(ends + 2 * s), font.readUInt16BE(starts + 2 * s), font.readInt16BE(deltas + 2 * s), font.readUInt16BE(offsets + 2 * s)];
        for (let c = start; c <= end && c !== 0xffff; c++) {
          const g = ro === 0 ? (c + delta) & 0xffff : font.readUInt16BE(offsets + 2 * s + ro + 2 * (c - start));
          if (g !== 0) out.add(c);
        }
      }
    } else if (format === 12) {
      for (let g = 0, groups = font.readUInt32BE(sub + 12); g < groups; g++) {
        const [start, end, glyph] = [0, 4, 8].map((k) => font.readUInt32BE(sub + 16 + 12 * g + k));
        for (let c = start; c <= end; c++) if (glyph + c - start !== 0) out.add(c);
      }
    }
  }
  return out;
}

const font = readFileSync(fontPath());
const mapped = mappedCodePoints(font);
const full = mappedCodePoints(readFileSync('assets/fonts/source/DejaVuSans.ttf'));

t.test('the parser reads the full font too (a check on the check)', async (t) => {
  t.ok(full.size > 5000, `the full DejaVu Sans maps ${full.size} characters`);
  t.ok(full.has(0x0416) && !mapped.has(0x0416), 'Cyrillic Ж: in the full font, left out of the subset');
  t.ok(font.length < 120_000, `the subset is ${font.length} bytes`);
});

t.test('the subset maps every character of the ranges tools/subset-font.sh names', async (t) => {
  const script = readFileSync('tools/subset-font.sh', 'utf8');
  const ranges = /UNICODES="([^"]+)"/.exec(script)?.[1].split(',') ?? [];
  t.ok(ranges.length > 5, `ranges: ${ranges.join(' ')}`);
  const missing: string[] = [];
  for (const r of ranges) {
    const [lo, hi = lo] = r.replace(/U\+/g, '').split('-').map((h) => parseInt(h, 16));
    for (let c = lo; c <= hi; c++) {
      // characters DejaVu Sans itself lacks are not in the full font either
      if (!mapped.has(c) && full.has(c)) missing.push(c.toString(16));
    }
  }
  t.same(missing, [], 'none missing');
});

t.test('every non-ASCII character in the code that composes figures has a glyph', async (t) => {
  const files = [
    ...readdirSync('flow/figure').filter((f) => f.endsWith('.ts')).map((f) => join('flow/figure', f)),
    'flow/cli/pictures.ts',
    ...readdirSync('bench').filter((f) => f.endsWith('.ts')).map((f) => join('bench', f)),
    ...readdirSync('bench/lib').filter((f) => f.endsWith('.ts')).map((f) => join('bench/lib', f)),
  ];
  const seen = new Map<number, string>();
  for (const f of files) for (const ch of readFileSync(f, 'utf8')) if (ch.codePointAt(0)! > 0x7e && !seen.has(ch.codePointAt(0)!)) seen.set(ch.codePointAt(0)!, f);
  t.ok(seen.has(0x2212) && seen.has(0x00d7), 'found the minus and times signs the tick labels write');
  const missing = [...seen].filter(([c]) => !mapped.has(c)).map(([c, f]) => `U+${c.toString(16).toUpperCase()} '${String.fromCodePoint(c)}' (${f})`);
  t.same(missing, [], 'all mapped');
});
