// A grid of grey-scale images (e.g. MNIST samples) as one PNG.

import type { HostMatrix } from '../data/dataset.js';
import { Canvas } from './canvas.js';

export interface ImageGridOptions {
  height?: number;
  width?: number;
  /** Images per row of the grid (default 10). */
  columns?: number;
  /** Pixels between images (default 1, drawn dark grey). */
  padding?: number;
  /** Each image pixel as a scale×scale block (default 1). */
  scale?: number;
}

/** Rows of `images` are h·w pixel intensities in [0, 1] (clipped), row-major; white = 1. */
export function imageGrid(images: HostMatrix<Float64Array>, options: ImageGridOptions = {}): Buffer {
  const { height = 28, width = 28, columns = 10, padding = 1, scale = 1 } = options;
  if (images.cols !== height * width) {
    throw new Error(`imageGrid: rows have ${images.cols} pixels, expected height·width = ${height}·${width}`);
  }
  const n = Math.max(1, images.rows);
  const cols = Math.min(columns, n);
  const gridRows = Math.ceil(n / cols);
  const cellW = width * scale + padding;
  const cellH = height * scale + padding;
  const canvas = new Canvas(cols * cellW + padding, gridRows * cellH + padding, [64, 64, 64]);
  for (let k = 0; k < images.rows; k++) {
    const ox = (k % cols) * cellW + padding;
    const oy = Math.floor(k / cols) * cellH + padding;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const v = images.data[k * images.cols + r * width + c];
        const g = Math.round(255 * Math.min(1, Math.max(0, Number.isNaN(v) ? 0 : v)));
        canvas.fillRect(ox + c * scale, oy + r * scale, scale, scale, [g, g, g]);
      }
    }
  }
  return canvas.toPng();
}
