// The gallery figure: one row per 2-D data set, four panels per row at one scale — data | model
// density | samples | true density (where the generating process has one) — with the row's
// caption (the log-likelihoods) above it. Each density panel is coloured as the training figure's
// (viridis over p ∈ [0, max p] of that panel). Each row is a <g class="gallery-row" data-set=…>.

import type { HostMatrix } from '../data/dataset.js';
import type { Bounds } from './grid.js';
import { heatImage } from './heat.js';
import { panel, TITLE_ROOM, X_AXIS_ROOM, Y_LABEL_OFFSET } from './panel.js';
import { el, svgDocument, text } from './svg.js';

/** One row of the gallery. */
export interface GalleryRow {
  /** the data set's name (the row's data-set attribute and the start of its caption) */
  name: string;
  /** shown under the name: the log-likelihoods, the recipe, the seconds */
  caption: string;
  /** training points (N×2), drawn up to 2000 */
  data: HostMatrix<Float64Array>;
  /** samples drawn through the inverse (N×2), drawn up to 2000 */
  samples: HostMatrix<Float64Array>;
  logDensity: (grid: HostMatrix<Float64Array>) => Float64Array;
  /** the generating density, where known */
  trueLogDensity?: (grid: HostMatrix<Float64Array>) => Float64Array;
  bounds: Bounds;
}

const PANEL = 210;
const GAP = Y_LABEL_OFFSET + 20;
const CAPTION = 44;
const POINT = '#1f4e9c';
const SAMPLE = '#c0392b';

function dots(m: HostMatrix<Float64Array>, p: ReturnType<typeof panel>, color: string): string {
  const n = Math.min(m.rows, 2000);
  const d: string[] = [];
  for (let i = 0; i < n; i++) {
    const [x, y] = [m.data[i * m.cols], m.data[i * m.cols + 1]];
    if (Number.isFinite(x) && Number.isFinite(y)) d.push(`M${p.sx.map(x).toFixed(1)} ${p.sy.map(y).toFixed(1)}h0`);
  }
  return el('path', { d: d.join(''), stroke: color, 'stroke-width': 2.4, 'stroke-linecap': 'round', 'stroke-opacity': 0.5, fill: 'none', 'clip-path': p.clip });
}

/** The gallery as one SVG document: a header of column titles, then a row per set. */
export function galleryFigure(rows: readonly GalleryRow[], o: { title?: string; resolution?: number } = {}): string {
  if (rows.length === 0) throw new Error('galleryFigure: no rows to draw');
  const columns = ['Data', 'Model density', 'Samples', 'True density'];
  const xs = columns.map((_, c) => Y_LABEL_OFFSET + 12 + c * (PANEL + GAP));
  const width = xs[3] + PANEL + 20;
  const head = (o.title ? 34 : 0) + TITLE_ROOM;
  const rowHeight = CAPTION + PANEL + X_AXIS_ROOM;
  const body: string[] = [];
  if (o.title) body.push(text(width / 2, 26, o.title, { size: 17, anchor: 'middle', weight: 'bold' }));
  columns.forEach((title, c) => body.push(text(xs[c] + PANEL / 2, head - 8, title, { size: 15, anchor: 'middle', weight: 'bold' })));
  rows.forEach((row, r) => {
    const top = head + r * rowHeight + CAPTION;
    const domain = { xDomain: [row.bounds.xMin, row.bounds.xMax] as [number, number], yDomain: [row.bounds.yMin, row.bounds.yMax] as [number, number], xLabel: 'x₁', yLabel: 'x₂' };
    const at = (c: number, grid = true) => panel({ x: xs[c], y: top, width: PANEL, height: PANEL, ...domain, grid }, `${r}-${c}`);
    const heat = (c: number, f: GalleryRow['logDensity']): string[] => {
      const p = at(c, false);
      const h = heatImage(f, row.bounds, { resolution: o.resolution });
      return [...p.under, el('image', { x: xs[c], y: top, width: PANEL, height: PANEL, preserveAspectRatio: 'none', style: 'image-rendering:pixelated', href: h.href }), ...p.over];
    };
    const pd = at(0);
    const ps = at(2);
    const cells = [
      text(xs[0], top - CAPTION + 18, row.name, { size: 15, weight: 'bold' }),
      text(xs[0], top - CAPTION + 36, row.caption, { size: 12.5 }),
      ...pd.under, dots(row.data, pd, POINT), ...pd.over,
      ...heat(1, row.logDensity),
      ...ps.under, dots(row.samples, ps, SAMPLE), ...ps.over,
    ];
    if (row.trueLogDensity !== undefined) cells.push(...heat(3, row.trueLogDensity));
    else {
      const pt = at(3, false);
      cells.push(...pt.under, ...pt.over, text(xs[3] + PANEL / 2, top + PANEL / 2, 'no closed form', { size: 13, anchor: 'middle', fill: '#777' }));
    }
    body.push(el('g', { class: 'gallery-row', 'data-set': row.name }, cells));
  });
  return svgDocument(width, head + rows.length * rowHeight + 10, body, { title: o.title ?? 'relgrad gallery', description: 'relgrad gallery' });
}
