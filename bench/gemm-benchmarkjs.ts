// The engine issue's GEMM benchmark with Benchmark.js: GFLOP/s of the CPU backend's product
// (relgrad matmul, float64, the backend's default GEMM tier, through the engine) against
// ml-matrix's mmul on (100×D)·(D×D), D ∈ {256, 1024, 2048}, side by side in one run.
// Writes bench/results/gemm-benchmarkjs.json. (bench/gemm.ts has the wider tier/peer table.)
// Run: npm run bench:gemm -- [--dims 256,1024] [--full | --out DIR] (--help lists the flags)

import Benchmark from 'benchmark';
import { Matrix } from 'ml-matrix';
import { createCpuBackend } from '../backends/cpu/index.js';
import { fromHost } from '../engine/create.js';
import { matmul } from '../engine/ops.js';
import { Rng } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import { writeReport } from './lib/report.js';
import { parseOrAnswer, UsageError, type FlagSpec } from '../flow/cli/args.js';
import { chooseOutput, OUTPUT_FLAGS, useOutput } from './lib/output.js';

interface Row { dim: number; impl: string; hz: number; rme: number; samples: number; gflops: number }

function runSuite(dim: number, backend: ReturnType<typeof createCpuBackend>): Promise<Row[]> {
  const rng = new Rng(dim);
  const a = new Float64Array(100 * dim).map(() => rng.normal());
  const b = new Float64Array(dim * dim).map(() => rng.normal());
  const ta = fromHost(a, [100, dim], { backend });
  const tb = fromHost(b, [dim, dim], { backend });
  const ma = new Matrix(100, dim);
  const mb = new Matrix(dim, dim);
  for (let i = 0; i < 100; i++) for (let j = 0; j < dim; j++) ma.set(i, j, a[i * dim + j]);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) mb.set(i, j, b[i * dim + j]);
  const flops = 2 * 100 * dim * dim;
  const gemmName = String(backend.describe().details?.gemm ?? 'gemm');
  return new Promise((resolve) => {
    const rows: Row[] = [];
    new Benchmark.Suite(`D=${dim}`)
      .add(`relgrad matmul (${gemmName})`, () => tidy(() => void matmul(ta, tb).dataSync()), { minSamples: 5, maxTime: 2 })
      .add('ml-matrix mmul', () => void ma.mmul(mb), { minSamples: 3, maxTime: 2 })
      .on('cycle', (event: Benchmark.Event) => {
        const t = event.target as unknown as { name: string; hz: number; stats: { rme: number; sample: number[] } };
        const row = { dim, impl: t.name, hz: t.hz, rme: t.stats.rme, samples: t.stats.sample.length, gflops: (t.hz * flops) / 1e9 };
        rows.push(row);
        console.log(`D=${dim}  ${row.impl.padEnd(52)} ${row.gflops.toFixed(2).padStart(7)} GFLOP/s  ±${row.rme.toFixed(1)}%  (${row.samples} samples)`);
      })
      .on('complete', () => resolve(rows))
      .run({ async: false });
  });
}

const FLAGS: Record<string, FlagSpec> = {
  dims: { type: 'int-list', help: 'the D of (100×D)·(D×D)', default: [256, 1024, 2048], positive: true },
  ...OUTPUT_FLAGS,
};

async function main(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer({ name: 'bench:gemm', helpHint: 'npm run bench:gemm -- --help' }, argv, FLAGS,
    'GFLOP/s of relgrad\'s CPU matmul (float64) against ml-matrix\'s mmul on (100×D)·(D×D), with Benchmark.js; writes gemm-benchmarkjs.{json,md}.', 'npm run bench:gemm -- [flags]');
  if (parsed === undefined) return;
  const f = parsed.flags;
  useOutput(chooseOutput({ full: f.full === true, quick: false, out: f.out as string | undefined }, 'bench:gemm'));
  const dims = f.dims as number[];
  const backend = createCpuBackend({ tier: 'auto' });
  const rows: Row[] = [];
  for (const d of dims) rows.push(...(await runSuite(d, backend)));
  const table = dims.map((d) => {
    const ours = rows.find((r) => r.dim === d && r.impl.startsWith('relgrad'));
    const theirs = rows.find((r) => r.dim === d && r.impl === 'ml-matrix mmul');
    return [d, ours?.gflops.toFixed(2) ?? '-', theirs?.gflops.toFixed(2) ?? '-', ours && theirs ? `${(ours.gflops / theirs.gflops).toFixed(1)}×` : '-'];
  });
  const files = writeReport({
    name: 'gemm-benchmarkjs',
    title: 'GEMM (100×D)·(D×D), float64, Benchmark.js: relgrad vs ml-matrix',
    config: { dims, backend: backend.describe() },
    results: rows,
    table: { header: ['D', 'relgrad GFLOP/s', 'ml-matrix GFLOP/s', 'ratio'], rows: table },
  });
  console.log(`written:\n${files.map((f) => `  ${f}`).join('\n')}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
