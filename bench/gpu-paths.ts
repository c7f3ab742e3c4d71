// Benchmark of the GPU backend on every path this machine offers: a 256 and a 1024 float32
// matmul timed through a read-back, and the max error against the CPU backend.
//   npx tsc -p tsconfig.json && node dist/bench/gpu-paths.js   (from the repository root)
// Paths: Node + headless-gl (child under xvfb-run -a), Node + WebGPU (Dawn, OpenGL ES backend),
// headless Chromium webgl2 and webgpu (SwiftShader). Prints a table; writes gpu-paths.json in
// bench/results/quick/ (--full: bench/results/; --out DIR). A path that fails is reported with its
// error, not dropped.

import { join } from 'node:path';
import { runInChromium, runInNode, writeJson } from '../tools/launch.js';
import { parseOrExit } from '../flow/cli/args.js';
import { chooseOutput, OUTPUT_FLAGS, provenance, useOutput } from './lib/output.js';
import { resultsDir } from './lib/report.js';
import type { PathResult } from './browser/matmul-entry.js';

const ENTRY = 'bench/browser/matmul-entry.ts';
const SIZES = [256, 1024];
const REPS = [5, 3];

interface PathRow {
  path: string;
  ok: boolean;
  result?: PathResult;
  error?: string;
}

const paths: { path: string; run: () => Promise<unknown> }[] = [
  { path: 'node + headless-gl (xvfb)', run: () => runInNode(ENTRY, { xvfb: true, args: { mode: 'headlessgl', sizes: SIZES, reps: REPS } }) },
  {
    path: 'node + webgpu (dawn opengles)',
    run: () => runInNode(ENTRY, { args: { mode: 'webgpu', sizes: SIZES, reps: REPS }, env: { XDG_RUNTIME_DIR: '/tmp', EGL_PLATFORM: 'surfaceless' } }),
  },
  { path: 'chromium webgl2 (swiftshader)', run: () => runInChromium(ENTRY, { args: { mode: 'webgl2', sizes: SIZES, reps: REPS } }) },
  { path: 'chromium webgpu (swiftshader)', run: () => runInChromium(ENTRY, { args: { mode: 'webgpu', sizes: SIZES, reps: REPS } }) },
];

async function main(): Promise<void> {
  const { flags } = parseOrExit({ name: 'bench/gpu-paths', helpHint: 'node dist/bench/gpu-paths.js --help' }, process.argv.slice(2), OUTPUT_FLAGS,
    'Times a 256 and a 1024 float32 matmul on every GPU path of this machine (headless-gl, WebGPU in Node, Chromium webgl2 and webgpu) and checks it against the CPU; writes gpu-paths.json.',
    'node dist/bench/gpu-paths.js [flags]');
  useOutput(chooseOutput({ full: flags.full === true, out: flags.out as string | undefined }, 'bench/gpu-paths'));
  const rows: PathRow[] = [];
  for (const { path, run } of paths) {
    try {
      rows.push({ path, ok: true, result: (await run()) as PathResult });
    } catch (err) {
      rows.push({ path, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const header = ['path', 'kernel class', ...SIZES.flatMap((n) => [`${n} ms`, `${n} GFLOP/s`, `${n} max err`])];
  const lines = rows.map((r) => {
    if (!r.ok || r.result === undefined) return [r.path, `FAILED: ${r.error?.split('\n')[0] ?? ''}`];
    return [r.path, r.result.kernelClass, ...r.result.timings.flatMap((t) => [t.medianMs.toFixed(1), t.gflops.toFixed(2), t.maxAbsErr.toExponential(2)])];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmtRow = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? c.length)).join(' | ');
  console.log(fmtRow(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const l of lines) console.log(fmtRow(l));
  const out = join(resultsDir(), 'gpu-paths.json');
  writeJson(out, { ...provenance(), date: new Date().toISOString(), sizes: SIZES, reps: REPS, note: 'median of reps; matmul + read-back; inputs resident', rows });
  console.log(`wrote ${out}`);
}

void main();
