// README's "Why relgrad" quotes committed result files; each number is recomputed here from the file
// it names (medians, ratios, log-likelihoods), so a re-run that changes one fails until the README
// says the new value. The MAF and paper figures are the published tables (constants).

import t from 'tap';
import { readFileSync } from 'node:fs';

const readme = readFileSync('README.md', 'utf8');
const section = /## Why relgrad\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
const json = (path: string): any => JSON.parse(readFileSync(path, 'utf8')); // eslint-disable-line @typescript-eslint/no-explicit-any
const x = (v: number, digits: number): string => `${v.toFixed(digits)}×`;

t.test('the section exists near the top and names its files', async (t) => {
  t.ok(section.length > 200, 'found');
  t.ok(readme.indexOf('## Why relgrad') < readme.indexOf('## Quick start'), 'before the quick start');
  for (const f of ['bench/results/step.json', 'bench/results/gradients.json', 'bench/results/fairness.json', 'bench/results/deep.json', 'results/mnist.json', 'results/mnist-depth4/mnist.json', 'results/paper/mnist.json']) {
    t.ok(section.includes(`\`${f}\``), `names ${f}`);
  }
});

t.test('the relative step against NumPy (bench/results/step.json)', async (t) => {
  const step = json('bench/results/step.json').results;
  const ratio = (dtype: string): number[] => step.relgrad.steps.filter((s: { dtype: string }) => s.dtype === dtype).map((s: { dim: number; seconds: number }) =>
    s.seconds / step.numpy.steps.find((n: { dtype: string; dim: number }) => n.dtype === dtype && n.dim === s.dim).seconds);
  for (const [dtype, words] of [['float64', 'in float64'], ['float32', 'in float32']]) {
    const r = ratio(dtype);
    t.equal(r.length, 3, `${dtype}: three sizes`);
    const quoted = `${Math.min(...r).toFixed(2)}–${x(Math.max(...r), 2)}`;
    t.ok(section.replace(/\s+/g, ' ').includes(`${quoted} ${words}`) || section.replace(/\s+/g, ' ').includes(`${quoted} the time of the same formulas in NumPy/OpenBLAS on the same two cores ${words}`), `${dtype}: ${quoted}`);
  }
});

t.test('ordinary and autodiff against relative (gradients.json), and NumPy\'s ratio (fairness.json)', async (t) => {
  const cells = json('bench/results/gradients.json').results.cells as { request: { backend: string; method: string; dim: number }; status: string; median?: number; reason?: string }[];
  const cell = (m: string, d: number) => cells.find((c) => c.request.backend === 'cpu' && c.request.method === m && c.request.dim === d);
  const flat = section.replace(/\s+/g, ' ');
  const r = (m: string, d: number, digits: number): string => x((cell(m, d)?.median as number) / (cell('relative', d)?.median as number), digits);
  t.ok(flat.includes(`costs ${r('ordinary', 1000, 1)} the relative one at D = 1000 and ${r('ordinary', 4096, 1)} at D = 4096`), 'ordinary/relative at 1000 and 4096');
  t.ok(flat.includes(`autodiff costs ${r('autodiff', 100, 0)} at D = 100`), 'autodiff/relative at 100');
  const stop = cell('autodiff', 1000);
  t.ok(stop?.status === 'stopped' && /^memory: .*> cap 8000 MB/.test(stop.reason ?? ''), 'autodiff stopped at D = 1000 for memory (cap 8000 MB)');
  t.ok(flat.includes('runs out of memory (8 GB cap) at D = 1000'), 'said so');
  const fair = json('bench/results/fairness.json').results.numpy as { dim: number; relative: number; ordinary: number }[];
  const nr = (d: number): string => {
    const f = fair.find((r) => r.dim === d);
    return f === undefined ? `no D = ${d}` : x(f.ordinary / f.relative, 1);
  };
  t.ok(flat.includes(`${nr(1000)} at D = 1000 and ${nr(2048)} at D = 2048`), `NumPy: ${nr(1000)}, ${nr(2048)}`);
});

t.test('the deep model\'s step (deep.json) and MNIST (results/)', async (t) => {
  const flat = section.replace(/\s+/g, ' ');
  const deep = json('bench/results/deep.json');
  const rows = deep.table.rows as (string | number)[][];
  const row = rows.find((r) => r[0] === 'cpu' && r[1] === 'float32' && r[2] === 3 && r[3] === 784);
  t.ok(row !== undefined, 'depth 3, D = 784, float32 measured');
  const ms = parseFloat(String(row?.[4]));
  t.ok(flat.includes(`${ms.toFixed(1)} ms per float32 gradient`), `${ms.toFixed(1)} ms`);
  const pm = (v: { mean: number; err: number }): string => `${v.mean.toFixed(2).replace('-', '−')} ± ${v.err.toFixed(2)}`;
  t.ok(flat.includes(`reaches ${pm(json('results/mnist.json').test)} nats`), 'the deep flow\'s test log-likelihood');
  t.ok(flat.includes(`reaches ${pm(json('results/mnist-depth4/mnist.json').test)} nats`), 'the depth-4 flow\'s');
  t.ok(flat.includes(`gives ${pm(json('results/paper/mnist.json').test)} in relgrad`), 'the paper model\'s');
  // published: MAF (5) and MAF MoG (5) from Papamakarios et al. 2017, Table 2; the paper's "Ours"
  for (const s of ['MAF (5) at −1300.5 ± 1.7', 'MAF MoG (5) at −1100.3', 'the paper reports −1375.2 ± 1.4']) t.ok(flat.includes(s), s);
});
