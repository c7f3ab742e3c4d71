// Seeded random numbers generated on the host, so every backend gets the same values for the
// same seed. Generator: xoshiro128** (Blackman & Vigna), seeded through splitmix32.

import { fromHost, type CreateOptions } from './create.js';
import { assertFits } from './capacity.js';
import { allocHost } from './dtype.js';
import { gemm } from './fused.js';
import { float64Backend, getBackend } from './state.js';
import { assertValidShape, sizeOf, type Shape } from './shape.js';
import { assertSeed } from './seed.js';
import type { Tensor } from './tensor.js';

/** Seeded host random numbers: xoshiro128** seeded through splitmix32, so every backend sees the same values for a seed. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let x = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Fisher–Yates shuffle of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A random tensor's dtype, backend and optional seed. */
export interface RandomOptions extends CreateOptions {
  /** A fixed seed makes the call a pure function of it; without one, the global stream is used. */
  seed?: number;
}

/**
 * The global stream behind unseeded calls (randn, rand, orthogonal without { seed }): each such
 * call takes one 32-bit seed from it, so successive calls differ and `setSeed(n)` replays a whole
 * program. It starts as if `setSeed(0)` had run.
 */
let globalStream = new Rng(0);

/** Restarts the global random stream: every unseeded random call after it is reproducible. */
export function setSeed(seed: number): void {
  assertSeed('setSeed', seed);
  globalStream = new Rng(seed);
}

/** The seed for one call: the explicit one, else the next draw of the global stream. */
function seedFor(options: { seed?: number }): number {
  if (options.seed === undefined) return globalStream.nextUint32();
  assertSeed('random', options.seed);
  return options.seed;
}

/** Standard normal values N(0, 1) of the given shape, drawn on the host (seeded or from the global stream). */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  assertValidShape('randn', shape);
  assertFits('randn', options.backend ?? getBackend(), options.dtype ?? 'float64', shape, 2);
  const rng = new Rng(seedFor(options));
  const host = allocHost('float64', sizeOf(shape), 'randn', shape);
  for (let i = 0; i < host.length; i++) host[i] = rng.normal();
  return fromHost(host, shape, options);
}

/** Uniform values in [0, 1) of the given shape, drawn on the host (seeded or from the global stream). */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  assertValidShape('rand', shape);
  assertFits('rand', options.backend ?? getBackend(), options.dtype ?? 'float64', shape, 2);
  const rng = new Rng(seedFor(options));
  const host = allocHost('float64', sizeOf(shape), 'rand', shape);
  for (let i = 0; i < host.length; i++) host[i] = rng.uniform();
  return fromHost(host, shape, options);
}

const BLOCK = 32;

/**
 * A seeded Haar-random n×n orthogonal matrix, row-major: the Q factor (R's diagonal positive) of
 * an n×n standard Gaussian draw. Block classical Gram–Schmidt with reorthogonalisation (BCGS2,
 * Barlow & Smoktunowicz, Numer. Math. 2013): the columns, in blocks of 32, are projected off the
 * finished ones twice by R = Q_prevᵀ·Q_b, Q_b -= Q_prev·R (the engine's gemm on a float64
 * backend), then orthonormalised inside the block by two passes of modified Gram–Schmidt.
 * Cost 4n³ flops, almost all in the products.
 */
export function orthogonalHost(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const qt = new Float64Array(n * n); // row j = column q_j of the draw
  for (let i = 0; i < qt.length; i++) qt[i] = rng.normal();
  const on = { backend: float64Backend(), dtype: 'float64' as const };
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const nb = Math.min(BLOCK, n - j0);
    const r0 = new Float64Array(nb);
    for (let j = 0; j < nb; j++) r0[j] = norm(qt, (j0 + j) * n, n);
    if (j0 > 0) {
      const prev = fromHost(qt.subarray(0, j0 * n), [j0, n], on);
      let block = fromHost(qt.subarray(j0 * n, (j0 + nb) * n), [nb, n], on);
      for (let pass = 0; pass < 2; pass++) {
        const r = gemm(prev, block, { transB: true }); // [j0, nb] = Q_prevᵀ Q_b
        const next = gemm(r, prev, { transA: true, alpha: -1, c: block, beta: 1 }); // Q_b - Rᵀ Q_prev
        r.dispose();
        block.dispose();
        block = next;
      }
      qt.set(block.dataSync(), j0 * n);
      block.dispose();
      prev.dispose();
    }
    for (let j = 0; j < nb; j++) {
      const cj = (j0 + j) * n;
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < j; p++) {
          const cp = (j0 + p) * n;
          let dot = 0;
          for (let i = 0; i < n; i++) dot += qt[cp + i] * qt[cj + i];
          for (let i = 0; i < n; i++) qt[cj + i] -= dot * qt[cp + i];
        }
      }
      const rn = norm(qt, cj, n);
      if (rn < 1e-12 * r0[j]) throw new Error(`orthogonal: degenerate Gaussian draw at column ${j0 + j}`);
      for (let i = 0; i < n; i++) qt[cj + i] /= rn;
    }
  }
  const out = new Float64Array(n * n); // row-major: out[i, j] = q_j[i]
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = qt[j * n + i];
  return out;
}

function norm(x: Float64Array, offset: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[offset + i] * x[offset + i];
  return Math.sqrt(s);
}

/**
 * W = I + (scale/√n)·G with G standard normal (seeded): a well-conditioned square matrix in O(n²),
 * for large n where the O(n³) Gram–Schmidt of `orthogonalHost` would dominate (benchmarks).
 */
export function nearIdentityHost(n: number, seed: number, scale = 0.1): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(n * n);
  const s = scale / Math.sqrt(n);
  for (let i = 0; i < out.length; i++) out[i] = s * rng.normal();
  for (let i = 0; i < n; i++) out[i * n + i] += 1;
  return out;
}

/** A random n×n orthogonal matrix [n, n], Haar-distributed (QR of a Gaussian matrix). O(n³). */
export function orthogonal(n: number, options: RandomOptions = {}): Tensor {
  return fromHost(orthogonalHost(n, seedFor(options)), [n, n], options);
}
