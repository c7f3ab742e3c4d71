// Line charts as PNG (e.g. time vs D on log-log axes for the benchmarks): several series, axis
// ticks, grid, title, axis labels and a legend, all drawn with the built-in 5×7 font.

import { Canvas } from './canvas.js';
import { TAB10, type Rgb } from './colormap.js';
import { GLYPH_HEIGHT, textWidth } from './font.js';

export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: Rgb;
}

export interface LinePlotOptions {
  series: readonly LineSeries[];
  logX?: boolean;
  logY?: boolean;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Image size in pixels (default 800×500). */
  width?: number;
  height?: number;
  /** Font pixel size multiplier for labels (default 2; the title uses one more). */
  fontScale?: number;
}

/** Compact tick label: plain decimals in [1e-3, 1e5), otherwise mantissa E exponent ("2E6"). */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(6)));
  return Number(v.toPrecision(6)).toExponential().replace('e+', 'E').replace('e-', 'E-');
}

/** About `target` "nice" ticks (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, target = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= target + 1) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Ticks for a log axis over [lo, hi] (values > 0): powers of 10, plus 2× and 5× if too few. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const inRange = (v: number): boolean => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  let ticks: number[] = [];
  for (let k = a; k <= b; k++) ticks.push(10 ** k);
  ticks = ticks.filter(inRange);
  if (ticks.length < 3) {
    const more: number[] = [];
    for (let k = a; k <= b; k++) for (const m of [1, 2, 5]) more.push(m * 10 ** k);
    ticks = more.filter(inRange);
  }
  if (ticks.length < 2) ticks = linearTicks(lo, hi).filter((v) => v > 0);
  return ticks.map((v) => Number(v.toPrecision(12)));
}

interface Axis {
  log: boolean;
  lo: number; // in transformed units (log10 when log)
  hi: number;
  ticks: number[]; // in data units
}

function makeAxis(values: number[], log: boolean): Axis {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    const t = log ? Math.log10(v) : v;
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const ticks = log ? logTicks(10 ** lo, 10 ** hi) : linearTicks(lo, hi);
  return { log, lo, hi, ticks };
}

const tf = (axis: Axis, v: number): number => (axis.log ? Math.log10(v) : v);

/**
 * Draws every series as a 2-pixel line through its points sorted by x, with square markers.
 * On a log axis, points with a non-positive coordinate are left out.
 */
export function linePlot(options: LinePlotOptions): Buffer {
  const { series, logX = false, logY = false, title = '', xLabel = '', yLabel = '' } = options;
  const width = options.width ?? 800;
  const height = options.height ?? 500;
  const s = options.fontScale ?? 2;
  const glyphH = GLYPH_HEIGHT * s;

  const clean = series.map((ser, i) => ({
    name: ser.name,
    color: ser.color ?? TAB10[i % TAB10.length],
    points: ser.points
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0) && (!logY || y > 0))
      .slice()
      .sort((p, q) => p[0] - q[0]),
  }));
  const xs = clean.flatMap((c) => c.points.map((p) => p[0]));
  const ys = clean.flatMap((c) => c.points.map((p) => p[1]));
  const ax = makeAxis(xs, logX);
  const ay = makeAxis(ys, logY);

  const yTickW = Math.max(0, ...ay.ticks.map((t) => textWidth(formatTick(t), s)));
  const left = 10 + (yLabel ? glyphH + 10 : 0) + yTickW + 8;
  const right = 20;
  const top = 10 + (title ? GLYPH_HEIGHT * (s + 1) + 10 : 0);
  const bottom = 8 + glyphH + 8 + (xLabel ? glyphH + 10 : 0);
  const pw = width - left - right;
  const ph = height - top - bottom;
  if (pw < 20 || ph < 20) throw new Error(`linePlot: ${width}×${height} leaves no room for the plot area`);
  const px = (x: number): number => left + ((tf(ax, x) - ax.lo) / (ax.hi - ax.lo)) * pw;
  const py = (y: number): number => top + ph - ((tf(ay, y) - ay.lo) / (ay.hi - ay.lo)) * ph;

  const canvas = new Canvas(width, height);
  const black: Rgb = [0, 0, 0];
  const grid: Rgb = [225, 225, 225];

  for (const t of ax.ticks) {
    const x = Math.round(px(t));
    canvas.line(x, top, x, top + ph, grid);
    canvas.line(x, top + ph, x, top + ph + 5, black);
    const label = formatTick(t);
    canvas.text(x - textWidth(label, s) / 2, top + ph + 8, label, black, { scale: s });
  }
  for (const t of ay.ticks) {
    const y = Math.round(py(t));
    canvas.line(left, y, left + pw, y, grid);
    canvas.line(left - 5, y, left, y, black);
    const label = formatTick(t);
    canvas.text(left - 8 - textWidth(label, s), y - glyphH / 2, label, black, { scale: s });
  }
  // Plot-area frame.
  canvas.line(left, top, left + pw, top, black);
  canvas.line(left, top + ph, left + pw, top + ph, black);
  canvas.line(left, top, left, top + ph, black);
  canvas.line(left + pw, top, left + pw, top + ph, black);

  for (const c of clean) {
    for (let k = 1; k < c.points.length; k++) {
      const [x0, y0] = c.points[k - 1];
      const [x1, y1] = c.points[k];
      canvas.line(px(x0), py(y0), px(x1), py(y1), c.color, 2);
    }
    for (const [x, y] of c.points) canvas.fillRect(Math.round(px(x)) - 2, Math.round(py(y)) - 2, 5, 5, c.color);
  }

  if (title) {
    canvas.text((width - textWidth(title, s + 1)) / 2, 10, title, black, { scale: s + 1 });
  }
  if (xLabel) {
    canvas.text(left + (pw - textWidth(xLabel, s)) / 2, height - 10 - glyphH, xLabel, black, { scale: s });
  }
  if (yLabel) {
    canvas.text(10, top + (ph + textWidth(yLabel, s)) / 2, yLabel, black, { scale: s, vertical: true });
  }

  // Legend: top-left inside the plot area.
  if (clean.length > 0) {
    const rowH = glyphH + 6;
    const boxW = 10 + 24 + 8 + Math.max(...clean.map((c) => textWidth(c.name, s))) + 10;
    const boxH = clean.length * rowH + 8;
    const bx = left + 10;
    const by = top + 10;
    canvas.fillRect(bx, by, boxW, boxH, [255, 255, 255], 0.9);
    canvas.line(bx, by, bx + boxW, by, black);
    canvas.line(bx, by + boxH, bx + boxW, by + boxH, black);
    canvas.line(bx, by, bx, by + boxH, black);
    canvas.line(bx + boxW, by, bx + boxW, by + boxH, black);
    clean.forEach((c, i) => {
      const y = by + 6 + i * rowH;
      canvas.line(bx + 10, y + glyphH / 2, bx + 34, y + glyphH / 2, c.color, 3);
      canvas.text(bx + 42, y, c.name, black, { scale: s });
    });
  }
  return canvas.toPng();
}
