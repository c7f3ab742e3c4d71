// Figures: SVG composed by the project, rendered by resvg with the bundled font. Checks tick
// labels (mixed case, Unicode), that the legend sits outside the data, that text really renders
// (a font-less render would leave the title white), the best-epoch mark, the sync renderer, and
// the pictures `relgrad train` writes (each PNG with its SVG beside it).

import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { tickLabel } from '../flow/figure/scale.js';
import { flowFigure, lineChart, trainingCurve } from '../flow/figure/figures.js';
import { renderPng, renderPngSync } from '../flow/figure/render.js';
import { svgDocument, text } from '../flow/figure/svg.js';
import { main } from '../flow/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-figures-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Fraction of non-white pixels in a rectangle of a decoded PNG. */
function ink(png: PNG, x0: number, y0: number, w: number, h: number): number {
  let dark = 0;
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const i = 4 * (y * png.width + x);
      if (png.data[i] < 200 || png.data[i + 1] < 200 || png.data[i + 2] < 200) dark++;
    }
  }
  return dark / (w * h);
}

t.test('tick labels: decimals, Unicode minus and superscript powers of ten', async (t) => {
  t.equal(tickLabel(0.05), '0.05');
  t.equal(tickLabel(-1.5), '−1.5');
  t.equal(tickLabel(1e-4), '10⁻⁴');
  t.equal(tickLabel(2e6), '2×10⁶');
  t.equal(tickLabel(12345), '12345');
  t.equal(tickLabel(0), '0');
});

t.test('text renders with the bundled font; sync and async renderers agree', async (t) => {
  const svg = svgDocument(300, 60, [text(10, 40, 'Time ≥ 5 ms (µs, 10⁻³)', { size: 20 })]);
  const bytes = await renderPng(svg, { Source: 'test' });
  const png = PNG.sync.read(Buffer.from(bytes));
  t.same([png.width, png.height], [300, 60]);
  t.ok(ink(png, 0, 15, 300, 30) > 0.03, `the text left ink (${ink(png, 0, 15, 300, 30).toFixed(3)} of the band)`);
  t.ok(ink(png, 0, 0, 300, 10) === 0, 'and nothing above it');
  t.same(Buffer.from(renderPngSync(svg, { Source: 'test' })), Buffer.from(bytes), 'renderPngSync gives the same bytes');
  // scale 2 (the CLI's high-DPI PNGs): twice the pixels each way, the text band where 2× puts it
  const big = PNG.sync.read(Buffer.from(await renderPng(svg, {}, { scale: 2 })));
  t.same([big.width, big.height], [600, 120]);
  t.ok(ink(big, 0, 30, 600, 60) > 0.03 && ink(big, 0, 0, 600, 20) === 0, 'scale 2: the text at twice the height');
  t.ok(Math.abs(ink(big, 0, 30, 600, 60) - ink(png, 0, 15, 300, 30)) < 0.02, 'and about the same share of ink');
  await t.rejects(renderPng(svg, {}, { scale: 0 }), /scale must be in \(0, 8\], got 0/);
});

t.test('line chart: the legend is right of the plot area, every point inside it', async (t) => {
  const svg = lineChart({ series: [{ name: 'a very long series name ≥ 2', points: [[10, 1e-4], [100, 1], [1000, 10]] }, { name: 'b', points: [[10, 2e-3], [1000, 30]] }], logX: true, logY: true, xLabel: 'D', yLabel: 's', title: 'Mixed Case title', width: 800, height: 480 });
  const frame = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none" stroke="#333"/.exec(svg);
  if (frame === null) throw new Error('no plot frame');
  const [fx, fy, fw, fh] = frame.slice(1).map(Number);
  const legend = [...svg.matchAll(/<text x="([\d.]+)"[^>]*>(a very long series name ≥ 2|b)<\/text>/g)];
  t.equal(legend.length, 2, 'both legend entries');
  for (const m of legend) t.ok(Number(m[1]) > fx + fw, `legend '${m[2]}' at x=${m[1]} is right of the plot (${fx + fw})`);
  // data dots (clipped to the plot area; the legend's sample dots are not)
  const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"[^>]*clip-path/g)];
  t.equal(dots.length, 5, 'a dot per point');
  for (const m of dots) {
    const [cx, cy] = [Number(m[1]), Number(m[2])];
    t.ok(cx >= fx - 1e-6 && cx <= fx + fw + 1e-6 && cy >= fy - 1e-6 && cy <= fy + fh + 1e-6, `point (${cx}, ${cy}) inside the frame`);
  }
  t.match(svg, />Mixed Case title</, 'the title keeps its case');
  t.ok(svg.includes('>10⁻⁴<'), 'log ticks as powers of ten');
});

t.test('line chart: long legend names go below the plot; a long title shrinks to fit', async (t) => {
  const long = 'relgrad-cpu-float64 (wasm-simd-threads(2, ≥2e+6 flops)) autodiff';
  const title = 'relgrad vs TensorFlow.js: the relative-gradient step and the autodiff baseline (B=100, L=2), a long title';
  const svg = lineChart({ series: [{ name: long, points: [[10, 1], [100, 2]] }], logX: true, logY: true, title, width: 700, height: 480 });
  const frame = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none" stroke="#333"/.exec(svg);
  if (frame === null) throw new Error('no plot frame');
  const [, fy, , fh] = frame.slice(1).map(Number);
  const entry = new RegExp(`<text x="[\\d.]+" y="([\\d.]+)"[^>]*>${long.replace(/[()+]/g, '\\$&')}</text>`).exec(svg);
  t.ok(entry !== null && Number(entry[1]) > fy + fh, 'the legend entry is below the plot area');
  const size = Number(/<text[^>]*font-size="(\d+)"[^>]*>relgrad vs TensorFlow/.exec(svg)?.[1]);
  t.ok(size < 15 && size >= 9, `the title shrank to ${size} px`);
});

t.test('training curve marks the epoch with the lowest validation loss', async (t) => {
  const history = [5, 4, 3.2, 3.5, 3.6].map((v, i) => ({ epoch: i + 1, trainLoss: v + 0.1, validationLoss: v }));
  const svg = trainingCurve(history);
  t.match(svg, />best epoch 3</);
  t.match(svg, />train loss</);
  t.match(svg, />validation loss</);
});

t.test('flow figure: three panels at one scale, a colour bar, each rendered', async (t) => {
  const pts = (n: number, s: number) => ({ data: Float64Array.from({ length: 2 * n }, (_, i) => Math.sin(i * s) * 2), rows: n, cols: 2 });
  const gauss = (g: { data: Float64Array; rows: number }) => Float64Array.from({ length: g.rows }, (_, i) => -(g.data[2 * i] ** 2 + g.data[2 * i + 1] ** 2) / 2 - Math.log(2 * Math.PI));
  const svg = flowFigure({ data: pts(500, 0.7), samples: pts(400, 1.3), logDensity: gauss, bounds: { xMin: -3, xMax: 3, yMin: -3, yMax: 3 }, title: 'A flow', resolution: 64 });
  t.match(svg, />Data \(500 points\)</);
  const sub = flowFigure({ data: pts(500, 0.7), dataRows: 5000, samples: pts(400, 1.3), logDensity: gauss, bounds: { xMin: -3, xMax: 3, yMin: -3, yMax: 3 }, resolution: 16 });
  t.match(sub, />Data \(500 of 5000 training rows\)</, 'a subsample says so');
  t.match(svg, />Model density</);
  t.match(svg, />Samples \(400\)</);
  t.match(svg, />density p\(x\)</, 'colour bar label');
  const frames = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="300" height="300" fill="none"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  t.equal(frames.length, 3, 'three 300×300 panels');
  const png = PNG.sync.read(Buffer.from(await renderPng(svg)));
  const [mx, my] = frames[1];
  t.ok(ink(png, mx + 140, my + 140, 20, 20) > 0.99, 'the density panel is filled at its centre');
  t.ok(ink(png, frames[0][0] + 5, frames[0][1] + 5, 290, 290) > 0.02, 'the data panel has points');
});

t.test('relgrad train writes figure, density, samples and curve, each PNG with its SVG', async (t) => {
  const out = join(dir, 'run');
  const log = console.log;
  console.log = () => undefined;
  try {
    t.equal(await main(['train', '--dataset', 'moons', '--epochs', '3', '--limit', '500', '--out', out]), 0);
  } finally {
    console.log = log;
  }
  for (const name of ['figure', 'density', 'samples', 'curve']) {
    t.ok(existsSync(join(out, `${name}.svg`)), `${name}.svg`);
    const png = PNG.sync.read(readFileSync(join(out, `${name}.png`)));
    t.ok(png.width >= 300 && png.height >= 300, `${name}.png decodes (${png.width}×${png.height})`);
  }
  t.match(readFileSync(join(out, 'curve.svg'), 'utf8'), />best epoch \d+</);
});
