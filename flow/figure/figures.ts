// The project's figures as SVG documents (rendered to PNG by render.ts): the training figure
// (data | model density | samples, one scale, a colour bar), single density and scatter panels,
// the training curve (train and validation loss per epoch, best epoch marked) and line charts for
// the benchmarks (legend beside the plot, never over the data).

import type { HostMatrix } from '../data/dataset.js';
import type { Bounds } from './grid.js';
import { TAB10, type Rgb } from './colormap.js';
import { heatImage, rampImage, type HeatImage } from './heat.js';
import { panel, TITLE_ROOM, X_AXIS_ROOM, Y_LABEL_OFFSET, TICK_FONT, LABEL_FONT } from './panel.js';
import { makeScale, niceDomain, tickLabel } from './scale.js';
import { el, n2, svgDocument, text, textWidth } from './svg.js';

const rgb = (c: Rgb): string => `rgb(${c[0]},${c[1]},${c[2]})`;
const PANEL = 300;
const POINT = '#1f4e9c';
const SAMPLE = '#c0392b';

function points(m: HostMatrix<Float64Array>, p: ReturnType<typeof panel>, color: string, max = 2000): string {
  const n = Math.min(m.rows, max);
  const dots: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = m.data[i * m.cols];
    const y = m.data[i * m.cols + 1];
    if (Number.isFinite(x) && Number.isFinite(y)) dots.push(`M${n2(p.sx.map(x))} ${n2(p.sy.map(y))}h0`);
  }
  // one path of zero-length round-capped segments: a dot per point, small files
  return el('path', { d: dots.join(''), stroke: color, 'stroke-width': 3.2, 'stroke-linecap': 'round', 'stroke-opacity': 0.55, fill: 'none', 'clip-path': p.clip });
}

function colourBar(heat: HeatImage, x: number, y: number, height: number): string[] {
  const s = makeScale('linear', [heat.lo, heat.hi], [y + height, y]);
  const out = [
    el('image', { x, y, width: 14, height, preserveAspectRatio: 'none', style: 'image-rendering:pixelated', href: rampImage() }),
    el('rect', { x, y, width: 14, height, fill: 'none', stroke: '#333' }),
  ];
  for (const t of s.ticks()) {
    const py = s.map(t);
    out.push(el('line', { x1: x + 14, y1: py, x2: x + 18, y2: py, stroke: '#333' }));
    out.push(text(x + 21, py + TICK_FONT * 0.35, tickLabel(t), { size: TICK_FONT }));
  }
  out.push(text(x + 78, y + height / 2, heat.scale === 'density' ? 'density p(x)' : 'log density log p(x)', { size: LABEL_FONT, anchor: 'middle', rotate: -90 }));
  return out;
}

export interface FlowFigureOptions {
  /** training points (N×2), drawn up to 2000 */
  data: HostMatrix<Float64Array>;
  /** rows of the whole training set, when `data` is a subsample of it (said in the panel's title) */
  dataRows?: number;
  /** samples drawn through the inverse (N×2) */
  samples: HostMatrix<Float64Array>;
  logDensity: (grid: HostMatrix<Float64Array>) => Float64Array;
  bounds: Bounds;
  title?: string;
  /** colour by p (default) or by log p over `logRange` nats below its maximum */
  scale?: 'density' | 'log';
  logRange?: number;
  resolution?: number;
}

/** data | model density (with colour bar) | samples, at one scale. */
export function flowFigure(o: FlowFigureOptions): string {
  const top = TITLE_ROOM + (o.title ? 30 : 0);
  const domain = { xDomain: [o.bounds.xMin, o.bounds.xMax] as [number, number], yDomain: [o.bounds.yMin, o.bounds.yMax] as [number, number], xLabel: 'x₁', yLabel: 'x₂' };
  const x0 = Y_LABEL_OFFSET + 18;
  const x1 = x0 + PANEL + Y_LABEL_OFFSET + 24;
  const bar = x1 + PANEL + 14;
  const x2 = bar + 120 + Y_LABEL_OFFSET;
  const width = x2 + PANEL + 24;
  const height = top + PANEL + X_AXIS_ROOM + 10;
  const heat = heatImage(o.logDensity, o.bounds, { scale: o.scale, logRange: o.logRange, resolution: o.resolution });
  const pd = panel({ x: x0, y: top, width: PANEL, height: PANEL, ...domain, title: o.dataRows !== undefined && o.dataRows > o.data.rows ? `Data (${o.data.rows} of ${o.dataRows} training rows)` : `Data (${o.data.rows} points)` }, 'data');
  const pm = panel({ x: x1, y: top, width: PANEL, height: PANEL, ...domain, title: 'Model density', grid: false }, 'model');
  const ps = panel({ x: x2, y: top, width: PANEL, height: PANEL, ...domain, title: `Samples (${o.samples.rows})` }, 'samples');
  const body = [
    ...pd.under, points(o.data, pd, POINT), ...pd.over,
    ...pm.under,
    el('image', { x: x1, y: top, width: PANEL, height: PANEL, preserveAspectRatio: 'none', style: 'image-rendering:pixelated', href: heat.href }),
    ...pm.over,
    ...colourBar(heat, bar, top, PANEL),
    ...ps.under, points(o.samples, ps, SAMPLE), ...ps.over,
  ];
  if (o.title) body.push(text(width / 2, 26, o.title, { size: 17, anchor: 'middle', weight: 'bold' }));
  return svgDocument(width, height, body, { title: o.title ?? 'relgrad flow' });
}

/** One density panel with its colour bar (and the training points on top, when given). */
export function densityFigure(o: Omit<FlowFigureOptions, 'samples' | 'data'> & { data?: HostMatrix<Float64Array> }): string {
  const top = TITLE_ROOM;
  const x0 = Y_LABEL_OFFSET + 18;
  const bar = x0 + PANEL + 14;
  const heat = heatImage(o.logDensity, o.bounds, { scale: o.scale, logRange: o.logRange, resolution: o.resolution });
  const p = panel({ x: x0, y: top, width: PANEL, height: PANEL, xDomain: [o.bounds.xMin, o.bounds.xMax], yDomain: [o.bounds.yMin, o.bounds.yMax], xLabel: 'x₁', yLabel: 'x₂', title: o.title ?? 'Model density', grid: false }, 'density');
  const body = [...p.under, el('image', { x: x0, y: top, width: PANEL, height: PANEL, preserveAspectRatio: 'none', style: 'image-rendering:pixelated', href: heat.href })];
  if (o.data) body.push(points(o.data, p, 'rgba(255,255,255,0.9)', 1000));
  body.push(...p.over, ...colourBar(heat, bar, top, PANEL));
  return svgDocument(bar + 110, top + PANEL + X_AXIS_ROOM + 10, body, { title: o.title ?? 'Model density' });
}

/** A scatter of 2-D points on axes. */
export function scatterFigure(m: HostMatrix<Float64Array>, bounds: Bounds, title: string): string {
  const top = TITLE_ROOM;
  const x0 = Y_LABEL_OFFSET + 18;
  const p = panel({ x: x0, y: top, width: PANEL, height: PANEL, xDomain: [bounds.xMin, bounds.xMax], yDomain: [bounds.yMin, bounds.yMax], xLabel: 'x₁', yLabel: 'x₂', title }, 'scatter');
  return svgDocument(x0 + PANEL + 24, top + PANEL + X_AXIS_ROOM + 10, [...p.under, points(m, p, SAMPLE), ...p.over], { title });
}

export interface ChartSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: Rgb;
  dashed?: boolean;
  /** a dot at each point (default: when there are at most 40; always for a single point) */
  markers?: boolean;
  /** per point, the [low, high] of its repeats (e.g. min–max), drawn as a capped vertical bar */
  spread?: readonly (readonly [number, number] | null)[];
  /** where the series ended before the last x: a stop at a cap (×) or an error (□), at (x, y) */
  end?: { x: number; y: number; kind: 'stopped' | 'error' };
}

export interface ChartOptions {
  series: readonly ChartSeries[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** x ticks to draw instead of the scale's own (e.g. the sizes a benchmark measured) */
  xTicks?: readonly number[];
  /** lines of small text under the chart (machine, commit, notes), wrapped to the width; the figure grows to hold them */
  caption?: readonly string[];
  /** the SVG's <desc> (default: the caption) */
  description?: string;
  /** extra SVG drawn inside the plot area, given the scales (e.g. the best-epoch marker) */
  decorate?: (sx: (v: number) => number, sy: (v: number) => number, area: { x: number; y: number; width: number; height: number }) => string[];
}

const CAPTION_FONT = 11;

/** Greedy word wrap of `s` to lines at most `width` px wide at `size` (by textWidth's estimate). */
function wrap(s: string, width: number, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (line !== '' && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A series' end marker: × for a stop at a cap, an open square for an error; `r` is half its size. */
function endMarker(x: number, y: number, kind: 'stopped' | 'error', color: string, r = 6): string {
  if (kind === 'error') return el('rect', { class: 'end-marker error', x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: 'white', stroke: color, 'stroke-width': 2.2 });
  return el('path', { class: 'end-marker stopped', d: `M${n2(x - r)} ${n2(y - r)}L${n2(x + r)} ${n2(y + r)}M${n2(x - r)} ${n2(y + r)}L${n2(x + r)} ${n2(y - r)}`, stroke: color, 'stroke-width': 2.6, fill: 'none' });
}

/**
 * Lines (with markers) on linear or log axes, with optional spread bars per point, a marker where a
 * series stopped, and caption lines below. The legend sits right of the plot area, or below it when
 * its names are long (over a third of the width); the title is centred on the figure and shrunk
 * until it fits. Neither ever covers the data. The axes fit the data (scale.ts niceDomain).
 */
export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 800;
  const endKinds = (['stopped', 'error'] as const).filter((k) => o.series.some((s) => s.end?.kind === k));
  const endNames = { stopped: 'stopped at a cap', error: 'error' };
  const legendNames = [...o.series.map((s) => s.name), ...endKinds.map((k) => endNames[k])];
  const nameWidth = Math.max(...legendNames.map((n) => textWidth(n, LABEL_FONT)), 40) + 46;
  const below = nameWidth > width / 3;
  const legendRows = below ? legendNames.length : 0;
  const caption = (o.caption ?? []).flatMap((c) => wrap(c, width - 40, CAPTION_FONT));
  const captionHeight = caption.length > 0 ? caption.length * (CAPTION_FONT + 4) + 10 : 0;
  // a legend below the plot adds its rows to the height, so the plot area keeps its size
  const height = (o.height ?? 480) + captionHeight + legendRows * 20;
  const area = { x: Y_LABEL_OFFSET + 30, y: TITLE_ROOM + 12, width: 0, height: 0 };
  area.width = Math.max(120, width - area.x - (below ? 0 : nameWidth) - 20);
  area.height = Math.max(120, height - captionHeight - area.y - X_AXIS_ROOM - 8 - legendRows * 20);
  const ok = ([x, y]: readonly [number, number]): boolean => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0) && (!o.logY || y > 0);
  const all = o.series.flatMap((s) => [
    ...s.points,
    ...(s.spread ?? []).flatMap((b, i) => (b === null || s.points[i] === undefined ? [] : [[s.points[i][0], b[0]] as const, [s.points[i][0], b[1]] as const])),
    ...(s.end ? [[s.end.x, s.end.y] as const] : []),
  ]).filter(ok);
  if (all.length === 0) throw new Error('lineChart: no finite points to plot');
  const kx = o.logX ? 'log' : 'linear';
  const ky = o.logY ? 'log' : 'linear';
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const p = panel({
    ...area, xScale: kx, yScale: ky,
    xDomain: niceDomain(kx, Math.min(...xs), Math.max(...xs)),
    yDomain: niceDomain(ky, Math.min(...ys), Math.max(...ys)),
    xLabel: o.xLabel, yLabel: o.yLabel, xTicks: o.xTicks,
  }, 'chart');
  const body = [...p.under];
  const legend = (i: number, mark: (lx: number, ly: number) => string[], name: string): void => {
    const ly = below ? area.y + area.height + X_AXIS_ROOM + 6 + i * 20 : area.y + 10 + i * 22;
    const lx = below ? area.x : area.x + area.width + 18;
    body.push(...mark(lx, ly), text(lx + 30, ly + LABEL_FONT * 0.35, name, { size: LABEL_FONT }));
  };
  o.series.forEach((s, i) => {
    const color = rgb(s.color ?? TAB10[i % TAB10.length]);
    const kept = s.points.map((pt, k) => [pt, s.spread?.[k] ?? null] as const).filter(([pt]) => ok(pt));
    const pts = kept.map(([pt]) => pt);
    if (pts.length > 0) {
      const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${n2(p.sx.map(x))} ${n2(p.sy.map(y))}`).join('');
      body.push(el('path', { d, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-dasharray': s.dashed ? '6 4' : undefined, 'clip-path': p.clip }));
    }
    for (const [[x], b] of kept) {
      if (b === null || !ok([x, b[0]]) || !ok([x, b[1]])) continue;
      const [cx, y0, y1] = [p.sx.map(x), p.sy.map(b[0]), p.sy.map(b[1])];
      body.push(el('path', { class: 'spread', d: `M${n2(cx)} ${n2(y0)}V${n2(y1)}M${n2(cx - 4)} ${n2(y0)}h8M${n2(cx - 4)} ${n2(y1)}h8`, stroke: color, 'stroke-width': 1.3, fill: 'none', 'clip-path': p.clip }));
    }
    const dots = s.markers ?? (pts.length <= 40);
    if (dots || pts.length === 1) {
      for (const [x, y] of pts) body.push(el('circle', { cx: p.sx.map(x), cy: p.sy.map(y), r: pts.length === 1 ? 4.5 : 3.2, fill: color, stroke: 'white', 'stroke-width': 0.8, 'clip-path': p.clip }));
    }
    if (s.end && ok([s.end.x, s.end.y])) body.push(endMarker(p.sx.map(s.end.x), p.sy.map(s.end.y), s.end.kind, color));
    legend(i, (lx, ly) => [
      el('line', { x1: lx, y1: ly, x2: lx + 24, y2: ly, stroke: color, 'stroke-width': 2.5, 'stroke-dasharray': s.dashed ? '6 4' : undefined }),
      ...(dots || pts.length === 1 ? [el('circle', { cx: lx + 12, cy: ly, r: 3.2, fill: color })] : []),
    ], s.name);
  });
  endKinds.forEach((k, j) => legend(o.series.length + j, (lx, ly) => [endMarker(lx + 12, ly, k, '#555', 5)], endNames[k]));
  if (o.decorate) body.push(...o.decorate(p.sx.map, p.sy.map, area));
  body.push(...p.over);
  if (o.title) {
    let size = 15;
    while (size > 9 && textWidth(o.title, size) > width - 20) size--;
    body.push(text(width / 2, area.y - 12, o.title, { size, anchor: 'middle' }));
  }
  caption.forEach((line, k) => body.push(text(20, height - captionHeight + 12 + k * (CAPTION_FONT + 4), line, { size: CAPTION_FONT, fill: '#333' })));
  return svgDocument(width, height, body, { title: o.title, description: o.description ?? o.caption?.join(' ') });
}

export interface CurveEpoch {
  epoch: number;
  trainLoss: number;
  validationLoss: number | null;
}

/** Train and validation loss per epoch, the best (lowest validation loss) epoch marked. */
export function trainingCurve(history: readonly CurveEpoch[], o: { title?: string; bestEpoch?: number | null } = {}): string {
  const val = history.filter((h) => h.validationLoss !== null && Number.isFinite(h.validationLoss));
  const best = o.bestEpoch ?? (val.length > 0 ? val.reduce((a, b) => ((b.validationLoss as number) < (a.validationLoss as number) ? b : a)).epoch : null);
  const series: ChartSeries[] = [{ name: 'train loss', points: history.map((h) => [h.epoch, h.trainLoss] as const), color: TAB10[0] }];
  if (val.length > 0) series.push({ name: 'validation loss', points: val.map((h) => [h.epoch, h.validationLoss as number] as const), color: TAB10[1] });
  const bestRecord = history.find((h) => h.epoch === best);
  return lineChart({
    series,
    title: o.title ?? 'Training curve',
    xLabel: 'epoch',
    yLabel: 'loss (−mean log-likelihood, nats)',
    width: 760,
    height: 440,
    decorate: (sx, sy, area) => {
      if (best === null || bestRecord === undefined) return [];
      const x = sx(best);
      const y = sy(bestRecord.validationLoss ?? bestRecord.trainLoss);
      const label = `best epoch ${best}`;
      const right = x + 6 + textWidth(label, TICK_FONT) < area.x + area.width;
      return [
        el('line', { x1: x, y1: area.y, x2: x, y2: area.y + area.height, stroke: '#555', 'stroke-dasharray': '4 4' }),
        el('circle', { cx: x, cy: y, r: 6.5, fill: 'none', stroke: '#111', 'stroke-width': 2 }),
        text(right ? x + 6 : x - 6, area.y + 16, label, { size: TICK_FONT, anchor: right ? 'start' : 'end' }),
      ];
    },
  });
}
