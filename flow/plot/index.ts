// PNG plots without a native canvas: density heatmaps, scatter plots, image grids, line charts.

export { Canvas } from './canvas.js';
export { viridis, TAB10, type Rgb } from './colormap.js';
export {
  densityHeatmap,
  scatterPng,
  gridPoints,
  dataBounds,
  type Bounds,
  type HeatmapOptions,
  type ScatterOptions,
} from './density.js';
export { imageGrid, type ImageGridOptions } from './images.js';
export { linePlot, formatTick, linearTicks, logTicks, type LinePlotOptions, type LineSeries } from './line.js';
