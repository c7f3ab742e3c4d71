// npm run bench: the benchmark suites in Node. Flags:
//   --quick            a small grid in about two minutes
//   --suites a,b       any of step, gradients, throughput, peer, fairness (default: all)
//   --dims 10,30,...   the D grid of the gradient suite
//   --backends cpu,gpu backends to measure (default both; gpu = GPU.js on headless-gl, under xvfb-run)
//   --gpu-mode MODE    GPU.js mode for the gpu backend (see backends/gpu)
//   --time-cap S       seconds one evaluation may take before it is stopped
//   --memory-cap MB    MB the process may grow by in one cell
//   --max-gpu-dim D    largest D for the gpu backend (default 1000: GPU.js is software-rendered here)
//   --full             write the committed results, bench/results/ (only with the full grid)
//   --out DIR          write the results to DIR
// Results: <suite>.json, .md and .png in bench/results/quick/ (git-ignored) unless --full or --out
// (or RELGRAD_BENCH_RESULTS) say otherwise; each file records the command, commit and machine.

import { spawnSync } from 'node:child_process';
import { gradientSuite } from './gradients.js';
import { throughputSuite } from './throughput.js';
import { chooseOutput, useOutput } from './lib/output.js';

type Suite = 'gradients' | 'throughput' | 'peer' | 'fairness' | 'step';
const ALL: Suite[] = ['step', 'gradients', 'throughput', 'peer', 'fairness'];

function parse(argv: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`bench: unexpected argument '${a}'`);
    const key = a.slice(2);
    const known = ['quick', 'full', 'out', 'suites', 'dims', 'backends', 'gpu-mode', 'time-cap', 'memory-cap', 'max-gpu-dim'];
    if (!known.includes(key)) throw new Error(`bench: unknown flag --${key} (known: ${known.map((k) => `--${k}`).join(' ')})`);
    if (key === 'quick' || key === 'full') out[key] = true;
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: --${key} needs a value`);
      out[key] = v;
    }
  }
  return out;
}

const list = (v: string | true | undefined): string[] | undefined => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

export async function main(argv: string[]): Promise<void> {
  const f = parse(argv);
  const quick = f.quick === true;
  if (f.full === true && f.dims !== undefined) throw new Error('bench: --full writes the committed results from the full grid; drop --dims (or use --out DIR)');
  useOutput(chooseOutput({ full: f.full === true, quick, out: typeof f.out === 'string' ? f.out : undefined }, 'bench'));
  const suites = (list(f.suites) ?? ALL) as Suite[];
  for (const s of suites) if (!ALL.includes(s)) throw new Error(`bench: unknown suite '${s}' (known: ${ALL.join(', ')})`);
  const dims = (list(f.dims) ?? (quick ? ['10', '30', '100'] : ['10', '30', '100', '300', '1000', '2048', '4096'])).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`bench: --dims must be positive integers`);
  const backends = (list(f.backends) ?? ['cpu', 'gpu']) as ('cpu' | 'gpu')[];
  for (const b of backends) if (b !== 'cpu' && b !== 'gpu') throw new Error(`bench: unknown backend '${String(b)}' (cpu, gpu)`);
  // GPU.js in Node runs on headless-gl, which needs an X server: re-run under xvfb-run when needed
  if (backends.includes('gpu') && !process.env.DISPLAY && !process.env.RELGRAD_BENCH_XVFB) {
    const r = spawnSync('xvfb-run', ['-a', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, RELGRAD_BENCH_XVFB: '1' } });
    if (r.error) throw new Error(`bench: the gpu backend needs an X server for headless-gl and xvfb-run is not available (${r.error.message}); pass --backends cpu`);
    process.exitCode = r.status ?? 1;
    return;
  }
  const caps = {
    timeSeconds: Number(f['time-cap'] ?? (quick ? 20 : 120)),
    memoryMB: Number(f['memory-cap'] ?? (quick ? 2000 : 8000)),
  };
  const budgetSeconds = quick ? 0.3 : 2;
  const gpuMode = typeof f['gpu-mode'] === 'string' ? f['gpu-mode'] : undefined;
  const log = (line: string): void => console.log(line);
  const files: string[] = [];
  const failures: string[] = [];
  const attempt = async (name: string, fn: () => Promise<{ files: string[] }>): Promise<void> => {
    try {
      files.push(...(await fn()).files);
    } catch (err) {
      const msg = `${name}: ${err instanceof Error ? err.message : String(err)}`;
      failures.push(msg);
      console.error(`suite failed: ${msg}`);
    }
  };
  if (suites.includes('step')) {
    const { stepSuite } = await import('./step.js');
    const stepDims = list(f.dims)?.map(Number) ?? (quick ? [100, 256] : [100, 784, 2048]);
    await attempt('step', () => stepSuite({ dims: stepDims, dtypes: ['float32', 'float64'], linalgDims: quick ? [256] : [784, 2048], seconds: quick ? 0.5 : 3, log }));
  }
  if (suites.includes('gradients')) await attempt('gradients', () => gradientSuite({ dims, backends, gpuMode, caps, budgetSeconds, maxGpuDim: Number(f['max-gpu-dim'] ?? 1000), log }));
  if (suites.includes('throughput')) await attempt('throughput', () => throughputSuite({ backends, gpuMode, caps, budgetSeconds: quick ? 1 : 5, dim: quick ? 256 : 784, mnistEpoch: !quick, log }));
  if (suites.includes('peer')) {
    const { peerSuite } = await import('./peer.js');
    // in-process cells: a tighter cap keeps the slow peers' predicted cells from running for minutes
    await attempt('peer', () => peerSuite({ dims, quick, caps: { ...caps, timeSeconds: Math.min(caps.timeSeconds, 30) }, log }));
  }
  if (suites.includes('fairness')) {
    const { fairnessSuite } = await import('./fairness.js');
    await attempt('fairness', () => fairnessSuite({ dims: dims.filter((d) => d >= 100 && d <= 2048), quick, log }));
  }
  console.log(`written:\n${files.map((p) => `  ${p}`).join('\n')}`);
  if (failures.length > 0) {
    console.error(`${failures.length} suite(s) failed:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 2;
});
