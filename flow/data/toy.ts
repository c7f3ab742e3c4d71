// Toy 2-D densities for flow demos, seeded through the engine's `Rng`. Definitions follow the
// FFJORD toy data (Grathwohl et al. 2019, lib/toy_data.py) except `sine`, which is our own.

import { Rng } from '../../engine/random.js';
import { zerosMatrix, type HostMatrix, type Splits } from './dataset.js';
import { mixtureLogDensity, type GaussianMixture } from './mixture.js';

/** Draws n samples as an n×2 matrix. */
export type ToySampler = (n: number, rng: Rng) => HostMatrix<Float64Array>;

/** Fisher–Yates shuffle of the rows of an n×2 matrix, in place (for sets built in order). */
function shuffleRows2(m: HostMatrix<Float64Array>, rng: Rng): HostMatrix<Float64Array> {
  const d = m.data;
  for (let i = m.rows - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const a0 = d[2 * i];
    const a1 = d[2 * i + 1];
    d[2 * i] = d[2 * j];
    d[2 * i + 1] = d[2 * j + 1];
    d[2 * j] = a0;
    d[2 * j + 1] = a1;
  }
  return m;
}

/** sine: x₁ ~ U[−4, 4), x₂ = 2·sin(x₁) + N(0, 0.25²) — a noisy sine curve (not from FFJORD). */
export const sine: ToySampler = (n, rng) => {
  const m = zerosMatrix(n, 2);
  for (let i = 0; i < n; i++) {
    const x = 8 * rng.uniform() - 4;
    m.data[2 * i] = x;
    m.data[2 * i + 1] = 2 * Math.sin(x) + 0.25 * rng.normal();
  }
  return m;
};

/**
 * moons: sklearn make_moons (⌊n/2⌋ points on the upper unit half-circle, the rest on the lower
 * one shifted by (1, −0.5); angles evenly spaced), + N(0, 0.1²), then ×2 − (1, 0.2) as FFJORD.
 */
export const moons: ToySampler = (n, rng) => {
  const m = zerosMatrix(n, 2);
  const nOuter = Math.floor(n / 2);
  const nInner = n - nOuter;
  const spaced = (k: number, count: number): number => (count > 1 ? (Math.PI * k) / (count - 1) : 0);
  for (let i = 0; i < n; i++) {
    let x: number;
    let y: number;
    if (i < nOuter) {
      const t = spaced(i, nOuter);
      x = Math.cos(t);
      y = Math.sin(t);
    } else {
      const t = spaced(i - nOuter, nInner);
      x = 1 - Math.cos(t);
      y = 1 - Math.sin(t) - 0.5;
    }
    m.data[2 * i] = x;
    m.data[2 * i + 1] = y;
  }
  shuffleRows2(m, rng);
  for (let i = 0; i < n; i++) {
    m.data[2 * i] = 2 * (m.data[2 * i] + 0.1 * rng.normal()) - 1;
    m.data[2 * i + 1] = 2 * (m.data[2 * i + 1] + 0.1 * rng.normal()) - 0.2;
  }
  return m;
};

/**
 * The fixed mixture behind `mog` (FFJORD "8gaussians"): 8 equal-weight isotropic Gaussians with
 * means 4·(cos θₖ, sin θₖ)/1.414, θₖ = kπ/4, and standard deviation 0.5/1.414.
 */
export const MOG_MEANS: readonly (readonly [number, number])[] = Array.from({ length: 8 }, (_, k) => {
  const theta = (k * Math.PI) / 4;
  return [(4 * Math.cos(theta)) / 1.414, (4 * Math.sin(theta)) / 1.414] as const;
});
export const MOG_STD = 0.5 / 1.414;

const MOG_MIXTURE: GaussianMixture = {
  means: MOG_MEANS.map(([a, b]) => [a, b]),
  stds: MOG_MEANS.map(() => MOG_STD),
  weights: MOG_MEANS.map(() => 1 / MOG_MEANS.length),
};

/** mog: pick one of the 8 components uniformly, add N(0, MOG_STD²·I). */
export const mog: ToySampler = (n, rng) => {
  const m = zerosMatrix(n, 2);
  for (let i = 0; i < n; i++) {
    const [mx, my] = MOG_MEANS[rng.int(MOG_MEANS.length)];
    m.data[2 * i] = mx + MOG_STD * rng.normal();
    m.data[2 * i + 1] = my + MOG_STD * rng.normal();
  }
  return m;
};

/**
 * Exact log-density of `mog`: log Σₖ (1/8) N(x; μₖ, σ²I)
 * = logsumexp_k(−|x − μₖ|²/(2σ²)) − log 8 − log(2πσ²).  O(8N).
 */
export function mogLogDensity(x: HostMatrix<Float64Array>): Float64Array {
  if (x.cols !== 2) throw new Error(`mogLogDensity: expected N×2 points, got ${x.rows}×${x.cols}`);
  return mixtureLogDensity(MOG_MIXTURE, x);
}

/**
 * rings: four concentric circles of radii 3, 2.25, 1.5, 0.75 (⌊n/4⌋ evenly spaced points on each
 * of the outer three, the rest on the inner one), shuffled, + N(0, 0.08²) as FFJORD.
 */
export const rings: ToySampler = (n, rng) => {
  const m = zerosMatrix(n, 2);
  const quarter = Math.floor(n / 4);
  const counts = [quarter, quarter, quarter, n - 3 * quarter];
  const radii = [3, 2.25, 1.5, 0.75];
  let i = 0;
  counts.forEach((count, c) => {
    for (let k = 0; k < count; k++, i++) {
      const t = (2 * Math.PI * k) / count;
      m.data[2 * i] = radii[c] * Math.cos(t);
      m.data[2 * i + 1] = radii[c] * Math.sin(t);
    }
  });
  shuffleRows2(m, rng);
  for (let j = 0; j < 2 * n; j++) m.data[j] += 0.08 * rng.normal();
  return m;
};

/**
 * checkerboard: x₁ ~ U[−2, 2), x₂ ~ U([−2, −1) ∪ [0, 1)) + (⌊x₁⌋ mod 2), all ×2 (FFJORD):
 * uniform on the 8 squares of side 2 in [−4, 4)² where ⌊x₁/2⌋ + ⌊x₂/2⌋ is even.
 */
export const checkerboard: ToySampler = (n, rng) => {
  const m = zerosMatrix(n, 2);
  for (let i = 0; i < n; i++) {
    const x1 = 4 * rng.uniform() - 2;
    const x2 = rng.uniform() - 2 * rng.int(2) + (((Math.floor(x1) % 2) + 2) % 2);
    m.data[2 * i] = 2 * x1;
    m.data[2 * i + 1] = 2 * x2;
  }
  return m;
};

/** Exact log-density of `checkerboard`: log(1/32) on its 8 squares (total area 32), −∞ elsewhere. */
export function checkerboardLogDensity(x: HostMatrix<Float64Array>): Float64Array {
  if (x.cols !== 2) throw new Error(`checkerboardLogDensity: expected N×2 points, got ${x.rows}×${x.cols}`);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    const a = x.data[2 * i];
    const b = x.data[2 * i + 1];
    const inside = a >= -4 && a < 4 && b >= -4 && b < 4;
    const even = (((Math.floor(a / 2) + Math.floor(b / 2)) % 2) + 2) % 2 === 0;
    out[i] = inside && even ? -Math.log(32) : -Infinity;
  }
  return out;
}

/**
 * 2spirals: t = √u · 3π (u ~ U[0,1)), arm (−t cos t + U[0, 0.5), t sin t + U[0, 0.5)); half the points
 * on that arm, half on its negative; all /3, + N(0, 0.1²), shuffled (FFJORD).
 */
export const twoSpirals: ToySampler = (n, rng) => {
  const m = zerosMatrix(n, 2);
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) {
    const t = Math.sqrt(rng.uniform()) * 3 * Math.PI; // 540° in radians
    const x = -Math.cos(t) * t + 0.5 * rng.uniform();
    const y = Math.sin(t) * t + 0.5 * rng.uniform();
    const sign = i < half ? 1 : -1;
    m.data[2 * i] = (sign * x) / 3 + 0.1 * rng.normal();
    m.data[2 * i + 1] = (sign * y) / 3 + 0.1 * rng.normal();
  }
  return shuffleRows2(m, rng);
};

/** The toy 2-D data sets by name, each a seeded sampler of n points [n, 2] (FFJORD's toys, plus `sine`). */
export const TOY_SETS = {
  sine,
  moons,
  mog,
  rings,
  checkerboard,
  '2spirals': twoSpirals,
} as const satisfies Record<string, ToySampler>;

/** The name of a toy 2-D data set (a key of `TOY_SETS`). */
export type ToyName = keyof typeof TOY_SETS;

const TOY_LOG_DENSITY: Partial<Record<ToyName, (x: HostMatrix<Float64Array>) => Float64Array>> = {
  mog: mogLogDensity,
  checkerboard: checkerboardLogDensity,
};

export function isToyName(name: string): name is ToyName {
  return Object.prototype.hasOwnProperty.call(TOY_SETS, name);
}

export interface ToySplitOptions {
  train?: number;
  validation?: number;
  test?: number;
  seed?: number;
}

/**
 * Train/validation/test draws from one toy set: a single `Rng(seed)` draws train, then validation,
 * then test, so each split is independent of the others and the whole is fixed by `seed`.
 */
export function toySplits(name: ToyName, options: ToySplitOptions = {}): Splits {
  // JavaScript callers can pass any string: the names are checked at run time too
  if (!isToyName(name)) {
    throw new Error(`toySplits: unknown toy data set '${name}'; valid names: ${Object.keys(TOY_SETS).join(', ')}`);
  }
  const { train = 5000, validation = 500, test = 500, seed = 0 } = options;
  const sampler = TOY_SETS[name];
  const rng = new Rng(seed);
  const splits: Splits = {
    name,
    train: sampler(train, rng),
    validation: sampler(validation, rng),
    test: sampler(test, rng),
  };
  const logDensity = TOY_LOG_DENSITY[name];
  if (logDensity) splits.trueLogDensity = logDensity;
  return splits;
}
