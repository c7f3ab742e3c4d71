// Suite "step": relgrad against the same arithmetic in plain NumPy, side by side in one run.
// (1) the relative-gradient step of the two-layer flow (B = 100, smooth leaky ReLU 0.3, normal
// base, biases) through the public `flow.gradient(x, 'relative')`; (2) the products that step
// uses, (100×D)·(D×D)ᵀ, (100×D)·(D×D), (100×D)ᵀ·(100×D), as GFLOP/s through `matmul`;
// (3) `inv` and `slogdet`. NumPy runs bench/step_numpy.py with OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE removed from its environment (on some machines they are set and slow NumPy
// 2–3×, which would flatter relgrad) and reports the OpenBLAS kernel and thread count it used.
// Medians; each cell runs for about `seconds`.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend, inv, matmul, randn, slogdet, tensor, tidy, type Tensor } from '../index.js';
import { Flow } from '../flow/index.js';
import { median, timeRuns } from './lib/stats.js';
import { fmtSeconds, writeReport } from './lib/report.js';

type DType = 'float32' | 'float64';

export interface StepSuiteOptions {
  dims: number[];
  dtypes: DType[];
  /** D for inv / slogdet. */
  linalgDims: number[];
  /** Seconds per cell (a median of as many runs as fit, at least 5). */
  seconds: number;
  log: (line: string) => void;
}

interface NumpyOutput {
  numpy: string;
  openblas: { corename: string; config: string; threads: number | null };
  env: Record<string, string | null>;
  steps: { dtype: DType; dim: number; seconds: number }[];
  gemms: { dtype: DType; dim: number; shape: string; seconds: number }[];
  linalg: { dtype: DType; dim: number; op: string; seconds: number }[];
}

/** Median seconds of fn over about `seconds` (at least 5 runs, at most 200, after one warm-up). */
async function timed(fn: () => void, seconds: number): Promise<number> {
  return median(await timeRuns(fn, { budgetSeconds: seconds, minRuns: 5, maxRuns: 200, warmup: 1 }));
}

function runNumpy(o: StepSuiteOptions): NumpyOutput | string {
  const here = dirname(fileURLToPath(import.meta.url));
  const script = [join(here, 'step_numpy.py'), join(here, '..', '..', 'bench', 'step_numpy.py')].find((p) => existsSync(p));
  if (!script) return 'step_numpy.py not found';
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE; // unset in this command alone: a handicapped anchor flatters relgrad
  delete env.OPENBLAS_L2_SIZE;
  const args = JSON.stringify({ dims: o.dims, dtypes: o.dtypes, seconds: o.seconds, linalg: o.linalgDims });
  const r = spawnSync('python3', [script, args], { encoding: 'utf8', env, timeout: 1_800_000, maxBuffer: 1 << 24 });
  if (r.error) return `python3 not available (${r.error.message})`;
  if (r.status !== 0) return `python3/numpy failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  return JSON.parse(r.stdout) as NumpyOutput;
}

const GEMM_SHAPES: { shape: string; label: string; transA: boolean; transB: boolean; square: 'b' | 'none' }[] = [
  { shape: 'XWt', label: '(100×D)·(D×D)ᵀ', transA: false, transB: true, square: 'b' },
  { shape: 'XW', label: '(100×D)·(D×D)', transA: false, transB: false, square: 'b' },
  { shape: 'AtB', label: '(100×D)ᵀ·(100×D)', transA: true, transB: false, square: 'none' },
];

export async function stepSuite(o: StepSuiteOptions): Promise<{ files: string[] }> {
  const implementation = getBackend().describe().implementation;
  const ours = { steps: [] as { dtype: DType; dim: number; seconds: number }[], gemms: [] as { dtype: DType; dim: number; shape: string; seconds: number }[], linalg: [] as { dtype: DType; dim: number; op: string; seconds: number }[] };
  for (const dtype of o.dtypes) {
    for (const dim of o.dims) {
      const flow = Flow.create({ dim, layers: 2, activation: 'smooth-leaky-relu', alpha: 0.3, base: 'normal', bias: true, dtype, init: 'near-identity', seed: 0 });
      const x = randn([100, dim], { seed: 1, dtype });
      const seconds = await timed(() => tidy(() => {
        const g = flow.gradient(x, 'relative');
        for (const t of [...g.dW, ...g.db]) t.dataSync();
      }), o.seconds);
      ours.steps.push({ dtype, dim, seconds });
      o.log(`step: relgrad ${dtype} D=${dim}: ${fmtSeconds(seconds)}`);
      flow.dispose();
      const a = randn([100, dim], { seed: 2, dtype });
      const w = randn([dim, dim], { seed: 3, dtype });
      for (const s of GEMM_SHAPES) {
        const run = (): void => tidy(() => { (s.square === 'b' ? matmul(a, w, { transB: s.transB }) : matmul(a, a, { transA: true })).dataSync(); });
        ours.gemms.push({ dtype, dim, shape: s.shape, seconds: await timed(run, o.seconds / 3) });
      }
      for (const t of [x, a, w] as Tensor[]) t.dispose();
    }
    for (const dim of o.linalgDims) {
      // A = N(0,1)/√D + 2I, well conditioned (the NumPy side uses the same recipe)
      const host = Float64Array.from(randn([dim, dim], { seed: 4, dtype: 'float64' }).dataSync(), (v) => v / Math.sqrt(dim));
      for (let i = 0; i < dim; i++) host[i * dim + i] += 2;
      const a = tensor(host, [dim, dim], { dtype });
      ours.linalg.push({ dtype, dim, op: 'inv', seconds: await timed(() => tidy(() => { inv(a).dataSync(); }), o.seconds) });
      ours.linalg.push({ dtype, dim, op: 'slogdet', seconds: await timed(() => tidy(() => { slogdet(a).logabsdet.dataSync(); }), o.seconds) });
      o.log(`step: relgrad ${dtype} inv/slogdet D=${dim} done`);
      a.dispose();
    }
  }
  o.log('step: NumPy (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset) ...');
  const np = runNumpy(o);
  const npOk = typeof np !== 'string';
  const ratio = (mine: number, theirs: number | undefined): string => (theirs === undefined ? '-' : `${(mine / theirs).toFixed(2)}×`);
  const rows: (string | number)[][] = [];
  for (const s of ours.steps) {
    const n = npOk ? np.steps.find((q) => q.dtype === s.dtype && q.dim === s.dim) : undefined;
    rows.push(['relative step', s.dtype, s.dim, fmtSeconds(s.seconds), fmtSeconds(n?.seconds), ratio(s.seconds, n?.seconds)]);
  }
  for (const g of ours.gemms) {
    const n = npOk ? np.gemms.find((q) => q.dtype === g.dtype && q.dim === g.dim && q.shape === g.shape) : undefined;
    const flops = 2 * 100 * g.dim * g.dim;
    const label = GEMM_SHAPES.find((s) => s.shape === g.shape)?.label ?? g.shape;
    const gf = (s: number | undefined): string => (s === undefined ? '-' : `${(flops / s / 1e9).toFixed(1)} GFLOP/s`);
    rows.push([`GEMM ${label}`, g.dtype, g.dim, gf(g.seconds), gf(n?.seconds), n ? `${((100 * n.seconds) / g.seconds).toFixed(0)}% of NumPy` : '-']);
  }
  for (const l of ours.linalg) {
    const n = npOk ? np.linalg.find((q) => q.dtype === l.dtype && q.dim === l.dim && q.op === l.op) : undefined;
    rows.push([l.op, l.dtype, l.dim, fmtSeconds(l.seconds), fmtSeconds(n?.seconds), ratio(l.seconds, n?.seconds)]);
  }
  const files = writeReport({
    name: 'step',
    title: 'relgrad vs NumPy on the same cores: relative-gradient step, its products, inv/slogdet',
    config: { dims: o.dims, dtypes: o.dtypes, linalgDims: o.linalgDims, seconds: o.seconds, batch: 100, layers: 2 },
    results: { relgrad: { implementation, ...ours }, numpy: npOk ? np : { unavailable: np } },
    table: { header: ['what', 'dtype', 'D', 'relgrad', 'NumPy', 'relgrad/NumPy'], rows },
    notes: [
      `relgrad: ${implementation}`,
      npOk
        ? `NumPy ${np.numpy}, OpenBLAS kernel ${np.openblas.corename}, ${np.openblas.threads ?? '?'} threads (${np.openblas.config}); OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for this command`
        : `NumPy: ${np}`,
      'relative step = flow.gradient(x, "relative") incl. reading every output; GEMM through matmul incl. allocating the result; medians',
    ],
  });
  return { files };
}
