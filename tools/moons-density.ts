// The moons' density in the limit of many rows, by quadrature (docs/gallery.md, "Moons' true
// density"): toy.ts places the two half circles' angles evenly by rank; taken as t ~ U[0, π],
//   p(x) = ½·(1/π)∫₀^π N(x; μ₁(t), σ²I) dt + ½·(1/π)∫₀^π N(x; μ₂(t), σ²I) dt,
//   μ₁(t) = (2 cos t − 1, 2 sin t − 0.2),  μ₂(t) = (1 − 2 cos t, 0.8 − 2 sin t),  σ = 0.2,
// by the midpoint rule in t (`nodes` per half; O(N·nodes)). Not in flow/'s trueLogDensity: the
// generator's angles are a grid, so this is the density of the process it approximates.
// Run after a build: node dist/tools/moons-density.js [--rows 20000] [--seed 0]
// prints the mass over [−4, 4]², E[log p] by Monte Carlo, and the mean on the gallery recipe's
// test split (resolveDataset, as `relgrad gallery`).

import { pathToFileURL } from 'node:url';
import type { HostMatrix } from '../flow/matrix.js';

const SIGMA = 0.2;
const LOG_NORM = -Math.log(2 * Math.PI * SIGMA * SIGMA);

/** log p(x) of the moons' limiting process (header) for the rows of an N×2 matrix. */
export function moonsLogDensity(x: HostMatrix<Float64Array>, nodes = 4000): Float64Array {
  if (x.cols !== 2) throw new Error(`moonsLogDensity: expected N×2 points, got ${x.rows}×${x.cols}`);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`moonsLogDensity: nodes must be a positive integer, got ${nodes}`);
  const cos = Float64Array.from({ length: nodes }, (_, i) => Math.cos((Math.PI * (i + 0.5)) / nodes));
  const sin = Float64Array.from({ length: nodes }, (_, i) => Math.sin((Math.PI * (i + 0.5)) / nodes));
  const out = new Float64Array(x.rows);
  const s2 = 2 * SIGMA * SIGMA;
  for (let r = 0; r < x.rows; r++) {
    const a = x.data[2 * r];
    const b = x.data[2 * r + 1];
    // log-sum-exp over the 2·nodes terms, each −|x − μ|²/2σ²
    let max = -Infinity;
    for (let i = 0; i < nodes; i++) {
      const d1 = (a - (2 * cos[i] - 1)) ** 2 + (b - (2 * sin[i] - 0.2)) ** 2;
      const d2 = (a - (1 - 2 * cos[i])) ** 2 + (b - (0.8 - 2 * sin[i])) ** 2;
      max = Math.max(max, -Math.min(d1, d2) / s2);
    }
    let sum = 0;
    for (let i = 0; i < nodes; i++) {
      const d1 = (a - (2 * cos[i] - 1)) ** 2 + (b - (2 * sin[i] - 0.2)) ** 2;
      const d2 = (a - (1 - 2 * cos[i])) ** 2 + (b - (0.8 - 2 * sin[i])) ** 2;
      sum += Math.exp(-d1 / s2 - max) + Math.exp(-d2 / s2 - max);
    }
    out[r] = LOG_NORM + max + Math.log(sum / (2 * nodes));
  }
  return out;
}

/** Draws of the limiting process (t ~ U[0, π], one half each with probability ½), uniform u and normal z from `next`. */
export function moonsDraws(n: number, uniform: () => number, normal: () => number): HostMatrix<Float64Array> {
  const data = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * uniform();
    const upper = uniform() < 0.5;
    data[2 * i] = (upper ? 2 * Math.cos(t) - 1 : 1 - 2 * Math.cos(t)) + SIGMA * normal();
    data[2 * i + 1] = (upper ? 2 * Math.sin(t) - 0.2 : 0.8 - 2 * Math.sin(t)) + SIGMA * normal();
  }
  return { data, rows: n, cols: 2 };
}

/** mean ± 2·sd/√N. */
function meanAndError(v: Float64Array): [number, number] {
  const mean = v.reduce((s, a) => s + a, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / (v.length - 1));
  return [mean, (2 * sd) / Math.sqrt(v.length)];
}

async function main(): Promise<void> {
  const flag = (name: string, fallback: number): number => {
    const at = process.argv.indexOf(name);
    return at < 0 ? fallback : Number(process.argv[at + 1]);
  };
  const rows = flag('--rows', 20000);
  const seed = flag('--seed', 0);
  const { Rng } = await import('../engine/random.js');
  const { resolveDataset } = await import('../flow/cli/datasets.js');
  const side = 400;
  const h = 8 / side;
  const grid = new Float64Array(2 * side * side);
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) grid.set([-4 + (i + 0.5) * h, -4 + (j + 0.5) * h], 2 * (i * side + j));
  const mass = moonsLogDensity({ data: grid, rows: side * side, cols: 2 }).reduce((s, v) => s + Math.exp(v), 0) * h * h;
  console.log(`mass over [−4, 4]² (midpoint rule, ${side}² cells): ${mass.toFixed(8)}`);
  const rng = new Rng(seed);
  const [mc, mcErr] = meanAndError(moonsLogDensity(moonsDraws(40000, () => rng.uniform(), () => rng.normal())));
  console.log(`E[log p], 40000 draws of the limiting process (seed ${seed}): ${mc.toFixed(3)} ± ${mcErr.toFixed(3)}`);
  const data = await resolveDataset({ name: 'moons', seed, limit: rows });
  const [test, testErr] = meanAndError(moonsLogDensity(data.test));
  console.log(`mean log p on the test split of moons, ${rows} rows, seed ${seed} (as relgrad gallery): ${test.toFixed(3)} ± ${testErr.toFixed(3)} (${data.test.rows} rows)`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
