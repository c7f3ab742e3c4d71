// The moons' limiting density by quadrature (tools/moons-density.ts, the "true" moons score the
// gallery docs quote) against the generator itself (flow/data/toy.ts moons): its mass over
// [−4, 4]² is 1, and the probability it gives each 0.25 × 0.25 cell matches the share of 200000
// generated rows in that cell (total variation below 0.03; about 0.015 is sampling noise, while a
// wrong noise scale or a shifted half circle moves it by tenths).
import t from 'tap';
import { moons } from '../flow/data/toy.js';
import { Rng } from '../engine/random.js';
import { moonsDraws, moonsLogDensity } from '../tools/moons-density.js';

const NODES = 1000;

/** ∫ p over the square [−4, 4]² cut into side² cells, each by an s×s midpoint rule; per cell. */
function cellMasses(side: number, s: number): Float64Array {
  const h = 8 / side;
  const n = side * side * s * s;
  const grid = new Float64Array(2 * n);
  let k = 0;
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) {
    grid[k++] = -4 + i * h + ((a + 0.5) * h) / s;
    grid[k++] = -4 + j * h + ((b + 0.5) * h) / s;
  }
  const logp = moonsLogDensity({ data: grid, rows: n, cols: 2 }, NODES);
  const mass = new Float64Array(side * side);
  for (let q = 0; q < n; q++) mass[Math.floor(q / (s * s))] += (Math.exp(logp[q]) * h * h) / (s * s);
  return mass;
}

t.test('the density integrates to 1 over [−4, 4]²', async (t) => {
  const total = cellMasses(200, 1).reduce((a, v) => a + v, 0);
  t.ok(Math.abs(total - 1) < 1e-6, `mass ${total}`);
});

t.test('cell probabilities match the generator (total variation < 0.03 over 200000 rows)', async (t) => {
  const side = 32;
  const mass = cellMasses(side, 5);
  const n = 200000;
  const x = moons(n, new Rng(3));
  const count = new Float64Array(side * side);
  for (let r = 0; r < n; r++) {
    const i = Math.floor((x.data[2 * r] + 4) / (8 / side));
    const j = Math.floor((x.data[2 * r + 1] + 4) / (8 / side));
    if (i >= 0 && i < side && j >= 0 && j < side) count[i * side + j] += 1 / n;
  }
  let tv = 0;
  mass.forEach((m, c) => (tv += Math.abs(m - count[c]) / 2));
  t.ok(tv < 0.03, `total variation ${tv.toFixed(4)}`);
});

t.test('draws of the limiting process score what the tool prints (−2.39 ± 0.05 nats)', async (t) => {
  const rng = new Rng(0);
  const logp = moonsLogDensity(moonsDraws(4000, () => rng.uniform(), () => rng.normal()), NODES);
  const mean = logp.reduce((a, v) => a + v, 0) / logp.length;
  t.ok(Math.abs(mean - -2.39) < 0.05, `mean log p ${mean.toFixed(3)} (regression check: the value docs/gallery.md quotes, ± its Monte Carlo error at 4000 draws)`);
});
