// Figures: SVG composed here, rendered to PNG by resvg (WebAssembly) with a bundled font.
export { flowFigure, densityFigure, scatterFigure, lineChart, trainingCurve, type FlowFigureOptions, type ChartOptions, type ChartSeries, type CurveEpoch } from './figures.js';
export { renderPng, renderPngSync, writeFigure, writeFigureSync, type RenderOptions } from './render.js';
export { tickLabel, makeScale, niceDomain, type Scale } from './scale.js';
export { galleryFigure, type GalleryRow } from './gallery.js';
