// Where one relative-gradient step's time goes. Runs the public `flow.gradient(x, 'relative')`
// (B = 100, CPU backend; the paper model: two dense layers, smooth leaky ReLU 0.3, normal base; or
// with --model deep the deep stack affine → spline → (dense → spline) × depth) under V8's sampling
// profiler (node:inspector), then attributes every sample's self time to a category by the
// function and file it was taken in: GEMM (WebAssembly kernels, the GEMM driver, packing and
// thread hand-off), waiting for GEMM workers (Atomics.wait), element-wise passes, allocation,
// garbage collection, layout (transpose/expand/slice/reductions), tape and dispatch (engine/),
// spline kernels, flow code, and the rest. Writes bench/results/profile.{json,md}
// (profile-deep.{json,md} for the deep model; or --out DIR).
// V8 inlines small functions into their callers, so a kernel loop inlined into the op that
// called it is booked to that op's file; the table says so.
// Usage: npm run bench:profile [-- --dims 100,784,2048] [--dtypes float32,float64] [--model paper|deep] [--depth N] [--seconds S] [--out DIR]

import { Session, type Profiler } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getBackend, randn, setBackend, tidy } from '../index.js';
import { deepStack, Flow } from '../flow/index.js';
import { machineInfo } from './lib/machine.js';
import { defaultTiles, kernelFunctions } from '../backends/cpu/wasm/kernel.js';
import { resultsDir } from './lib/report.js';

type Category = 'gemm kernels (wasm)' | 'gemm driver/packing/copies' | 'threads: copies, hand-off, waiting' | 'element-wise' | 'spline kernels' | 'allocation' |
  'garbage collection' | 'layout/reductions' | 'tape/dispatch (engine)' | 'flow code' | 'other';
const CATEGORIES: Category[] = ['gemm kernels (wasm)', 'gemm driver/packing/copies', 'threads: copies, hand-off, waiting', 'element-wise', 'spline kernels', 'allocation',
  'garbage collection', 'layout/reductions', 'tape/dispatch (engine)', 'flow code', 'other'];

/** The kernel module's function names by index: V8 names a WebAssembly function wasm-function[index]. */
const WASM_NAMES = kernelFunctions(defaultTiles()).map((f) => f.name);

/** A WebAssembly frame's function name from the kernel module ('f32_spline_backward'), else the frame's own. */
function functionName(node: Profiler.ProfileNode): string {
  const fn = node.callFrame.functionName;
  const m = /^(?:\$?wasm-function)\[(\d+)\]$/.exec(fn);
  return m !== null && node.callFrame.url.startsWith('wasm://') ? WASM_NAMES[Number(m[1])] ?? fn : fn;
}

/** The category of one profile node (its own frame; callees are separate nodes). */
function categorize(node: Profiler.ProfileNode): Category {
  const { url } = node.callFrame;
  const fn = functionName(node);
  if (url.startsWith('wasm://') && /_spline_/.test(fn)) return 'spline kernels';
  if (url.startsWith('wasm://') && /_(adam|slrelu_|sum$)/.test(fn)) return 'element-wise';
  if (fn === '(garbage collector)') return 'garbage collection';
  // the JavaScript spline passes, and the threads' spline runner (knots transposed, gradient parts summed)
  if (/backends\/cpu\/spline/.test(url) || (fn === 'spline' && /backends\/cpu\/threads\//.test(url))) return 'spline kernels';
  if (url.startsWith('wasm://') || /^\$?(f32|f64)(_|$)/.test(fn) || url === '' && /^js-to-wasm|^wasm-/.test(fn)) return 'gemm kernels (wasm)';
  if (fn === 'wait' || /Atomics/.test(fn) || /backends\/cpu\/threads\//.test(url)) return 'threads: copies, hand-off, waiting';
  if (/backends\/cpu\/(wasm|threads)\//.test(url) || /backends\/cpu\/gemm/.test(url) || fn === 'set' || fn === 'subarray' || fn === 'fill') return 'gemm driver/packing/copies';
  if (/backends\/cpu\/(elementwise|fused)/.test(url) || /backends\/cpu\/index/.test(url) && /^(activation|adam|unary|binary|affine)$/.test(fn)) return 'element-wise';
  if (/backends\/cpu\/index/.test(url) && /^(matmul|gemm)$/.test(fn)) return 'gemm driver/packing/copies';
  if (/allocHost|Float(32|64)Array/.test(fn) || /engine\/dtype/.test(url)) return 'allocation';
  if (/backends\/cpu\/(layout|reduce)/.test(url)) return 'layout/reductions';
  if (/\/engine\//.test(url) || /\/index\.js$/.test(url) && !/flow/.test(url)) return 'tape/dispatch (engine)';
  if (/\/flow\//.test(url)) return 'flow code';
  return 'other';
}

interface Cell {
  dtype: 'float32' | 'float64';
  dim: number;
  steps: number;
  msPerStep: number;
  /** ms per step by category (self time of the sampled frames). */
  byCategory: Record<Category, number>;
  /** The ten functions with the most self time (ms per step). */
  top: { name: string; category: Category; ms: number }[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** The profiled model: the paper's two dense layers, or the deep stack of `depth` dense layers. */
type Model = { kind: 'paper' } | { kind: 'deep'; depth: number };

async function profileCell(session: Session, dim: number, dtype: 'float32' | 'float64', seconds: number, model: Model): Promise<Cell> {
  const flow = model.kind === 'paper'
    ? Flow.create({ dim, layers: 2, activation: 'smooth-leaky-relu', alpha: 0.3, base: 'normal', dtype, init: 'near-identity', seed: 0 })
    : Flow.fromLayers(deepStack({ depth: model.depth }), { dim, base: 'normal', dtype, seed: 0 });
  const x = randn([100, dim], { seed: 1, dtype });
  const step = (): void => tidy(() => {
    const g = flow.gradient(x, 'relative');
    g.layers[g.layers.length - 1][0].dataSync();
  });
  const w0 = performance.now();
  for (let i = 0; i < 5; i++) step(); // warm-up: JIT and WebAssembly tier-up, worker start
  const steps = Math.max(5, Math.min(500, Math.round((seconds * 1000) / ((performance.now() - w0) / 5))));
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
  await post(session, 'Profiler.start');
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const elapsed = performance.now() - t0;
  const { profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop');
  flow.dispose();
  x.dispose();
  // self time per node = number of samples × the mean interval
  const counts = new Map<number, number>();
  for (const id of profile.samples ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples?.length ?? 1;
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / total;
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const byFunction = new Map<string, { category: Category; ms: number }>();
  for (const node of profile.nodes) {
    const n = counts.get(node.id) ?? 0;
    if (n === 0 || node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(root)') continue;
    const category = node.callFrame.functionName === '(program)' ? 'other' : categorize(node);
    const ms = (n * msPerSample) / steps;
    byCategory[category] += ms;
    const file = node.callFrame.url.split('/').slice(-2).join('/');
    const name = `${functionName(node) || '(anonymous)'} ${file}`;
    const entry = byFunction.get(name) ?? { category, ms: 0 };
    entry.ms += ms;
    byFunction.set(name, entry);
  }
  const top = [...byFunction.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10).map(([name, e]) => ({ name, category: e.category, ms: e.ms }));
  return { dtype, dim, steps, msPerStep: elapsed / steps, byCategory, top };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dims: { type: 'string', default: '100,784,2048' },
      dtypes: { type: 'string', default: 'float32,float64' },
      seconds: { type: 'string', default: '3' },
      model: { type: 'string', default: 'paper' },
      depth: { type: 'string', default: '3' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: node dist/bench/profile.js [--dims 100,784,2048] [--dtypes float32,float64] [--model paper|deep] [--depth N (deep)] [--seconds S (profiled time per cell)] [--out DIR]');
    return;
  }
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`profile: --seconds must be a positive number, got '${values.seconds}'`);
  const depth = Number(values.depth);
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`profile: --depth must be an integer ≥ 1, got '${values.depth}'`);
  if (values.model !== 'paper' && values.model !== 'deep') throw new Error(`profile: --model must be 'paper' or 'deep', got '${values.model}'`);
  const model: Model = values.model === 'deep' ? { kind: 'deep', depth } : { kind: 'paper' };
  const name = model.kind === 'deep' ? 'profile-deep' : 'profile';
  const modelText = model.kind === 'deep' ? `deep model, depth ${model.depth}` : 'paper model, L = 2';
  const dims = values.dims.split(',').map(Number);
  const dtypes = values.dtypes.split(',') as ('float32' | 'float64')[];
  for (const d of dtypes) if (d !== 'float32' && d !== 'float64') throw new Error(`profile: --dtypes: unknown dtype '${d}'`);
  for (const d of dims) if (!Number.isInteger(d) || d < 2) throw new Error(`profile: --dims: '${d}' is not an integer ≥ 2`);
  await setBackend('cpu');
  const implementation = getBackend().describe().implementation;
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  const cells: Cell[] = [];
  for (const dtype of dtypes) {
    for (const dim of dims) {
      const cell = await profileCell(session, dim, dtype, seconds, model);
      cells.push(cell);
      console.log(`profile: ${dtype} D=${dim}: ${cell.msPerStep.toFixed(2)} ms per step (${cell.steps} steps)`);
    }
  }
  session.disconnect();
  const dir = values.out ?? resultsDir();
  mkdirSync(dir, { recursive: true });
  const machine = machineInfo();
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ command: `node dist/bench/profile.js ${process.argv.slice(2).join(' ')}`.trim(), model: modelText, implementation, machine, cells }, null, 2) + '\n');
  const lines = [
    `# Where one relative-gradient step goes (CPU backend, B = 100, ${modelText})`,
    '',
    `Backend: ${implementation}. Sampling profiler (node:inspector, 100 µs), self time per category in`,
    'ms per step, main thread only (a GEMM worker\'s time shows up as the main thread waiting for it;',
    'a loop V8 inlined into its caller is booked to the caller\'s file). Command: `npm run bench:profile`.',
    '',
    `| category | ${cells.map((c) => `${c.dtype === 'float32' ? 'f32' : 'f64'} D=${c.dim}`).join(' | ')} |`,
    `|---|${cells.map(() => '---:').join('|')}|`,
    `| **step (wall)** | ${cells.map((c) => `**${c.msPerStep.toFixed(2)}**`).join(' | ')} |`,
    ...CATEGORIES.map((cat) => `| ${cat} | ${cells.map((c) => `${c.byCategory[cat].toFixed(2)} (${((100 * c.byCategory[cat]) / c.msPerStep).toFixed(0)}%)`).join(' | ')} |`),
    '',
    ...cells.flatMap((c) => [`Top functions, ${c.dtype} D=${c.dim} (ms per step):`, '', ...c.top.map((t) => `- ${t.ms.toFixed(2)} ${t.name} [${t.category}]`), '']),
  ];
  writeFileSync(join(dir, `${name}.md`), lines.join('\n'));
  console.log(`profile: wrote ${join(dir, `${name}.md`)}`);
}

await main();
