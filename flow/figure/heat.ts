// A density heat map as an image for SVG: log p on a grid → viridis colours → a PNG data URI
// (drawn with image-rendering pixelated), plus the colour bar's image and value range.

import { PNG } from 'pngjs';
import type { HostMatrix } from '../data/dataset.js';
import { gridPoints, type Bounds } from './grid.js';
import { viridis } from './colormap.js';

export interface HeatImage {
  /** data:image/png;base64,… of resolution×resolution pixels, top row = yMax */
  href: string;
  /** the colour scale: t = (value − lo)/(hi − lo), value = p or log p */
  lo: number;
  hi: number;
  scale: 'density' | 'log';
}

function pngUri(width: number, height: number, rgba: Uint8Array): string {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/**
 * Evaluates `logDensity` at the centres of a resolution² grid over `bounds` and colours it:
 * 'density' maps p ∈ [0, max p]; 'log' maps log p ∈ [max − logRange, max] (lower values clip).
 */
export function heatImage(logDensity: (grid: HostMatrix<Float64Array>) => Float64Array, bounds: Bounds, o: { resolution?: number; scale?: 'density' | 'log'; logRange?: number } = {}): HeatImage {
  const res = o.resolution ?? 200;
  const scale = o.scale ?? 'density';
  const logp = logDensity(gridPoints(bounds, res));
  let max = -Infinity;
  for (const v of logp) if (Number.isFinite(v) && v > max) max = v;
  if (!Number.isFinite(max)) throw new Error('heatImage: the log-density is not finite anywhere on the grid');
  const [lo, hi] = scale === 'density' ? [0, Math.exp(max)] : [max - (o.logRange ?? 10), max];
  const rgba = new Uint8Array(res * res * 4);
  for (let k = 0; k < res * res; k++) {
    const v = scale === 'density' ? Math.exp(logp[k]) : logp[k];
    const t = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0;
    const [r, g, b] = viridis(t);
    rgba.set([r, g, b, 255], 4 * k);
  }
  return { href: pngUri(res, res, rgba), lo, hi, scale };
}

/** A vertical viridis ramp (top = 1), for the colour bar. */
export function rampImage(steps = 128): string {
  const rgba = new Uint8Array(steps * 4);
  for (let i = 0; i < steps; i++) {
    const [r, g, b] = viridis(1 - i / (steps - 1));
    rgba.set([r, g, b, 255], 4 * i);
  }
  return pngUri(1, steps, rgba);
}
