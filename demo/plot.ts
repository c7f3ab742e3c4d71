// The page's canvases: scatter and density panels on shared square axes (ticks, axis titles, the
// points that fall outside counted, never silently dropped) and the loss chart (axis titles, a
// legend, linear or log scale, tick labels sized to fit).
import type { HostMatrix } from '../flow/browser.js';
import { viridis } from '../flow/figure/colormap.js';
import { formatTick, logTicks, niceTicks } from './ticks.js';

/** A data-space rectangle. */
export interface Bounds { x0: number; x1: number; y0: number; y1: number }

/** One point of the loss chart: mean negative log-likelihood (nats) after an epoch. */
export interface LossPoint { epoch: number; train: number; validation: number | null }

const MARGIN = { left: 48, right: 10, top: 10, bottom: 40 };
const FONT = '12px system-ui, sans-serif';

/** A square box around the rows (equal spans, so shapes are not stretched), padded by 8%. */
export function squareBounds(m: HostMatrix<Float64Array>): Bounds {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < m.rows; i++) {
    const [x, y] = [m.data[2 * i], m.data[2 * i + 1]];
    [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  }
  const half = 0.54 * Math.max(x1 - x0, y1 - y0, 1e-6);
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
}

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = FONT;
  return ctx;
}

/** The plotting rectangle in pixels. */
function plotArea(canvas: HTMLCanvasElement, left = MARGIN.left): { left: number; top: number; width: number; height: number } {
  return { left, top: MARGIN.top, width: canvas.width - left - MARGIN.right, height: canvas.height - MARGIN.top - MARGIN.bottom };
}

/** Frame, ticks and axis titles of a chart; `x`/`y` map data to pixels. */
function axes(ctx: CanvasRenderingContext2D, area: ReturnType<typeof plotArea>, x: { ticks: number[]; label: (v: number) => string; px: (v: number) => number; title: string },
  y: { ticks: number[]; label: (v: number) => string; px: (v: number) => number; title: string }): void {
  ctx.strokeStyle = '#444';
  ctx.lineWidth = 1;
  ctx.strokeRect(area.left + 0.5, area.top + 0.5, area.width, area.height);
  ctx.fillStyle = '#222';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of x.ticks) {
    const p = x.px(v);
    ctx.fillRect(p, area.top + area.height, 1, 4);
    ctx.fillText(x.label(v), p, area.top + area.height + 6);
  }
  ctx.fillText(x.title, area.left + area.width / 2, area.top + area.height + 22);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of y.ticks) {
    const p = y.px(v);
    ctx.fillRect(area.left - 4, p, 4, 1);
    ctx.fillText(y.label(v), area.left - 6, p);
  }
  ctx.save();
  ctx.translate(12, area.top + area.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(y.title, 0, 0);
  ctx.restore();
}

/** Pixel maps and the axes of a 2-D panel over `b`. */
function panel(ctx: CanvasRenderingContext2D, canvas: HTMLCanvasElement, b: Bounds): { px: (x: number) => number; py: (y: number) => number; area: ReturnType<typeof plotArea> } {
  const area = plotArea(canvas);
  const px = (x: number): number => area.left + ((x - b.x0) / (b.x1 - b.x0)) * area.width;
  const py = (y: number): number => area.top + ((b.y1 - y) / (b.y1 - b.y0)) * area.height;
  return { px, py, area };
}

function panelAxes(ctx: CanvasRenderingContext2D, canvas: HTMLCanvasElement, b: Bounds): void {
  const { px, py, area } = panel(ctx, canvas, b);
  const xt = niceTicks(b.x0, b.x1, 4);
  const yt = niceTicks(b.y0, b.y1, 4);
  axes(ctx, area, { ticks: xt.ticks, label: (v) => formatTick(v, xt.step), px, title: 'x₁' }, { ticks: yt.ticks, label: (v) => formatTick(v, yt.step), px: py, title: 'x₂' });
}

/** Draws up to `max` rows as dots; returns how many of those lie outside `b` (not drawn). */
export function drawPoints(canvas: HTMLCanvasElement, b: Bounds, m: HostMatrix<Float64Array>, color: string, max = 2000): number {
  const ctx = context(canvas);
  const { px, py, area } = panel(ctx, canvas, b);
  let outside = 0;
  ctx.fillStyle = color;
  const n = Math.min(m.rows, max);
  for (let i = 0; i < n; i++) {
    const [x, y] = [m.data[2 * i], m.data[2 * i + 1]];
    if (!(x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1)) {
      outside++;
      continue;
    }
    ctx.fillRect(px(x) - 1.5, py(y) - 1.5, 3, 3);
  }
  panelAxes(ctx, canvas, b);
  if (outside > 0) {
    ctx.fillStyle = '#a00';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    ctx.fillText(`${outside} of ${n} outside`, area.left + area.width - 4, area.top + 4);
  }
  return outside;
}

/** The centres of a grid×grid raster over `b`, row by row from the top: the rows to evaluate log p at. */
export function gridPoints(b: Bounds, grid: number): HostMatrix<Float64Array> {
  const data = new Float64Array(grid * grid * 2);
  for (let i = 0; i < grid; i++) {
    for (let j = 0; j < grid; j++) {
      const k = i * grid + j;
      data[2 * k] = b.x0 + ((j + 0.5) / grid) * (b.x1 - b.x0);
      data[2 * k + 1] = b.y1 - ((i + 0.5) / grid) * (b.y1 - b.y0);
    }
  }
  return { data, rows: grid * grid, cols: 2 };
}

/** A heat map of p(x) (viridis, scaled to the grid's maximum) from log p at gridPoints(b, grid). */
export function drawDensity(canvas: HTMLCanvasElement, b: Bounds, logp: ArrayLike<number>, grid: number): void {
  const ctx = context(canvas);
  let max = -Infinity;
  for (let k = 0; k < logp.length; k++) if (logp[k] > max) max = logp[k];
  const img = new ImageData(grid, grid);
  for (let k = 0; k < grid * grid; k++) {
    const [r, g, bl] = viridis(Number.isFinite(logp[k]) ? Math.exp(logp[k] - max) : 0);
    img.data.set([r, g, bl, 255], 4 * k);
  }
  const off = document.createElement('canvas');
  [off.width, off.height] = [grid, grid];
  (off.getContext('2d') as CanvasRenderingContext2D).putImageData(img, 0, 0);
  const { area } = panel(ctx, canvas, b);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, area.left, area.top, area.width, area.height);
  panelAxes(ctx, canvas, b);
}

/** An empty panel with its axes and a line of text in the middle. */
export function drawEmpty(canvas: HTMLCanvasElement, b: Bounds, text: string): void {
  const ctx = context(canvas);
  const { area } = panel(ctx, canvas, b);
  panelAxes(ctx, canvas, b);
  ctx.fillStyle = '#777';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, area.left + area.width / 2, area.top + area.height / 2);
}

const SERIES = [['train', '#1f77b4', 'train (2,000-row subset)'], ['validation', '#ff7f0e', 'validation']] as const;

/**
 * The loss chart: −mean log p (nats) per epoch for the training subset and the validation rows. On
 * a log axis every value must be positive; returns false (and draws linear) when one is not.
 */
export function drawLoss(canvas: HTMLCanvasElement, history: LossPoint[], log: boolean): boolean {
  const ctx = context(canvas);
  const values = history.flatMap((r) => (r.validation === null ? [r.train] : [r.train, r.validation])).filter(Number.isFinite);
  const canLog = values.length > 0 && values.every((v) => v > 0);
  const useLog = log && canLog;
  const [lo, hi] = values.length === 0 ? [0, 1] : [Math.min(...values), Math.max(...values)];
  const yt: { ticks: number[]; step?: number } = useLog ? logTicks(lo, hi) : niceTicks(lo, hi, 6);
  const ylo = useLog ? Math.min(lo, ...yt.ticks) : Math.min(lo, yt.ticks[0]);
  const yhi = useLog ? Math.max(hi, ...yt.ticks) : Math.max(hi, yt.ticks[yt.ticks.length - 1]);
  const f = (v: number): number => (useLog ? Math.log10(v) : v);
  const labels = yt.ticks.map((v) => formatTick(v, yt.step));
  const left = Math.max(MARGIN.left, 24 + Math.max(...labels.map((s) => ctx.measureText(s).width)));
  const area = plotArea(canvas, left);
  const last = Math.max(1, history.length === 0 ? 1 : history[history.length - 1].epoch);
  const first = history.length === 0 ? 1 : history[0].epoch;
  const xt = niceTicks(first, Math.max(last, first + 1), 5);
  const px = (e: number): number => area.left + ((e - first) / Math.max(1, last - first)) * area.width;
  const py = (v: number): number => area.top + (1 - (f(v) - f(ylo)) / (f(yhi) - f(ylo) || 1)) * area.height;
  axes(ctx, area, { ticks: xt.ticks.filter((e) => Number.isInteger(e) && e >= first && e <= last), label: (v) => String(v), px, title: 'epoch' },
    { ticks: yt.ticks, label: (v) => labels[yt.ticks.indexOf(v)], px: py, title: `loss: −mean log p, nats${useLog ? ' (log scale)' : ''}` });
  for (const [key, color] of SERIES) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let started = false;
    for (const r of history) {
      const v = r[key];
      if (v === null || !Number.isFinite(v)) continue;
      if (started) ctx.lineTo(px(r.epoch), py(v));
      else ctx.moveTo(px(r.epoch), py(v));
      started = true;
    }
    if (history.length === 1 && started) ctx.arc(px(history[0].epoch), py(history[0][key] ?? 0), 2, 0, 2 * Math.PI);
    ctx.stroke();
  }
  // legend, top right inside the frame
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  SERIES.forEach(([, color, name], i) => {
    const y = area.top + 12 + 16 * i;
    const x = area.left + area.width - 170;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(x - 4, y - 8, 170, 16);
    ctx.fillStyle = color;
    ctx.fillRect(x, y - 1, 18, 3);
    ctx.fillStyle = '#222';
    ctx.fillText(name, x + 24, y);
  });
  return canLog;
}
