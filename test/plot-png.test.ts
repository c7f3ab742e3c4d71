// The raster pieces of the SVG figures (flow/figure): the MNIST digit grid PNG, the viridis map,
// axis ticks and the plotted window. Expected values are worked out by hand from the layout rules.

import t from 'tap';
import pngjs from 'pngjs';
import { imageGrid } from '../flow/figure/digits.js';
import { viridis } from '../flow/figure/colormap.js';
import { dataBounds, gridPoints } from '../flow/figure/grid.js';
import { linearTicks, logTicks } from '../flow/figure/scale.js';

function decode(buf: Buffer): { width: number; height: number; data: Buffer } {
  t.same(Array.from(buf.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  return pngjs.PNG.sync.read(buf);
}

const pixel = (img: { width: number; data: Buffer }, x: number, y: number): number[] =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));

t.test('viridis endpoints', async (t) => {
  t.same(viridis(0), [0x44, 0x01, 0x54]);
  t.same(viridis(1), [0xfd, 0xe7, 0x25]);
  t.same(viridis(0.5), [0x21, 0x90, 0x8d], 'the middle stop of 11');
  t.same(viridis(2), viridis(1), 'clamped');
});

t.test('imageGrid: layout and pixel values', async (t) => {
  const images = { data: new Float64Array(5 * 4 * 3), rows: 5, cols: 12 };
  images.data.fill(1, 0, 12); // first image white
  images.data[12 + 2] = 0.5; // second image: row 0, column 2 mid grey
  const img = decode(imageGrid(images, { height: 4, width: 3, columns: 2 }));
  // 2 columns × (3 + 1) + 1 = 9 wide; 3 rows × (4 + 1) + 1 = 16 high.
  t.same([img.width, img.height], [9, 16]);
  t.same(pixel(img, 1, 1), [255, 255, 255], 'first image white');
  t.same(pixel(img, 5, 1), [0, 0, 0], 'second image black');
  t.same(pixel(img, 7, 1), [128, 128, 128], 'second image, column 2: 0.5 → 128');
  t.same(pixel(img, 0, 0), [64, 64, 64], 'padding');
  t.same(pixel(img, 4, 1), [64, 64, 64], 'padding between images');
  t.same(pixel(img, 5, 11), [64, 64, 64], 'an empty cell of the last row stays padding');
  const big = decode(imageGrid(images, { height: 4, width: 3, columns: 2, scale: 2 }));
  // 2 × (6 + 1) + 1 = 15 wide; 3 × (8 + 1) + 1 = 28 high; the grey pixel is the block at x 8 + 4, 5
  t.same([big.width, big.height], [15, 28]);
  t.same([pixel(big, 12, 1), pixel(big, 13, 2), pixel(big, 11, 1)], [[128, 128, 128], [128, 128, 128], [0, 0, 0]], 'scale 2: each pixel a 2×2 block');
  t.throws(() => imageGrid(images), /rows have 12 pixels, expected height·width = 28·28/);
});

t.test('ticks', async (t) => {
  t.same(logTicks(10, 10000), [10, 100, 1000, 10000]);
  t.same(logTicks(3, 30), [5, 10, 20], 'few decades: 1-2-5 ticks');
  t.same(linearTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  t.same(linearTicks(-3, 7), [-2, 0, 2, 4, 6], 'step 2 for a span of 10 and 5 ticks');
});

t.test('gridPoints and dataBounds', async (t) => {
  const g = gridPoints({ xMin: 0, xMax: 4, yMin: 0, yMax: 2 }, 2);
  // centres: x ∈ {1, 3}, y from the top ∈ {1.5, 0.5}
  t.same(Array.from(g.data), [1, 1.5, 3, 1.5, 1, 0.5, 3, 0.5]);
  const b = dataBounds({ data: new Float64Array([0, 0, 10, 20]), rows: 2, cols: 2 }, 0.1);
  t.same(b, { xMin: -1, xMax: 11, yMin: -2, yMax: 22 });
  t.same(dataBounds({ data: new Float64Array(0), rows: 0, cols: 2 }), { xMin: -1, xMax: 1, yMin: -1, yMax: 1 }, 'empty: [−1, 1]²');
});
