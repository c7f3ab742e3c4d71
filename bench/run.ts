// npm run bench: the benchmark suites in Node. Flags in FLAGS below (`npm run bench -- --help`),
// parsed by the CLI's parser (flow/cli/args.ts).
// Results: <suite>.json, .md and .png in bench/results/quick/ (git-ignored) unless --full or --out
// (or RELGRAD_BENCH_RESULTS) say otherwise; each file records the command, commit and machine.

import { spawnSync } from 'node:child_process';
import { gradientSuite } from './gradients.js';
import { throughputSuite } from './throughput.js';
import { deepSuite } from './deep.js';
import { parseOrAnswer, UsageError, type FlagSpec } from '../flow/cli/args.js';
import type { GpuMode } from '../backends/gpu/options.js';
import { chooseOutput, OUTPUT_FLAGS, useOutput } from './lib/output.js';

type Suite = 'gradients' | 'throughput' | 'peer' | 'fairness' | 'step' | 'deep';
const ALL: Suite[] = ['step', 'deep', 'gradients', 'throughput', 'peer', 'fairness'];
const GPU_MODES = ['auto', 'headlessgl', 'webgl2', 'webgl', 'webgpu'] as const satisfies readonly GpuMode[];

const FLAGS: Record<string, FlagSpec> = {
  quick: { type: 'boolean', help: 'a small grid in about two minutes', default: false },
  suites: { type: 'list', help: 'the suites to run', choices: ALL, default: ALL },
  dims: { type: 'int-list', help: 'the D grid of the gradient suite (and the step suite\'s D) (default: 10,30,100,300,1000,2048,4096; --quick: 10,30,100)', positive: true },
  backends: { type: 'list', help: 'backends to measure (gpu = GPU.js on headless-gl, under xvfb-run)', choices: ['cpu', 'gpu'], default: ['cpu', 'gpu'] },
  'gpu-mode': { type: 'string', help: 'GPU.js mode for the gpu backend (see backends/gpu)', choices: GPU_MODES },
  'time-cap': { type: 'number', help: 'seconds one evaluation may take before it is stopped (default: 120; --quick: 20)', positive: true },
  'memory-cap': { type: 'number', help: 'MB the process may grow by in one cell (default: 8000; --quick: 2000)', positive: true },
  'max-gpu-dim': { type: 'int', help: 'largest D for the gpu backend (GPU.js is software-rendered here)', default: 1000, positive: true },
  ...OUTPUT_FLAGS,
};

const SUMMARY = 'Runs the benchmark suites in Node and writes <suite>.json, .md and .png with the command, commit and machine ' +
  '(to bench/results/quick/ unless --full or --out).';

export async function main(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer({ name: 'bench', helpHint: 'npm run bench -- --help' }, argv, FLAGS, SUMMARY, 'npm run bench -- [flags]');
  if (parsed === undefined) return;
  const f = parsed.flags;
  const quick = f.quick === true;
  if (f.full === true && f.dims !== undefined) throw new UsageError('bench: --full writes the committed results from the full grid; drop --dims (or use --out DIR)');
  useOutput(chooseOutput({ full: f.full === true, quick, out: f.out as string | undefined }, 'bench'));
  const suites = f.suites as Suite[];
  const dims = (f.dims as number[] | undefined) ?? (quick ? [10, 30, 100] : [10, 30, 100, 300, 1000, 2048, 4096]);
  const backends = f.backends as ('cpu' | 'gpu')[];
  // GPU.js in Node runs on headless-gl, which needs an X server: re-run under xvfb-run when needed
  if (backends.includes('gpu') && !process.env.DISPLAY && !process.env.RELGRAD_BENCH_XVFB) {
    const r = spawnSync('xvfb-run', ['-a', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, RELGRAD_BENCH_XVFB: '1' } });
    if (r.error) throw new Error(`bench: the gpu backend needs an X server for headless-gl and xvfb-run is not available (${r.error.message}); pass --backends cpu`);
    process.exitCode = r.status ?? 1;
    return;
  }
  const caps = {
    timeSeconds: (f['time-cap'] as number | undefined) ?? (quick ? 20 : 120),
    memoryMB: (f['memory-cap'] as number | undefined) ?? (quick ? 2000 : 8000),
  };
  const budgetSeconds = quick ? 0.3 : 2;
  const gpuMode = f['gpu-mode'] as string | undefined;
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
    const stepDims = (f.dims as number[] | undefined) ?? (quick ? [100, 256] : [100, 784, 2048]);
    await attempt('step', () => stepSuite({ dims: stepDims, dtypes: ['float32', 'float64'], linalgDims: quick ? [256] : [784, 2048], seconds: quick ? 0.5 : 3, log }));
  }
  if (suites.includes('deep')) {
    const deepDims = (f.dims as number[] | undefined) ?? (quick ? [30, 100] : [100, 784, 2048]);
    await attempt('deep', () => deepSuite({ dims: deepDims, depths: quick ? [3] : [3, 4], dtypes: ['float32', 'float64'], backends, gpuMode, caps, budgetSeconds: quick ? 1 : 5, log }));
  }
  if (suites.includes('gradients')) await attempt('gradients', () => gradientSuite({ dims, backends, gpuMode, caps, budgetSeconds, maxGpuDim: f['max-gpu-dim'] as number, log }));
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
