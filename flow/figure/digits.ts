// A grid of grey-scale images (e.g. MNIST samples) as one PNG, embedded in an SVG figure
// (pixelated) by the samples picture. One pass over the pixels: O(rows·h·w·scale²).

import { PNG } from 'pngjs';
import type { HostMatrix } from '../data/dataset.js';

/** Layout of imageGrid. */
export interface ImageGridOptions {
  height?: number;
  width?: number;
  /** Images per row of the grid (default 10). */
  columns?: number;
  /** Pixels between images (default 1, drawn dark grey 64). */
  padding?: number;
  /** Each image pixel as a scale×scale block (default 1). */
  scale?: number;
}

/** Rows of `images` are h·w pixel intensities in [0, 1] (clipped; NaN is black), row-major; white = 1. */
export function imageGrid(images: HostMatrix<Float64Array>, options: ImageGridOptions = {}): Buffer {
  const { height = 28, width = 28, columns = 10, padding = 1, scale = 1 } = options;
  if (images.cols !== height * width) {
    throw new Error(`imageGrid: rows have ${images.cols} pixels, expected height·width = ${height}·${width}`);
  }
  const n = Math.max(1, images.rows);
  const cols = Math.min(columns, n);
  const cellW = width * scale + padding;
  const cellH = height * scale + padding;
  const png = new PNG({ width: cols * cellW + padding, height: Math.ceil(n / cols) * cellH + padding });
  for (let k = 0; k < png.data.length; k += 4) png.data.set([64, 64, 64, 255], k);
  for (let k = 0; k < images.rows; k++) {
    const ox = (k % cols) * cellW + padding;
    const oy = Math.floor(k / cols) * cellH + padding;
    for (let r = 0; r < height * scale; r++) {
      for (let c = 0; c < width * scale; c++) {
        const v = images.data[k * images.cols + Math.floor(r / scale) * width + Math.floor(c / scale)];
        const g = Math.round(255 * Math.min(1, Math.max(0, Number.isNaN(v) ? 0 : v)));
        png.data.set([g, g, g, 255], ((oy + r) * png.width + ox + c) * 4);
      }
    }
  }
  return PNG.sync.write(png);
}
