// Suite 5, fairness: the relative and ordinary gradients written directly on typed arrays (the
// CPU backend's GEMM, the best available LU inverse, no engine), and the same two in NumPy
// (OpenBLAS) when python3 with numpy is present. If the speed-up ordinary/relative holds in both,
// it is algorithmic, not an artefact of a slow baseline (TOOLCHAIN.md: an inverse much slower than
// the products would inflate it).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { existsSync } from 'node:fs';
import type { Gemm } from '../backends/cpu/gemm.js';
import { chooseGemm } from '../backends/cpu/runtime.js';
import { createLu } from '../backends/cpu/lu-blocked.js';
import { nearIdentityHost, Rng } from '../engine/random.js';
import { sigmoid as sig, softplus } from '../flow/host-math.js';
import { median, timeRuns } from './lib/stats.js';
import { fmtSeconds, writeReport } from './lib/report.js';

type Inverse = (a: Float64Array, n: number) => Float64Array;

interface Tools {
  gemm: Gemm;
  gemmName: string;
  inverse: Inverse;
  inverseName: string;
}

/** The CPU backend's best GEMM tier and a blocked LU on the same GEMM (inverse of equal quality). */
function bestTools(): Tools {
  const choice = chooseGemm();
  const lu = createLu(choice.gemm);
  return {
    gemm: choice.gemm,
    gemmName: choice.name,
    inverse: (a, n) => lu.inv(a, { batch: 1, n }) as Float64Array,
    inverseName: `blocked LU on ${choice.name}`,
  };
}

const ALPHA = 0.3;

/** Two-layer flow, smooth leaky ReLU, standard normal base: Δ by hand (docs/method.md). */
function problem(d: number, batch: number, seed: number): { W: Float64Array[]; b: Float64Array[]; x: Float64Array } {
  const rng = new Rng(seed);
  const x = new Float64Array(batch * d).map(() => rng.normal());
  const b = [0, 1].map(() => new Float64Array(d).map(() => 0.1 * rng.normal()));
  return { W: [nearIdentityHost(d, seed + 1), nearIdentityHost(d, seed + 2)], b, x };
}

function gradients(t: Tools, p: ReturnType<typeof problem>, d: number, B: number, method: 'relative' | 'ordinary'): Float64Array[] {
  const { gemm } = t;
  const mm = (a: Float64Array, transA: boolean, bm: Float64Array, transB: boolean, m: number, n: number, k: number, c: Float64Array, alpha = 1, beta = 0): void =>
    gemm({ transA, transB, m, n, k, alpha, a, aOffset: 0, lda: transA ? m : k, b: bm, bOffset: 0, ldb: transB ? k : n, beta, c, cOffset: 0, ldc: n });
  const Y1 = new Float64Array(B * d);
  for (let r = 0; r < B; r++) Y1.set(p.b[0], r * d);
  mm(p.x, false, p.W[0], true, B, d, d, Y1, 1, 1);
  const Z1 = Y1.map((y) => ALPHA * y + (1 - ALPHA) * softplus(y));
  const S = new Float64Array(B * d);
  for (let r = 0; r < B; r++) S.set(p.b[1], r * d);
  mm(Z1, false, p.W[1], true, B, d, d, S, 1, 1);
  const D2 = S; // -score of the standard normal
  const back = new Float64Array(B * d);
  mm(D2, false, p.W[1], false, B, d, d, back);
  const D1 = new Float64Array(B * d);
  for (let i = 0; i < D1.length; i++) {
    const s = sig(Y1[i]);
    const d1 = ALPHA + (1 - ALPHA) * s;
    D1[i] = d1 * back[i] - ((1 - ALPHA) * s * (1 - s)) / d1;
  }
  const out: Float64Array[] = [];
  const layers: [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array][] = [
    [D1, Y1, p.x, p.W[0], p.b[0]],
    [D2, S, Z1, p.W[1], p.b[1]],
  ];
  for (const [delta, y, z, W, b] of layers) {
    const g = new Float64Array(d);
    for (let r = 0; r < B; r++) for (let j = 0; j < d; j++) g[j] += delta[r * d + j] / B;
    const dW = new Float64Array(d * d);
    const db = new Float64Array(d);
    if (method === 'relative') {
      // dW = (1/B) Δᵀ (Y W) - W;  db = (1/B) Δᵀ (Y b) + g - b
      const yW = new Float64Array(B * d);
      mm(y, false, W, false, B, d, d, yW);
      for (let i = 0; i < dW.length; i++) dW[i] = -W[i];
      mm(delta, true, yW, false, d, d, B, dW, 1 / B, 1);
      const yb = new Float64Array(B);
      for (let r = 0; r < B; r++) for (let j = 0; j < d; j++) yb[r] += y[r * d + j] * b[j];
      for (let r = 0; r < B; r++) for (let j = 0; j < d; j++) db[j] += (delta[r * d + j] * yb[r]) / B;
      for (let j = 0; j < d; j++) db[j] += g[j] - b[j];
    } else {
      // G = (1/B) Δᵀ Z - W^{-T};  g
      const Winv = t.inverse(W, d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) dW[i * d + j] = -Winv[j * d + i];
      mm(delta, true, z, false, d, d, B, dW, 1 / B, 1);
      db.set(g);
    }
    out.push(dW, db);
  }
  return out;
}

function numpyRatios(dims: number[], runs: number): { dim: number; relative: number; ordinary: number }[] | string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'fairness_numpy.py'), join(here, '..', '..', 'bench', 'fairness_numpy.py')];
  const script = candidates.find((p) => existsSync(p));
  if (!script) return 'fairness_numpy.py not found';
  const r = spawnSync('python3', [script, dims.join(','), String(runs)], { encoding: 'utf8', timeout: 600_000 });
  if (r.error) return `python3 not available (${r.error.message})`;
  if (r.status !== 0) return `python3/numpy failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  return JSON.parse(r.stdout) as { dim: number; relative: number; ordinary: number }[];
}

export async function fairnessSuite(o: { dims: number[]; quick: boolean; log: (l: string) => void }): Promise<{ files: string[] }> {
  const tools = bestTools();
  const B = 100;
  const rows: (string | number)[][] = [];
  const results: Record<string, unknown>[] = [];
  const numpy = numpyRatios(o.dims, o.quick ? 3 : 7);
  for (const d of o.dims) {
    const p = problem(d, B, 0);
    const cell: Record<string, unknown> = { dim: d };
    for (const method of ['relative', 'ordinary'] as const) {
      o.log(`fairness: typed arrays ${method} D=${d} ...`);
      const samples = await timeRuns(() => gradients(tools, p, d, B, method), { budgetSeconds: o.quick ? 0.5 : 3, minRuns: 3, maxRuns: 15, warmup: 1 });
      cell[method] = { samples, median: median(samples) };
    }
    const rel = (cell.relative as { median: number }).median;
    const ord = (cell.ordinary as { median: number }).median;
    const np = Array.isArray(numpy) ? numpy.find((n) => n.dim === d) : undefined;
    cell.numpy = np ?? null;
    results.push(cell);
    rows.push([d, fmtSeconds(rel), fmtSeconds(ord), `${(ord / rel).toFixed(1)}×`, np ? fmtSeconds(np.relative) : '-', np ? fmtSeconds(np.ordinary) : '-', np ? `${(np.ordinary / np.relative).toFixed(1)}×` : '-']);
  }
  const files = writeReport({
    name: 'fairness',
    title: 'Fairness: relative vs ordinary gradient on plain typed arrays and in NumPy (B=100, L=2)',
    config: { dims: o.dims, batch: B, gemm: tools.gemmName, inverse: tools.inverseName },
    results: { typedArrays: results, numpy: Array.isArray(numpy) ? numpy : { unavailable: numpy } },
    table: { header: ['D', 'relative (typed arrays)', 'ordinary (typed arrays)', 'ratio', 'relative (numpy)', 'ordinary (numpy)', 'ratio (numpy)'], rows },
    notes: [`typed arrays: GEMM ${tools.gemmName}, inverse ${tools.inverseName}`, Array.isArray(numpy) ? 'numpy: np.linalg.inv and @ (OpenBLAS), float64, same formulas' : `numpy: ${numpy}`],
  });
  return { files };
}

export { gradients as fairnessGradients, problem as fairnessProblem };
