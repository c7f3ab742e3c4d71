// The pictures `relgrad train` and `relgrad sample` write, each PNG with its SVG beside it:
// figure (data | model density | samples at one scale), density (with the training points),
// samples (a scatter, or an MNIST digit grid), curve (train/validation loss, best epoch marked).

import { join } from 'node:path';
import { formatBytes, hostMemory } from '../../engine/capacity.js';
import { tidy } from '../../engine/scope.js';
import type { HostMatrix } from '../data/dataset.js';
import { mnistToPixels } from '../data/mnist.js';
import type { Flow } from '../model.js';
import type { EpochRecord } from '../train.js';
import { dataBounds, type Bounds } from '../figure/grid.js';
import { imageGrid } from '../figure/digits.js';
import { densityFigure, flowFigure, scatterFigure, trainingCurve } from '../figure/figures.js';
import { writeFigure } from '../figure/render.js';
import { el, svgDocument, text } from '../figure/svg.js';

const logDensityOf = (flow: Flow) => (grid: HostMatrix<Float64Array>): Float64Array => tidy(() => Float64Array.from(flow.logProb(grid).dataSync()));

const stem = (file: string): string => file.replace(/\.png$/i, '');

/** The PNGs at 2× the SVG's size: sharp on high-DPI screens (the SVG beside each scales freely). */
const HIGH_DPI = { scale: 2 };

/** "a 12-layer flow" or "a deep flow (13 layers, 4 dense)", for titles. */
function flowKind(flow: Flow): string {
  return flow.config.stack === undefined ? `a ${flow.layers}-layer flow` : `a deep flow (${flow.stack.length} layers, ${flow.layers} dense)`;
}

/** An MNIST sample grid (a raster of digits) inside an SVG, titled with the model and how the digits were drawn. */
function digitsFigure(x: HostMatrix<Float64Array>, flow?: Flow): string {
  const png = imageGrid(mnistToPixels(x), { height: 28, width: 28, columns: 10 });
  const { width, height } = { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
  const scale = Math.max(2, Math.floor(560 / width));
  const [w, h] = [width * scale, height * scale];
  const title = `${x.rows} MNIST samples from ${flow === undefined ? 'a flow' : flowKind(flow)}`;
  const how = 'each drawn from the base distribution through the inverse flow; pixel = (sigmoid(y) − λ)/(1 − 2λ), clipped to [0, 1]';
  return svgDocument(w + 40, h + 78, [
    text((w + 40) / 2, 26, title, { size: 15, anchor: 'middle' }),
    text((w + 40) / 2, 46, how, { size: Math.min(11, (w + 20) / (0.56 * how.length)), anchor: 'middle', fill: '#444' }),
    el('image', { x: 20, y: 62, width: w, height: h, style: 'image-rendering:pixelated', href: `data:image/png;base64,${png.toString('base64')}` }),
  ], { title, description: `${title}: ${how}` });
}

/**
 * Estimated peak bytes of a samples picture of `rows` rows: a picture holds every row at once,
 * ~6 float64 copies of a row (the draw, the Newton iterates, the host copy, the pixels) plus
 * ~300 bytes of SVG text per point (the audit measured ~390 bytes a row at dim 2).
 */
export function samplesPictureBytes(rows: number, dim: number): number {
  return rows * (48 * dim + 300);
}

/**
 * Refuses, before sampling, a picture of `rows` rows that cannot fit in memory (naming the
 * estimate and the host's memory); .csv and .npy outputs stream in bounded memory instead.
 */
export function assertSamplesPictureFits(rows: number, dim: number, memory = hostMemory()): void {
  const bytes = samplesPictureBytes(rows, dim);
  if (memory === undefined || bytes <= memory.bytes) return;
  throw new Error(
    `sample: a picture of --n ${rows} samples of dim ${dim} needs about ${formatBytes(bytes)} of memory (all rows are held at once), ` +
      `more than ${formatBytes(memory.bytes)}, ${memory.source}; lower --n, or write --out samples.csv or samples.npy (streamed in bounded memory)`,
  );
}

/** Writes `file` (.png) and its .svg: a scatter on axes for 2-D flows, a digit grid for MNIST. */
export async function writeSamplesPicture(file: string, dim: number, x: HostMatrix<Float64Array>, bounds?: Bounds, flow?: Flow): Promise<string[]> {
  if (dim === 2) return writeFigure(stem(file), scatterFigure(x, bounds ?? dataBounds(x), `Samples (${x.rows}, drawn through the inverse)`), {}, HIGH_DPI);
  // the digit grid is drawn at 2 px per pixel already: its PNG at 1× stays sharp and small
  if (dim === 784) return writeFigure(stem(file), digitsFigure(x, flow));
  throw new Error(`sample: a picture needs 2-D or MNIST (784-D) data; this flow has dim ${dim}: use --out samples.csv or samples.npy`);
}

export interface TrainingPictures {
  flow: Flow;
  train: HostMatrix<Float64Array>;
  history: readonly EpochRecord[];
  bestEpoch: number | null;
  /** shown in the titles, e.g. the data set's name */
  name: string;
  seed: number;
  /** test log-likelihoods shown in the figure's title: the flow's, the Gaussian's, the true density's (null: unknown) */
  scores?: { flow: number; gaussian: number; truth: number | null };
}

/** "test log-lik.: flow −2.70, true −2.62, Gaussian −3.59" (the true density only where known). */
export function scoresCaption(s: { flow: number; gaussian: number; truth: number | null }): string {
  const f = (v: number): string => v.toFixed(3).replace('-', '−');
  return `test log-lik.: flow ${f(s.flow)}${s.truth === null ? '' : `, true ${f(s.truth)}`}, Gaussian ${f(s.gaussian)}`;
}

/** Writes the training pictures into `out`; returns the PNG paths (each has its .svg beside it). */
export async function writeTrainingPictures(out: string, p: TrainingPictures): Promise<string[]> {
  const pngs: string[] = [];
  const { flow } = p;
  if (flow.dim === 2) {
    const bounds = dataBounds(p.train);
    const { x } = flow.sample(2000, { seed: p.seed });
    const samples: HostMatrix<Float64Array> = { data: Float64Array.from(x.dataSync()), rows: x.shape[0], cols: 2 };
    const logDensity = logDensityOf(flow);
    const shown: HostMatrix<Float64Array> = { data: p.train.data.subarray(0, 2 * Math.min(2000, p.train.rows)), rows: Math.min(2000, p.train.rows), cols: 2 };
    const model = `${p.name}: ${flowKind(flow)}`;
    const title = p.scores === undefined ? model : `${model}; ${scoresCaption(p.scores)}`;
    pngs.push((await writeFigure(join(out, 'figure'), flowFigure({ data: shown, dataRows: p.train.rows, samples, logDensity, bounds, title }), {}, HIGH_DPI))[0]);
    const first1000: HostMatrix<Float64Array> = { ...shown, data: shown.data.subarray(0, 2 * Math.min(1000, shown.rows)), rows: Math.min(1000, shown.rows) };
    pngs.push((await writeFigure(join(out, 'density'), densityFigure({ logDensity, bounds, data: first1000, title: `${p.name}: model density` }), {}, HIGH_DPI))[0]);
    pngs.push((await writeSamplesPicture(join(out, 'samples.png'), 2, samples, bounds))[0]);
  } else if (flow.dim === 784) {
    const { x } = flow.sample(100, { seed: p.seed });
    pngs.push((await writeSamplesPicture(join(out, 'samples.png'), 784, { data: Float64Array.from(x.dataSync()), rows: x.shape[0], cols: 784 }, undefined, flow))[0]);
  }
  if (p.history.length > 0) {
    pngs.push((await writeFigure(join(out, 'curve'), trainingCurve(p.history, { bestEpoch: p.bestEpoch, title: `${p.name}: loss per epoch` }), {}, HIGH_DPI))[0]);
  }
  return pngs;
}

