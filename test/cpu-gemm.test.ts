// Every CPU GEMM tier against a naive triple loop (in float64): all four transpose combinations,
// alpha/beta, offsets and padded leading dimensions, sizes that are not multiples of the tiles,
// 0-sizes, both dtypes. Tiny cache blockings exercise every blocking loop on small shapes, and
// the threaded tier runs with minFlops = 0 so that small products are split too.
// Error bound per entry: tol · (|alpha|·Σ_p |A_ip||B_pj| + |beta|·|C_ij|), tol 1e-12 (f64), 1e-4 (f32).

import t, { type Test } from 'tap';
import { availableParallelism } from 'node:os';
import { chooseGemm, gemmTiers } from '../backends/cpu/runtime.js';
import { gemmJs, type Gemm, type GemmArgs } from '../backends/cpu/gemm.js';
import { createCpuBackend, createFastCpuBackend } from '../backends/cpu/index.js';
import { createThreadedRuntime } from '../backends/cpu/threads/index.js';
import { createWasmGemm, FMA_TILES, PLAIN_TILES, simdSupported, type GemmTiles } from '../backends/cpu/wasm/index.js';
import { relaxedSimdSupported } from '../backends/cpu/wasm/emit.js';
import { Rng } from '../engine/random.js';

type Ctor = Float64ArrayConstructor | Float32ArrayConstructor;

/** Blocking so small that m, n, k of a few dozen cross every block boundary. */
const TINY: GemmTiles = {
  f64: { ...PLAIN_TILES.f64, kc: 6, mc: 8, nc: 12, mb: 16 },
  f32: { ...PLAIN_TILES.f32, kc: 5, mc: 8, nc: 16, mb: 24 },
  fma: false,
};
/** The same tiny blocking around the relaxed-SIMD FMA kernels and their register tiles. */
const TINY_FMA: GemmTiles = {
  f64: { ...FMA_TILES.f64, kc: 6, mc: 2 * FMA_TILES.f64.mr, nc: 3 * FMA_TILES.f64.nr, mb: 4 * FMA_TILES.f64.mr },
  f32: { ...FMA_TILES.f32, kc: 5, mc: 2 * FMA_TILES.f32.mr, nc: 2 * FMA_TILES.f32.nr, mb: 6 * FMA_TILES.f32.mr },
  fma: true,
};

const rng = new Rng(12345);
const random = (): number => rng.uniform();

function randomArray(T: Ctor, length: number): Float64Array | Float32Array {
  const out = new T(length);
  for (let i = 0; i < length; i++) out[i] = random() * 2 - 1;
  return out;
}

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
  pad: number;
}

function makeArgs(T: Ctor, s: Case): GemmArgs {
  const { m, n, k, transA, transB, pad } = s;
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const ldc = n + pad;
  const aOffset = pad * 3;
  const bOffset = pad * 5;
  const cOffset = pad * 2;
  const a = randomArray(T, aOffset + (transA ? k : m) * lda + 1);
  const b = randomArray(T, bOffset + (transB ? n : k) * ldb + 1);
  const c = randomArray(T, cOffset + m * ldc + 1);
  return { ...s, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc };
}

/** Runs `gemm` on a copy of C and checks every entry (and that padding is untouched). */
function check(t: Test, gemm: Gemm, T: Ctor, s: Case, tol: number): void {
  const g = makeArgs(T, s);
  const { m, n, k, a, b, c, aOffset, bOffset, cOffset, lda, ldb, ldc, alpha, beta } = g;
  const before = c.slice();
  const out = c.slice();
  gemm({ ...g, c: out });
  const opA = (i: number, p: number): number => (s.transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p]);
  const opB = (p: number, j: number): number => (s.transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j]);
  let worst = 0;
  const inside = new Uint8Array(c.length);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let scale = 0;
      for (let p = 0; p < k; p++) {
        sum += opA(i, p) * opB(p, j);
        scale += Math.abs(opA(i, p) * opB(p, j));
      }
      const at = cOffset + i * ldc + j;
      inside[at] = 1;
      const c0 = before[at];
      const want = alpha * sum + (beta === 0 ? 0 : beta * c0);
      const bound = tol * (Math.abs(alpha) * scale + Math.abs(beta * c0)) + 1e-300;
      worst = Math.max(worst, Math.abs(out[at] - want) / bound);
    }
  }
  let touched = 0;
  for (let q = 0; q < c.length; q++) if (!inside[q] && !Object.is(out[q], before[q])) touched++;
  const label = `${T.name} [${m}x${k}]${s.transA ? 'ᵀ' : ''}·[${k}x${n}]${s.transB ? 'ᵀ' : ''} α=${alpha} β=${beta} pad=${s.pad}`;
  t.ok(worst <= 1 && touched === 0, label, { worst, touched });
}

function cases(): Case[] {
  const out: Case[] = [];
  const sizes: [number, number, number][] = [
    [0, 5, 3], [4, 0, 3], [3, 5, 0], [1, 1, 1], [4, 4, 4], [8, 8, 8], [5, 7, 9], [13, 3, 17],
    [3, 29, 2], [33, 17, 40], [17, 45, 23], [64, 9, 70],
  ];
  for (const [m, n, k] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const alpha = [1, -0.75, 2][(m + n) % 3];
        const beta = [0, 1, 0.5][(m + k) % 3];
        out.push({ m, n, k, transA, transB, alpha, beta, pad: (m + n + k) % 3 });
      }
    }
  }
  out.push({ m: 6, n: 5, k: 4, transA: false, transB: false, alpha: 0, beta: 0.5, pad: 1 });
  out.push({ m: 6, n: 5, k: 4, transA: true, transB: false, alpha: 1.5, beta: 0, pad: 0 });
  return out;
}

/** A few larger shapes that cross the default blocking (kc, mc, nc) on the real tiles. */
const LARGE: Case[] = [
  { m: 130, n: 70, k: 300, transA: false, transB: true, alpha: 1, beta: 0, pad: 1 },
  { m: 37, n: 260, k: 513, transA: true, transB: false, alpha: -1, beta: 0.5, pad: 0 },
];

interface Tier {
  name: string;
  gemm: Gemm;
  close?: () => Promise<void>;
}

const tiers: Tier[] = [{ name: 'js', gemm: gemmJs }];
const wasm = createWasmGemm();
const wasmTiny = createWasmGemm({ tiles: TINY });
if (wasm && wasmTiny) tiers.push({ name: 'wasm', gemm: wasm }, { name: 'wasm tiny blocks', gemm: wasmTiny });
const wasmPlain = createWasmGemm({ tiles: PLAIN_TILES });
if (wasmPlain) tiers.push({ name: 'wasm plain SIMD (no FMA)', gemm: wasmPlain });
if (relaxedSimdSupported()) {
  tiers.push({ name: 'wasm FMA tiles', gemm: createWasmGemm({ tiles: FMA_TILES }) as Gemm });
  tiers.push({ name: 'wasm FMA tiny blocks', gemm: createWasmGemm({ tiles: TINY_FMA }) as Gemm });
  const thFma = createThreadedRuntime({ threads: 2, minFlops: 0, tiles: TINY_FMA });
  if (thFma) tiers.push({ name: 'wasm-threads FMA tiny blocks', gemm: thFma.gemm, close: thFma.close });
}
for (const threads of [2, 3]) {
  const th = createThreadedRuntime({ threads, minFlops: 0 });
  if (th) tiers.push({ name: `wasm-threads(${threads})`, gemm: th.gemm, close: th.close });
}
const thTiny = createThreadedRuntime({ threads: 2, minFlops: 0, tiles: TINY });
if (thTiny) tiers.push({ name: 'wasm-threads tiny blocks', gemm: thTiny.gemm, close: thTiny.close });

t.test('the wasm tiers exist where WebAssembly SIMD does', async (t) => {
  t.equal(wasm !== undefined, simdSupported());
  t.ok(tiers.length >= (simdSupported() ? 3 : 1), tiers.map((x) => x.name).join(', '));
});

for (const tier of tiers) {
  t.test(`gemm tier ${tier.name}`, async (t) => {
    for (const [T, tol] of [[Float64Array, 1e-12], [Float32Array, 1e-4]] as const) {
      for (const s of cases()) check(t, tier.gemm, T, s, tol);
      for (const s of LARGE) check(t, tier.gemm, T, s, tol);
    }
  });
}

t.test('beta = 0 overwrites NaN in C; alpha = 0 only scales C', async (t) => {
  for (const tier of tiers) {
    for (const T of [Float64Array, Float32Array]) {
      const a = new T([1, 2, 3, 4]);
      const c = new T([NaN, NaN, NaN, NaN]);
      tier.gemm({ transA: false, transB: false, m: 2, n: 2, k: 2, alpha: 1, a, aOffset: 0, lda: 2, b: a, bOffset: 0, ldb: 2, beta: 0, c, cOffset: 0, ldc: 2 });
      t.same(Array.from(c), [7, 10, 15, 22], `${tier.name} ${T.name} A·A`);
      const c2 = new T([1, 2, 3, 4]);
      tier.gemm({ transA: false, transB: false, m: 2, n: 2, k: 2, alpha: 0, a, aOffset: 0, lda: 2, b: a, bOffset: 0, ldb: 2, beta: 2, c: c2, cOffset: 0, ldc: 2 });
      t.same(Array.from(c2), [2, 4, 6, 8], `${tier.name} ${T.name} alpha 0`);
    }
  }
});

t.test('the tier is chosen once and reported; forcing works', async (t) => {
  const listed = gemmTiers();
  // the threaded tier needs SIMD and at least two cores (SharedArrayBuffer and worker_threads are
  // always present in Node ≥ 20), so its availability is predicted, not read back from the list
  const cores = availableParallelism();
  t.same(listed.map((x) => x.available), [true, simdSupported(), simdSupported() && cores >= 2], `${cores} cores`);
  t.equal(createCpuBackend().describe().details?.gemm, 'js-tiled-4x4', 'the default stays the plain kernel');
  const fast = createFastCpuBackend().describe();
  const auto = chooseGemm();
  t.equal(fast.details?.gemm, auto.name, fast.implementation);
  await auto.close();
  if (simdSupported()) {
    t.equal(createCpuBackend({ tier: 'wasm' }).describe().details?.gemm, 'wasm-simd');
    const kernel = String(createCpuBackend({ tier: 'wasm' }).describe().details?.gemmKernel);
    t.match(kernel, relaxedSimdSupported() ? /^relaxed-SIMD FMA/ : /^SIMD mul \+ add/, `describe() names the kernels that run: ${kernel}`);
    t.match(auto.tier, /^wasm/);
  } else {
    t.throws(() => chooseGemm({ tier: 'wasm' }), /forced tier unavailable/);
    t.equal(auto.tier, 'js');
    t.ok(auto.fallbacks.length > 0, 'the fallback says why');
  }
});

t.teardown(async () => {
  for (const tier of tiers) await tier.close?.();
});
