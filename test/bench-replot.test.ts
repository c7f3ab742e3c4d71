// Benchmark JSON → picture (bench/replot.ts, bench/lib/suite-chart.ts) on a small fixture
// (test/fixtures/bench-small.json): a one-point series is drawn visibly inside the frame, a series
// stopped at a cap is marked where it stopped and said so below, an error likewise, spread bars span
// the repeats' min–max on the axis' own scale, the axes end near the data, and the caption names the
// machine (CPU and flags), the commit and software rendering. Positions are checked against the log
// scale worked out from other points of the same picture, not against the chart's own numbers.

import t from 'tap';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pngjs from 'pngjs';
import { replot, replotSvg } from '../bench/replot.js';
import type { SuiteJson } from '../bench/lib/suite-chart.js';

const fixture = JSON.parse(readFileSync('test/fixtures/bench-small.json', 'utf8')) as SuiteJson;
const svg = replotSvg(fixture, 'test/fixtures/bench-small.json');

const frame = (() => {
  const m = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none" stroke="#333"/.exec(svg);
  if (m === null) throw new Error('no plot frame');
  const [x, y, w, h] = m.slice(1).map(Number);
  return { x, y, w, h };
})();
const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)" fill="(rgb\([\d,]+\))"[^>]*clip-path/g)]
  .map((m) => ({ cx: Number(m[1]), cy: Number(m[2]), r: Number(m[3]), fill: m[4] }));
const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&amp;/g, '&').replace(/&gt;/g, '>'));

// relative cpu: medians 0.002, 0.02, 0.2 at D = 10, 100, 1000 (the first series, tab10 blue)
const blue = circles.filter((c) => c.fill === 'rgb(31,119,180)').sort((a, b) => a.cx - b.cx);
const pxPerDecadeX = (blue[2].cx - blue[0].cx) / 2;
const pxPerDecadeY = (blue[0].cy - blue[2].cy) / 2;
const xAt = (d: number): number => blue[0].cx + Math.log10(d / 10) * pxPerDecadeX;
const yAt = (s: number): number => blue[0].cy - Math.log10(s / 0.002) * pxPerDecadeY;

t.test('the reference series sits on a log-log scale (the yardstick for the checks below)', async (t) => {
  t.equal(blue.length, 3, 'three points');
  t.ok(Math.abs(blue[1].cx - xAt(100)) < 0.05 && Math.abs(blue[1].cy - yAt(0.02)) < 0.05, 'the middle point at the geometric middle');
});

t.test('a series with one point is visible: a dot inside the frame, named in the legend', async (t) => {
  // the third series (tab10 green): relative gpu, one point at D = 10
  const green = circles.filter((c) => c.fill === 'rgb(44,160,44)');
  t.equal(green.length, 1, 'one dot for relative gpu');
  const [dot] = green;
  t.ok(dot.r >= 4, `radius ${dot.r} (larger than a line's dots)`);
  t.ok(dot.cx - dot.r > frame.x && dot.cx + dot.r < frame.x + frame.w && dot.cy - dot.r > frame.y && dot.cy + dot.r < frame.y + frame.h, 'wholly inside the frame, not on it');
  t.ok(Math.abs(dot.cx - xAt(10)) < 0.05 && Math.abs(dot.cy - yAt(0.01)) < 0.05, 'at (10, 0.01)');
  t.ok(texts.includes('relative gpu (software)'), 'the legend names it and says software rendering');
});

t.test('a series stopped at a cap: × where it stopped, and a note why', async (t) => {
  const stop = /<path class="end-marker stopped" d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)M/.exec(svg);
  if (stop === null) throw new Error('no stop marker');
  const [x0, y0, x1, y1] = stop.slice(1).map(Number);
  t.ok(Math.abs((x0 + x1) / 2 - xAt(100)) < 0.05, `at D = 100 (x ${(x0 + x1) / 2} vs ${xAt(100).toFixed(2)})`);
  t.ok(Math.abs((y0 + y1) / 2 - yAt(0.05)) < 0.05, 'at the height of its last measured point (0.05 s)');
  t.ok(texts.some((s) => s.startsWith('× autodiff cpu: stopped at D = 100: memory: the process grew by 9000 MB > cap 8000 MB')), 'the caption says where and why');
  t.notOk(texts.some((s) => s.includes('D = 1000') && s.includes('autodiff')), 'the cell skipped because of that stop adds no second note');
  t.ok(texts.includes('stopped at a cap'), 'the legend explains ×');
});

t.test('an error: a square where it happened, and the message', async (t) => {
  const err = /<rect class="end-marker error" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  if (err === null) throw new Error('no error marker');
  const [x, y, w, h] = err.slice(1).map(Number);
  t.ok(Math.abs(x + w / 2 - xAt(100)) < 0.05 && Math.abs(y + h / 2 - yAt(0.01)) < 0.05, 'at D = 100, the level of its last point');
  t.ok(texts.some((s) => s.startsWith('□ relative gpu (software): error at D = 100: gpu backend: could not create a WebGL context')), 'the message');
});

t.test('spread: a bar from the min to the max of the repeats', async (t) => {
  const bars = [...svg.matchAll(/<path class="spread" d="M([\d.]+) ([\d.]+)V([\d.]+)/g)].map((m) => m.slice(1).map(Number));
  // relative cpu ×3, autodiff cpu ×1; the one-sample gpu point has none
  t.equal(bars.length, 4, 'a bar per point with two or more repeats');
  const at10 = bars.filter(([x]) => Math.abs(x - xAt(10)) < 0.05).map(([, a, b]) => [Math.max(a, b), Math.min(a, b)]);
  t.equal(at10.length, 2, 'two bars at D = 10');
  t.ok(at10.some(([lo, hi]) => Math.abs(lo - yAt(0.001)) < 0.05 && Math.abs(hi - yAt(0.004)) < 0.05), 'relative cpu at D = 10: 0.001 to 0.004 s');
  t.ok(at10.some(([lo, hi]) => Math.abs(lo - yAt(0.04)) < 0.05 && Math.abs(hi - yAt(0.06)) < 0.05), 'autodiff cpu at D = 10: 0.04 to 0.06 s');
});

t.test('the axes fit the data: ticks at the measured D, no empty decade', async (t) => {
  for (const d of ['10', '100', '1000']) t.ok(texts.includes(d), `x tick ${d}`);
  t.ok(xAt(10) - frame.x < 0.1 * frame.w && frame.x + frame.w - xAt(1000) < 0.1 * frame.w, 'D = 10 and 1000 near the frame\'s ends');
  t.notOk(texts.includes('10⁴'), 'the x axis does not run to 10⁴');
  t.ok(frame.y + frame.h - yAt(0.001) < 0.12 * frame.h && yAt(0.2) - frame.y < 0.12 * frame.h, 'y spans the bars and points, not whole decades past them');
});

t.test('the caption: machine with CPU flags, commit and command, how to read it, software rendering', async (t) => {
  const caption = texts.join(' ');
  t.match(caption, /Measured on Test CPU \(2 cores; CPU flags: avx2 fma\), Node v20\.20\.2, 2026-12-06\./);
  t.match(caption, /Commit abcdef123456; command: node dist\/bench\/run\.js --suites gradients --full\./);
  t.match(caption, /Points: median seconds of 1–3 repeats; bars: their min–max\./);
  t.match(caption, /gpu: software rendering: no GPU on the machine/);
  const mixed: SuiteJson = JSON.parse(JSON.stringify(fixture)) as SuiteJson;
  const cells = (mixed.results as { cells: { machine?: unknown; commit?: string }[] }).cells;
  cells[0].machine = { cpu: 'Other CPU', cores: 4, flags: ['avx512f'] };
  cells[0].commit = '1234567890ab';
  const m = [...replotSvg(mixed, 'mixed.json').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((x) => x[1]).join(' ');
  t.match(m, /Mixed machines: the cells of mixed\.json come from 2 machines/);
  t.match(m, /Mixed commits: abcdef123456, 1234567890ab\./);
  const hardware = { ...fixture, config: { gpuRenderer: 'ANGLE (NVIDIA H100)' } };
  t.notMatch(replotSvg(hardware, 'h.json'), /software/, 'a recorded hardware renderer is not called software');
});

t.test('replot writes the SVG and a 2× PNG beside the JSON', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relgrad-replot-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'small.json');
  copyFileSync('test/fixtures/bench-small.json', file);
  const written = await replot(file);
  t.same(written, [join(dir, 'small.png'), join(dir, 'small.svg')]);
  const width = Number(/<svg [^>]*width="(\d+)"/.exec(readFileSync(join(dir, 'small.svg'), 'utf8'))?.[1]);
  const png = pngjs.PNG.sync.read(readFileSync(join(dir, 'small.png')));
  t.equal(png.width, 2 * width, 'the PNG at twice the SVG\'s width');
});
