// The toy sets' exact densities (flow/data/true-density.ts): each integrates to 1 on a fine grid
// (midpoint rule), the Monte Carlo mean of log p over the set's own samples matches its closed form
// (sine: −log 8 − ½ log(2π·0.25²) − ½; checkerboard: −log 32) or, for rings, the value computed
// independently when the issue was filed (≈ −2.622 ± 0.003), and the scaled Bessel function
// agrees with its power series.
import t from 'tap';
import { Rng } from '../engine/random.js';
import { TOY_SETS, type ToyName } from '../flow/data/toy.js';
import { besselI0Scaled, trueLogDensity } from '../flow/data/true-density.js';

t.test('e^{−z} I₀(z) against its power series Σ (z/2)^{2k} / (k!)² (summed in log space)', async (t) => {
  for (const z of [0, 0.3, 1, 2.5, 3.74, 3.76, 8, 20, 60, 300]) {
    let logSum = -Infinity;
    for (let k = 0; k < 2000; k++) {
      let lgam = 0;
      for (let i = 2; i <= k; i++) lgam += Math.log(i);
      const term = z === 0 ? (k === 0 ? 0 : -Infinity) : 2 * k * Math.log(z / 2) - 2 * lgam;
      const hi = Math.max(logSum, term);
      logSum = hi === -Infinity ? -Infinity : hi + Math.log(Math.exp(logSum - hi) + Math.exp(term - hi));
    }
    const want = Math.exp(logSum - z);
    const got = besselI0Scaled(z);
    t.ok(Math.abs(got - want) / want < 1e-6, `z = ${z}: ${got} vs ${want}`);
  }
});

/** ∫∫ p over [lo, hi]² by the midpoint rule with step h. */
function integrate(name: ToyName, lo: number, hi: number, h: number): number {
  const logp = trueLogDensity(name);
  if (logp === undefined) throw new Error(`${name} has no true density`);
  const n = Math.round((hi - lo) / h);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const data = new Float64Array(2 * n);
    for (let j = 0; j < n; j++) {
      data[2 * j] = lo + (i + 0.5) * h;
      data[2 * j + 1] = lo + (j + 0.5) * h;
    }
    for (const v of logp({ data, rows: n, cols: 2 })) total += Math.exp(v);
  }
  return total * h * h;
}

for (const [name, lo, hi] of [['rings', -4, 4], ['sine', -4, 4], ['mog', -5, 5], ['checkerboard', -4, 4]] as const) {
  t.test(`${name}: the density integrates to 1`, async (t) => {
    const mass = integrate(name, lo, hi, 0.01);
    t.ok(Math.abs(mass - 1) < 1e-3, `∫ p = ${mass.toFixed(6)}`);
  });
}

t.test('E[log p] over the sets\' own samples', async (t) => {
  const n = 200_000;
  const mean = (name: ToyName): { mean: number; se: number } => {
    const x = TOY_SETS[name](n, new Rng(11));
    const v = trueLogDensity(name)!(x);
    let s = 0;
    let s2 = 0;
    for (const u of v) {
      s += u;
      s2 += u * u;
    }
    const m = s / n;
    return { mean: m, se: Math.sqrt((s2 / n - m * m) / n) };
  };
  const sine = mean('sine');
  const sineExact = -Math.log(8) - 0.5 * Math.log(2 * Math.PI * 0.0625) - 0.5;
  t.ok(Math.abs(sine.mean - sineExact) < 4 * sine.se, `sine: ${sine.mean.toFixed(4)} ± ${sine.se.toFixed(4)} vs ${sineExact.toFixed(4)}`);
  const board = mean('checkerboard');
  t.ok(Math.abs(board.mean + Math.log(32)) < 1e-9, `checkerboard: every sample at −log 32 (mean ${board.mean})`);
  const rings = mean('rings');
  t.ok(Math.abs(rings.mean - -2.622) < 0.003 + 4 * rings.se, `rings: ${rings.mean.toFixed(4)} ± ${rings.se.toFixed(4)} vs ≈ −2.622 ± 0.003`);
  t.equal(trueLogDensity('moons'), undefined, 'moons has none');
  t.equal(trueLogDensity('2spirals'), undefined, '2spirals has none');
});
