// The plotted window of a 2-D figure and the grid a density is evaluated on: Bounds, the pixel
// centres of a resolution² grid over them, and the data's own range padded for a scatter.

import { zerosMatrix, type HostMatrix } from '../data/dataset.js';

/** The plotted window in data coordinates (y grows upwards in the image). */
export interface Bounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
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

/** The range of N×2 `points` widened by `pad` of its span on each side ([−1, 1]² when empty). */
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
