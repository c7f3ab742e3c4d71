// 2-D density heatmaps (viridis) and scatter plots as PNG buffers, for toy-data flows.

import { zerosMatrix, type HostMatrix } from '../data/dataset.js';
import { Canvas } from './canvas.js';
import { viridis, type Rgb } from './colormap.js';

/** The plotted window in data coordinates (y grows upwards in the image). */
export interface Bounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

export interface HeatmapOptions {
  /** log p at each row of an N×2 grid of points. */
  logDensity: (grid: HostMatrix<Float64Array>) => Float64Array;
  bounds: Bounds;
  /** Grid cells per side; the image is resolution×resolution pixels (default 256). */
  resolution?: number;
  /** Points drawn on top as small dots (N×2). */
  points?: HostMatrix<Float64Array>;
  /** Colour by the density (default) or by log-density clipped to `logRange` below its maximum. */
  scale?: 'density' | 'log';
  logRange?: number;
}

/** Pixel centres of a resolution×resolution grid, row-major from the top-left (x right, y up). */
export function gridPoints(bounds: Bounds, resolution: number): HostMatrix<Float64Array> {
  const grid = zerosMatrix(resolution * resolution, 2);
  for (let i = 0; i < resolution; i++) {
    const y = bounds.yMax - ((i + 0.5) / resolution) * (bounds.yMax - bounds.yMin);
    for (let j = 0; j < resolution; j++) {
      const k = i * resolution + j;
      grid.data[2 * k] = bounds.xMin + ((j + 0.5) / resolution) * (bounds.xMax - bounds.xMin);
      grid.data[2 * k + 1] = y;
    }
  }
  return grid;
}

function toPixel(bounds: Bounds, w: number, h: number, x: number, y: number): [number, number] {
  return [
    ((x - bounds.xMin) / (bounds.xMax - bounds.xMin)) * w - 0.5,
    ((bounds.yMax - y) / (bounds.yMax - bounds.yMin)) * h - 0.5,
  ];
}

function checkPoints(points: HostMatrix<Float64Array>, what: string): void {
  if (points.cols !== 2) throw new Error(`${what}: points must be N×2, got ${points.rows}×${points.cols}`);
}

/**
 * Evaluate `logDensity` on the grid and colour each cell: density scale t = p/max p, log scale
 * t = 1 + (log p − max log p)/logRange (clipped). Non-finite log p (e.g. −∞) is the lowest colour.
 */
export function densityHeatmap(options: HeatmapOptions): Buffer {
  const { bounds, resolution = 256, points, scale = 'density', logRange = 10 } = options;
  const grid = gridPoints(bounds, resolution);
  const logp = options.logDensity(grid);
  if (logp.length !== grid.rows) {
    throw new Error(`densityHeatmap: logDensity returned ${logp.length} values for ${grid.rows} grid points`);
  }
  let max = -Infinity;
  for (const v of logp) if (Number.isFinite(v) && v > max) max = v;
  const canvas = new Canvas(resolution, resolution);
  for (let k = 0; k < logp.length; k++) {
    const v = logp[k];
    let t = 0;
    if (Number.isFinite(v) && Number.isFinite(max)) {
      t = scale === 'density' ? Math.exp(v - max) : 1 + (v - max) / logRange;
    }
    canvas.set(k % resolution, Math.floor(k / resolution), viridis(t));
  }
  if (points) {
    checkPoints(points, 'densityHeatmap');
    const white: Rgb = [255, 255, 255];
    for (let i = 0; i < points.rows; i++) {
      const [px, py] = toPixel(bounds, resolution, resolution, points.data[2 * i], points.data[2 * i + 1]);
      canvas.fillRect(Math.round(px), Math.round(py), 2, 2, white, 0.8);
    }
  }
  return canvas.toPng();
}

export interface ScatterOptions {
  /** Plotted window; default: the points' range padded by 5%. */
  bounds?: Bounds;
  /** Image side in pixels (default 512). */
  size?: number;
  color?: Rgb;
  /** Opacity of each dot, so dense regions read darker (default 0.5). */
  alpha?: number;
}

export function dataBounds(points: HostMatrix<Float64Array>, pad = 0.05): Bounds {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let i = 0; i < points.rows; i++) {
    const x = points.data[2 * i];
    const y = points.data[2 * i + 1];
    xMin = Math.min(xMin, x);
    xMax = Math.max(xMax, x);
    yMin = Math.min(yMin, y);
    yMax = Math.max(yMax, y);
  }
  if (!Number.isFinite(xMin)) return { xMin: -1, xMax: 1, yMin: -1, yMax: 1 };
  const dx = Math.max(xMax - xMin, 1e-9) * pad;
  const dy = Math.max(yMax - yMin, 1e-9) * pad;
  return { xMin: xMin - dx, xMax: xMax + dx, yMin: yMin - dy, yMax: yMax + dy };
}

/** 2×2-pixel translucent dots on white. */
export function scatterPng(points: HostMatrix<Float64Array>, options: ScatterOptions = {}): Buffer {
  checkPoints(points, 'scatterPng');
  const { size = 512, color = [0x1f, 0x77, 0xb4], alpha = 0.5 } = options;
  const bounds = options.bounds ?? dataBounds(points);
  const canvas = new Canvas(size, size);
  for (let i = 0; i < points.rows; i++) {
    const [px, py] = toPixel(bounds, size, size, points.data[2 * i], points.data[2 * i + 1]);
    canvas.fillRect(Math.round(px), Math.round(py), 2, 2, color, alpha);
  }
  return canvas.toPng();
}
