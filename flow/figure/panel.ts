// One plot panel: a frame around the plot area, light grid lines, ticks with labels on the left and
// bottom axes, axis labels and a title above; data drawn inside is clipped to the frame.

import { el, text } from './svg.js';
import { makeScale, tickLabel, type Scale } from './scale.js';

export interface PanelSpec {
  /** the plot area in pixels (axes, labels and title are drawn outside it) */
  x: number;
  y: number;
  width: number;
  height: number;
  xScale?: 'linear' | 'log';
  yScale?: 'linear' | 'log';
  xDomain: [number, number];
  yDomain: [number, number];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** draw grid lines (default true) */
  grid?: boolean;
  /** x ticks to draw instead of the scale's own (e.g. the measured sizes of a benchmark) */
  xTicks?: readonly number[];
}

export interface Panel {
  sx: Scale;
  sy: Scale;
  /** a clip-path reference for data inside the plot area */
  clip: string;
  /** background: clip path, grid (draw before the data) */
  under: string[];
  /** frame, ticks, labels, title (draw after the data) */
  over: string[];
}

export const TICK_FONT = 12;
export const LABEL_FONT = 13;
const TITLE_FONT = 15;

export function panel(spec: PanelSpec, id: string): Panel {
  const { x, y, width: w, height: h } = spec;
  const sx = makeScale(spec.xScale ?? 'linear', spec.xDomain, [x, x + w]);
  const sy = makeScale(spec.yScale ?? 'linear', spec.yDomain, [y + h, y]);
  const clipId = `clip-${id}`;
  const under: string[] = [el('clipPath', { id: clipId }, el('rect', { x, y, width: w, height: h }))];
  const over: string[] = [el('rect', { x, y, width: w, height: h, fill: 'none', stroke: '#333', 'stroke-width': 1 })];
  const [xLo, xHi] = sx.domain;
  for (const t of spec.xTicks?.filter((v) => v >= xLo && v <= xHi) ?? sx.ticks()) {
    const px = sx.map(t);
    if (spec.grid !== false) under.push(el('line', { x1: px, y1: y, x2: px, y2: y + h, stroke: '#e3e3e3', 'stroke-width': 1 }));
    over.push(el('line', { x1: px, y1: y + h, x2: px, y2: y + h + 5, stroke: '#333' }));
    over.push(text(px, y + h + 8 + TICK_FONT, tickLabel(t), { size: TICK_FONT, anchor: 'middle' }));
  }
  for (const t of sy.ticks()) {
    const py = sy.map(t);
    if (spec.grid !== false) under.push(el('line', { x1: x, y1: py, x2: x + w, y2: py, stroke: '#e3e3e3', 'stroke-width': 1 }));
    over.push(el('line', { x1: x - 5, y1: py, x2: x, y2: py, stroke: '#333' }));
    over.push(text(x - 8, py + TICK_FONT * 0.35, tickLabel(t), { size: TICK_FONT, anchor: 'end' }));
  }
  if (spec.xLabel) over.push(text(x + w / 2, y + h + 22 + TICK_FONT + LABEL_FONT * 0.3, spec.xLabel, { size: LABEL_FONT, anchor: 'middle' }));
  if (spec.yLabel) over.push(text(x - Y_LABEL_OFFSET, y + h / 2, spec.yLabel, { size: LABEL_FONT, anchor: 'middle', rotate: -90 }));
  if (spec.title) over.push(text(x + w / 2, y - 10, spec.title, { size: TITLE_FONT, anchor: 'middle', weight: 'bold' }));
  return { sx, sy, clip: `url(#${clipId})`, under, over };
}

/** Room left of the plot area for tick labels and the rotated y label. */
export const Y_LABEL_OFFSET = 52;
/** Room below the plot area for tick labels and the x label. */
export const X_AXIS_ROOM = 50;
/** Room above the plot area for the title. */
export const TITLE_ROOM = 30;
