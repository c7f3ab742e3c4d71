// PNG plots decode with pngjs, have the requested size, and show non-trivial content.

import t from 'tap';
import pngjs from 'pngjs';
import { mogLogDensity, toySplits } from '../flow/data/toy.js';
import { densityHeatmap, formatTick, imageGrid, linePlot, logTicks, linearTicks, scatterPng, viridis } from '../flow/plot/index.js';

function decode(buf: Buffer): { width: number; height: number; data: Buffer } {
  t.same(Array.from(buf.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  return pngjs.PNG.sync.read(buf);
}

/** Number of distinct RGB colours in a decoded image. */
function colours(img: { data: Buffer }): number {
  const set = new Set<number>();
  for (let k = 0; k < img.data.length; k += 4) set.add((img.data[k] << 16) | (img.data[k + 1] << 8) | img.data[k + 2]);
  return set.size;
}

const pixel = (img: { width: number; data: Buffer }, x: number, y: number): number[] =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));

const bounds = { xMin: -4, xMax: 4, yMin: -4, yMax: 4 };

t.test('viridis endpoints', async (t) => {
  t.same(viridis(0), [0x44, 0x01, 0x54]);
  t.same(viridis(1), [0xfd, 0xe7, 0x25]);
  t.same(viridis(2), viridis(1), 'clamped');
});

t.test('densityHeatmap: size, bright at modes, dark between, points drawn', async (t) => {
  const img = decode(densityHeatmap({ logDensity: mogLogDensity, bounds, resolution: 64 }));
  t.same([img.width, img.height], [64, 64]);
  t.ok(colours(img) > 20, 'many colours');
  // Mode at (4/1.414, 0) → column (2.83 + 4)/8·64 ≈ 54.6, row 32; the centre (0, 0) is empty.
  const mode = pixel(img, 54, 31);
  const centre = pixel(img, 32, 32);
  t.ok(mode[1] > 150, `mode is bright ${mode}`);
  t.same(centre, [0x44, 0x01, 0x54], 'the centre has the lowest colour');
  const withPoints = decode(
    densityHeatmap({ logDensity: mogLogDensity, bounds, resolution: 64, points: { data: new Float64Array([0, 0]), rows: 1, cols: 2 } }),
  );
  t.ok(pixel(withPoints, 32, 32)[0] > 200, 'a point drawn at the centre');
  const logScale = decode(densityHeatmap({ logDensity: mogLogDensity, bounds, resolution: 32, scale: 'log' }));
  t.equal(logScale.width, 32);
  t.throws(() => densityHeatmap({ logDensity: () => new Float64Array(3), bounds, resolution: 8 }), /returned 3 values for 64/);
});

t.test('scatterPng: default bounds, size, dots present', async (t) => {
  const pts = toySplits('moons', { train: 500 }).train;
  const img = decode(scatterPng(pts, { size: 128 }));
  t.same([img.width, img.height], [128, 128]);
  let nonWhite = 0;
  for (let k = 0; k < img.data.length; k += 4) if (img.data[k] < 250) nonWhite++;
  t.ok(nonWhite > 200 && nonWhite < 128 * 128 * 0.8, `dots cover part of the image (${nonWhite} px)`);
  t.same(decode(scatterPng(pts, { bounds, size: 40 })).width, 40);
  t.throws(() => scatterPng({ data: new Float64Array(3), rows: 1, cols: 3 }), /points must be N×2, got 1×3/);
});

t.test('imageGrid: layout and pixel values', async (t) => {
  const images = { data: new Float64Array(5 * 4 * 3), rows: 5, cols: 12 };
  images.data.fill(1, 0, 12); // first image white
  const img = decode(imageGrid(images, { height: 4, width: 3, columns: 2 }));
  // 2 columns × (3 + 1) + 1 = 9 wide; 3 rows × (4 + 1) + 1 = 16 high.
  t.same([img.width, img.height], [9, 16]);
  t.same(pixel(img, 1, 1), [255, 255, 255], 'first image white');
  t.same(pixel(img, 5, 1), [0, 0, 0], 'second image black');
  t.same(pixel(img, 0, 0), [64, 64, 64], 'padding');
  t.throws(() => imageGrid(images), /rows have 12 pixels, expected height·width = 28·28/);
});

t.test('linePlot: size, series colours, text drawn', async (t) => {
  const png = linePlot({
    series: [
      { name: 'relative', points: [[16, 0.001], [64, 0.004], [256, 0.05], [1024, 1.2]] },
      { name: 'ordinary', points: [[16, 0.002], [64, 0.02], [256, 0.6], [1024, 30]] },
    ],
    logX: true,
    logY: true,
    title: 'Time vs D',
    xLabel: 'D',
    yLabel: 'seconds',
    width: 640,
    height: 400,
  });
  const img = decode(png);
  t.same([img.width, img.height], [640, 400]);
  const found = (c: number[]): boolean => {
    for (let k = 0; k < img.data.length; k += 4) {
      if (img.data[k] === c[0] && img.data[k + 1] === c[1] && img.data[k + 2] === c[2]) return true;
    }
    return false;
  };
  t.ok(found([0x1f, 0x77, 0xb4]) && found([0xff, 0x7f, 0x0e]), 'both series colours present');
  let black = 0;
  for (let k = 0; k < img.data.length; k += 4) if (img.data[k] + img.data[k + 1] + img.data[k + 2] === 0) black++;
  t.ok(black > 2000, `axes and text drawn (${black} black px)`);
  const linear = decode(linePlot({ series: [{ name: 'a', points: [[0, 1], [1, 3]] }] }));
  t.same([linear.width, linear.height], [800, 500], 'default size, linear axes');
  const empty = decode(linePlot({ series: [] }));
  t.equal(empty.width, 800, 'no series still draws axes');
});

t.test('ticks and labels', async (t) => {
  t.same(logTicks(10, 10000), [10, 100, 1000, 10000]);
  t.same(logTicks(3, 30), [5, 10, 20], 'few decades: 1-2-5 ticks');
  t.same(linearTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  t.same([formatTick(0), formatTick(0.001), formatTick(2e6), formatTick(1.5e-5), formatTick(250)], ['0', '0.001', '2E6', '1.5E-5', '250']);
});
