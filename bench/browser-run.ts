// npm run bench:browser: bundles the gradient suite with esbuild, runs it in headless Chromium
// (Debian's chromium via playwright-core) on the CPU and GPU.js (webgl2) backends, and writes
// browser-gradients.{json,md,png}; then the deep model's training step (browser/deep-step-entry.ts)
// in Chromium (CPU WebAssembly, GPU.js WebGL2, labelled software rendering when the WebGL renderer
// is a software rasteriser) next to the same step in a Node child (CPU), written as
// browser-deep-step.{json,md}. In bench/results/quick/ (--full: the committed bench/results/;
// --out DIR). Flags in FLAGS below (`npm run bench:browser -- --help`).

import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { runInChromium, runInNode } from '../tools/launch.js';
import type { BrowserArgs, BrowserCell } from './browser/gradients-entry.js';
import type { DeepStepArgs, DeepStepCell } from './browser/deep-step-entry.js';
import { fmtSeconds, writeReport } from './lib/report.js';
import { parseOrAnswer, UsageError, type FlagSpec } from '../flow/cli/args.js';
import { chooseOutput, OUTPUT_FLAGS, useOutput } from './lib/output.js';

const here = dirname(fileURLToPath(import.meta.url));

const FLAGS: Record<string, FlagSpec> = {
  quick: { type: 'boolean', help: 'a small grid', default: false },
  dims: { type: 'int-list', help: 'the D grid (default: 10,30,100,300,1000; --quick: 10,30,100)', positive: true },
  cap: { type: 'number', help: 'seconds one cell may take before it is stopped (default: 30; --quick: 5)', positive: true },
  suites: { type: 'list', help: 'which suites to run', default: ['gradients', 'deep-step'], choices: ['gradients', 'deep-step'] },
  'deep-dims': { type: 'int-list', help: 'the D grid of the deep step (default: 2,100,784; --quick: 8)', positive: true },
  depth: { type: 'int', help: 'dense layers of the deep model (deepStack)', default: 4, positive: true },
  ...OUTPUT_FLAGS,
};

const SUMMARY = 'Runs the gradient suite (relative, ordinary, autodiff) in headless Chromium on the CPU and GPU.js webgl2 backends ' +
  'and writes browser-gradients.{json,md,png}; then the deep model\'s Adam training step in Chromium (CPU, GPU.js webgl2) and in Node (CPU), ' +
  'written as browser-deep-step.{json,md}.';

async function main(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer({ name: 'bench:browser', helpHint: 'npm run bench:browser -- --help' }, argv, FLAGS, SUMMARY, 'npm run bench:browser -- [flags]');
  if (parsed === undefined) return;
  const f = parsed.flags;
  const quick = f.quick === true;
  useOutput(chooseOutput({ full: f.full === true, quick, out: f.out as string | undefined }, 'bench:browser'));
  const suites = f.suites as string[];
  if (suites.includes('gradients')) await gradientSuite(f, quick);
  if (suites.includes('deep-step')) {
    const dims = (f['deep-dims'] as number[] | undefined) ?? (quick ? [8] : [2, 100, 784]);
    await deepStepSuite({ dims, depth: f.depth as number, budgetSeconds: quick ? 0.5 : 3, maxRuns: quick ? 10 : 30 });
  }
}

async function gradientSuite(f: Record<string, unknown>, quick: boolean): Promise<void> {
  const dims = (f.dims as number[] | undefined) ?? (quick ? [10, 30, 100] : [10, 30, 100, 300, 1000]);
  const args: BrowserArgs = {
    dims,
    methods: ['relative', 'ordinary', 'autodiff'],
    backends: ['cpu', 'gpu'],
    capSeconds: (f.cap as number | undefined) ?? (quick ? 5 : 30),
    budgetSeconds: quick ? 0.3 : 2,
  };
  // the TypeScript source, found from dist/bench or from bench/
  const entry = join(here, '..', '..', 'bench', 'browser', 'gradients-entry.ts');
  console.log(`bench:browser: running ${dims.join(',')} in headless Chromium ...`);
  const out = (await runInChromium(entry, { args, timeoutMs: 3_600_000, onConsole: (l) => console.log(`[page] ${l}`) })) as { userAgent: string; cells: BrowserCell[] };
  const find = (b: string, m: string, d: number): BrowserCell | undefined => out.cells.find((c) => c.backend === b && c.method === m && c.dim === d);
  const show = (c?: BrowserCell): string => (c === undefined ? '-' : c.status === 'ok' ? fmtSeconds(c.median) : c.status);
  const rows: (string | number)[][] = [];
  for (const b of args.backends) {
    for (const d of dims) {
      const rel = find(b, 'relative', d);
      const ord = find(b, 'ordinary', d);
      const aut = find(b, 'autodiff', d);
      const r = (x?: BrowserCell): string => (x?.status === 'ok' && rel?.status === 'ok' && x.median && rel.median ? `${(x.median / rel.median).toFixed(1)}×` : '-');
      rows.push([b, d, show(rel), show(ord), show(aut), r(ord), r(aut)]);
    }
  }
  const files = writeReport({
    name: 'browser-gradients',
    title: 'Gradient cost vs D in headless Chromium (B=100, L=2)',
    config: { ...args, userAgent: out.userAgent, implementations: [...new Set(out.cells.map((c) => `${c.backend}: ${c.implementation}`))] },
    results: out.cells,
    table: { header: ['backend', 'D', 'relative', 'ordinary', 'autodiff', 'ordinary/relative', 'autodiff/relative'], rows },
    notes: out.cells.filter((c) => c.status !== 'ok').map((c) => `${c.backend} ${c.method} D=${c.dim}: ${c.status}: ${c.reason}`),
    plot: {
      series: args.backends.flatMap((b) => args.methods.map((m) => ({ name: `${m} ${b}`, points: dims.flatMap((d) => { const c = find(b, m, d); return c?.status === 'ok' && c.median ? [[d, c.median] as [number, number]] : []; }) }))),
      xLabel: 'D',
      yLabel: 'seconds per gradient',
    },
  });
  console.log(`written:\n${files.map((f) => `  ${f}`).join('\n')}`);
}

/** The deep model's training step in Chromium (CPU, GPU.js WebGL2) and in a Node child (CPU), side by side. */
async function deepStepSuite(o: { dims: number[]; depth: number; budgetSeconds: number; maxRuns: number }): Promise<void> {
  const entry = join(here, '..', '..', 'bench', 'browser', 'deep-step-entry.ts');
  const base = { dims: o.dims, depth: o.depth, dtypes: ['float32', 'float64'] as ('float32' | 'float64')[], budgetSeconds: o.budgetSeconds, maxRuns: o.maxRuns };
  console.log(`bench:browser: the deep model's step (depth ${o.depth}, D ${o.dims.join(',')}) in headless Chromium ...`);
  const chromium = (await runInChromium(entry, { args: { ...base, where: 'chromium', backends: ['cpu', 'gpu'] } satisfies DeepStepArgs, timeoutMs: 3_600_000 })) as { agent: string; renderer: string; cells: DeepStepCell[] };
  console.log('bench:browser: the same step in Node ...');
  const node = (await runInNode(entry, { args: { ...base, where: 'node', backends: ['cpu'] } satisfies DeepStepArgs, timeoutMs: 3_600_000 })) as { agent: string; cells: DeepStepCell[] };
  const cells = [...chromium.cells, ...node.cells];
  const nodeCell = (c: DeepStepCell): DeepStepCell | undefined => node.cells.find((n) => n.status === 'ok' && n.dim === c.dim && n.dtype === c.dtype);
  const rows = cells.map((c) => {
    const ref = nodeCell(c);
    const ratio = c.where === 'chromium' && c.median !== undefined && ref?.median !== undefined ? `${(c.median / ref.median).toFixed(2)}×` : '-';
    return [c.where, c.label, c.dtype, c.dim, c.status === 'ok' ? fmtSeconds(c.median) : c.status, ratio];
  });
  const files = writeReport({
    name: 'browser-deep-step',
    title: `Deep model (deepStack depth ${o.depth}) Adam training step, B = 100: headless Chromium vs Node`,
    config: { ...base, chromium: chromium.agent, webglRenderer: chromium.renderer, node: node.agent, implementations: [...new Set(cells.map((c) => `${c.where} ${c.label}: ${c.implementation}`))] },
    results: cells,
    table: { header: ['where', 'backend', 'dtype', 'D', 'step (median)', 'vs Node CPU'], rows },
    notes: [
      'step: relative gradient of every layer, Adam on every parameter, every new parameter read back (bench/deep.ts train-step)',
      ...cells.filter((c) => c.status !== 'ok').map((c) => `${c.where} ${c.label} D=${c.dim}: ${c.reason ?? ''}`),
    ],
  });
  console.log(`written:\n${files.map((f) => `  ${f}`).join('\n')}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
