// SVG → PNG with resvg (@resvg/resvg-wasm: prebuilt WebAssembly, no native build) and DejaVu Sans
// shipped in assets/fonts, subset to the characters figures draw (tools/subset-font.sh), so text
// renders the same everywhere, system fonts or not; both load on the first figure drawn.
// renderPng is asynchronous (WebAssembly start-up); renderPngSync runs it in a child process for
// callers that must stay synchronous. writeFigure writes the SVG and its PNG side by side.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addPngText } from './png-text.js';
import { writeFileAtomic } from '../safe-write.js';

const require = createRequire(import.meta.url);
const FONT_FILE = 'DejaVuSans-figures.ttf';

/** Options of renderPng: `scale` draws the PNG at scale× the SVG's size (2 for high-DPI screens). */
export interface RenderOptions {
  scale?: number;
}

/** assets/fonts/DejaVuSans-figures.ttf, found upwards from this file (flow/figure or dist/flow/figure). */
export function fontPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    const p = join(dir, 'assets', 'fonts', FONT_FILE);
    if (existsSync(p)) return p;
  }
  throw new Error(`render: assets/fonts/${FONT_FILE} not found next to the relgrad package`);
}

type Resvg = typeof import('@resvg/resvg-wasm');
let loading: Promise<{ resvg: Resvg; font: Uint8Array }> | undefined;

function load(): Promise<{ resvg: Resvg; font: Uint8Array }> {
  loading ??= (async () => {
    const resvg = await import('@resvg/resvg-wasm');
    await resvg.initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
    return { resvg, font: readFileSync(fontPath()) };
  })();
  return loading;
}

/** Renders an SVG document to PNG bytes; `meta` goes into tEXt chunks (e.g. Source, Comment). */
export async function renderPng(svg: string, meta: Record<string, string> = {}, options: RenderOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 8)) throw new Error(`render: scale must be in (0, 8], got ${scale}`);
  const { resvg, font } = await load();
  const r = new resvg.Resvg(svg, {
    font: { fontBuffers: [font], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
  });
  const image = r.render();
  const png = image.asPng();
  image.free();
  r.free();
  return Object.keys(meta).length > 0 ? addPngText(png, meta) : png;
}

/** renderPng in a child process (same module), for synchronous callers. */
export function renderPngSync(svg: string, meta: Record<string, string> = {}, options: RenderOptions = {}): Uint8Array {
  const self = fileURLToPath(import.meta.url);
  const child = join(dirname(self), self.endsWith('.ts') ? 'render-child.ts' : 'render-child.js');
  const r = spawnSync(process.execPath, [...process.execArgv, child], {
    input: JSON.stringify({ svg, meta, options }),
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`render: the renderer process failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr?.toString().slice(-1000)}`);
  return new Uint8Array(r.stdout);
}

/**
 * Writes `<base>.svg` and `<base>.png` (the PNG rendered from that SVG, before either is written).
 * Each appears whole or not at all (temp file and rename); a failed write names its file.
 * Returns both paths.
 */
export async function writeFigure(base: string, svg: string, meta: Record<string, string> = {}, options: RenderOptions = {}): Promise<string[]> {
  const png = await renderPng(svg, meta, options);
  writeFileAtomic(`${base}.svg`, svg);
  writeFileAtomic(`${base}.png`, png);
  return [`${base}.png`, `${base}.svg`];
}

/** writeFigure for synchronous callers (the PNG is rendered in a child process). */
export function writeFigureSync(base: string, svg: string, meta: Record<string, string> = {}, options: RenderOptions = {}): string[] {
  const png = renderPngSync(svg, meta, options);
  writeFileAtomic(`${base}.svg`, svg);
  writeFileAtomic(`${base}.png`, png);
  return [`${base}.png`, `${base}.svg`];
}
