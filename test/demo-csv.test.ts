// The page's CSV reader, the status line's words and the charts' ticks, against hand-written expectations.
import t from 'tap';
import { MIN_CSV_ROWS, parseCsvPoints, splitRows } from '../demo/csv.js';
import { backendLabel, isSoftwareRenderer, progressLine } from '../demo/label.js';
import { formatTick, logTicks, niceTicks } from '../demo/ticks.js';

const rows = (n: number, sep = ','): string => Array.from({ length: n }, (_, i) => `${i}${sep}${-i / 2}`).join('\n');

t.test('CSV: separators, header, comments, blank lines; every row kept in order', async (t) => {
  for (const sep of [',', ';', '\t', ' ', ' , ']) {
    const m = parseCsvPoints(`x${sep.trim() || ','}y\n# a comment\n\n${rows(MIN_CSV_ROWS, sep)}\n`);
    t.equal(m.rows, MIN_CSV_ROWS, JSON.stringify(sep));
    t.same(Array.from(m.data.slice(0, 6)), [0, -0, 1, -0.5, 2, -1]);
  }
  t.equal(parseCsvPoints(rows(MIN_CSV_ROWS).replace(/\n/g, '\r\n')).rows, MIN_CSV_ROWS, 'Windows line ends');
  t.same(Array.from(parseCsvPoints(`1e-3,-2.5E2\n${rows(MIN_CSV_ROWS - 1)}`).data.slice(0, 2)), [0.001, -250], 'exponents');
});

t.test('CSV: refusals name the file and the line', async (t) => {
  t.throws(() => parseCsvPoints(`x,y\n1,2\n3,oops\n${rows(200)}`, 'pts.csv'), /^pts\.csv, line 3: '3,oops' is not two finite numbers$/);
  t.throws(() => parseCsvPoints(`1,2,3\n${rows(200)}`, 'pts.csv'), /pts\.csv, line 1: expected two numbers \(x, y\), got 3 cells/);
  t.throws(() => parseCsvPoints(`${rows(200)}\n5`, 'pts.csv'), /pts\.csv, line 201: expected two numbers \(x, y\), got 1 cells/);
  t.throws(() => parseCsvPoints(`${rows(50)}\nx,y`, 'pts.csv'), /line 51: '?x,y'? is not two finite numbers/, 'a header only as the first line');
  t.throws(() => parseCsvPoints(`${rows(50)}\nInfinity,1`), /line 51/);
  t.throws(() => parseCsvPoints(rows(MIN_CSV_ROWS - 1), 'small.csv'), new RegExp(`small\\.csv: ${MIN_CSV_ROWS - 1} points; the page needs at least ${MIN_CSV_ROWS}`));
});

t.test('80/10/10 split: a permutation of the rows, seeded', async (t) => {
  const m = parseCsvPoints(rows(105));
  const s = splitRows(m, 3);
  t.same([s.train.rows, s.validation.rows, s.test.rows], [85, 10, 10]);
  const xs = [s.train, s.validation, s.test].flatMap((p) => Array.from({ length: p.rows }, (_, i) => p.data[2 * i]));
  t.same([...xs].sort((a, b) => a - b), Array.from({ length: 105 }, (_, i) => i), 'every row once');
  const pairs = [s.train, s.validation, s.test].every((p) => Array.from({ length: p.rows }, (_, i) => p.data[2 * i + 1] === -p.data[2 * i] / 2).every(Boolean));
  t.ok(pairs, 'rows stay whole');
  t.not(xs.slice(0, 10).join(), '0,1,2,3,4,5,6,7,8,9', 'shuffled');
  t.same(splitRows(m, 3), s, 'same seed, same split');
});

t.test('status words', async (t) => {
  const cpu = (gemm: string) => ({ name: 'cpu', implementation: '', dtypes: [], details: { gemm } }) as const;
  t.equal(backendLabel(cpu('wasm-simd')), 'CPU (WebAssembly SIMD, 1 thread)');
  t.equal(backendLabel(cpu('wasm-simd-threads(2, ≥5e+6 flops)')), 'CPU (WebAssembly SIMD, 2 threads)');
  t.equal(backendLabel(cpu('js-tiled-4x4')), 'CPU (JavaScript, 1 thread)');
  const gpu = { name: 'gpu', implementation: '', dtypes: [], details: { mode: 'webgl2', kernelClass: 'WebGL2Kernel' } } as const;
  const swiftshader = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
  t.equal(backendLabel(gpu, swiftshader), 'GPU.js WebGL2 (software rendering: SwiftShader)');
  t.equal(backendLabel(gpu, 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)'), 'GPU.js WebGL2 (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)');
  t.equal(backendLabel(gpu, 'llvmpipe (LLVM 15.0.6, 256 bits)'), 'GPU.js WebGL2 (software rendering: llvmpipe (LLVM 15.0.6, 256 bits))');
  t.ok(isSoftwareRenderer(swiftshader) && !isSoftwareRenderer('Apple M2'));
  t.equal(progressLine(12, 0.0412, 'CPU (WebAssembly SIMD, 1 thread)'), 'epoch 12 · 0.041 s/epoch · CPU (WebAssembly SIMD, 1 thread)');
  t.equal(progressLine(3, 12.6, 'x'), 'epoch 3 · 13 s/epoch · x');
  t.equal(progressLine(1, null, 'x'), 'epoch 1 · x');
});

t.test('axis ticks', async (t) => {
  t.same(niceTicks(2.51, 2.97, 5), { ticks: [2.6, 2.7, 2.8, 2.9], step: 0.1 });
  t.same(niceTicks(-3.1, 3.2, 4).ticks, [-2, 0, 2]);
  t.same(niceTicks(6456.783, 6456.783, 5).step, 0.2, 'one value: a unit range around it');
  t.equal(formatTick(6456.8, 0.2), '6456.8', 'no clipped labels: just the digits the step needs');
  t.equal(formatTick(-0.00001, 0.5), '0.0', 'no negative zero');
  t.same(logTicks(2.4, 3.1), { ticks: [2.4, 2.6, 2.8, 3], step: 0.2 }, 'too short for 1-2-5 decades: linear steps');
  t.same(logTicks(0.15, 40), { ticks: [0.2, 0.5, 1, 2, 5, 10, 20] });
  t.same(logTicks(0.001, 1000), { ticks: [0.001, 0.01, 0.1, 1, 10, 100, 1000] });
});
