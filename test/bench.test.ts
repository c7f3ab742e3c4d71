// The benchmark suites run --quick on a tiny grid (through the built bench, as `npm run bench`
// does) and write JSON in which every CPU cell is a measurement (the grid is far below any cap)
// and every GPU cell a measurement or, where no GPU.js kernel runs, a recorded stop with its
// reason; GPU gradient cells above --max-gpu-dim are recorded as not run (each GPU cell is a
// process that starts headless-gl, so the grid measures the GPU at D = 4 in the gradient suite
// only); the step (beside NumPy) and deep-model suites' cells are numbers too. Speeds are not
// asserted; that numbers were produced is. A bad flag's refusal is checked for every bench runner
// in cli-scripting.test.ts.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-bench-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function bench(results: string, ...args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [resolve('dist/bench/run.js'), ...args], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, RELGRAD_BENCH_RESULTS: results },
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

interface Cell {
  request: { backend: string; method: string; dim: number };
  status: string;
  reason?: string;
  samples?: number[];
  median?: number;
}

t.test('quick run on cpu and gpu: every cpu cell measured, every gpu cell measured or stopped with a reason', async (t) => {
  const results = join(dir, 'quick');
  // the GPU is measured by the gradient suite (each GPU cell is a process that starts headless-gl);
  // the other suites run on the CPU, into the same folder
  const r = bench(results, '--quick', '--dims', '4,8', '--backends', 'cpu,gpu', '--max-gpu-dim', '4', '--suites', 'gradients');
  t.equal(r.code, 0, r.out.slice(-3000));
  const rest = bench(results, '--quick', '--dims', '4,8', '--backends', 'cpu', '--suites', 'step,deep,throughput,peer,fairness');
  t.equal(rest.code, 0, rest.out.slice(-3000));
  for (const name of ['gradients', 'memory', 'throughput', 'peer', 'fairness']) {
    t.ok(existsSync(join(results, `${name}.json`)), `${name}.json written`);
    t.ok(existsSync(join(results, `${name}.md`)), `${name}.md written`);
  }
  t.ok(existsSync(join(results, 'gradients.png')), 'gradients.png written');
  const g = JSON.parse(readFileSync(join(results, 'gradients.json'), 'utf8')) as {
    machine: { cores: number; node: string; versions: Record<string, string> };
    config: { dims: number[]; backends: string[]; methods: string[] };
    results: { cells: Cell[]; ratios: { backend: string; dim: number; ordinaryOverRelative: number | null }[] };
  };
  t.ok(g.machine.cores > 0 && g.machine.node.startsWith('v'), 'machine info recorded');
  t.same(g.config.dims, [4, 8]);
  t.equal(g.results.cells.length, 2 * 3 * 2, 'one cell per backend × method × D');
  for (const backend of ['cpu', 'gpu']) {
    for (const method of ['relative', 'ordinary', 'autodiff']) {
      for (const dim of [4, 8]) {
        const c = g.results.cells.find((x) => x.request.backend === backend && x.request.method === method && x.request.dim === dim);
        t.ok(c, `${backend} ${method} D=${dim} present`);
        if (!c) continue;
        if (backend === 'cpu') t.equal(c.status, 'ok', `cpu ${method} D=${dim} is measured (${c.reason ?? 'no stop'})`);
        if (backend === 'gpu' && dim > 4) {
          t.same([c.status, c.reason], ['skipped', 'not run: D > --max-gpu-dim 4'], `gpu ${method} D=${dim}: not run, above --max-gpu-dim`);
          continue;
        }
        if (c.status === 'ok') {
          t.ok(Array.isArray(c.samples) && c.samples.length >= 3 && c.samples.every((s) => s > 0), `${backend} ${method} D=${dim}: raw samples`);
          const sorted = [...(c.samples ?? [])].sort((a, b) => a - b);
          const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
          t.equal(c.median, median, 'the median is the median of the raw samples');
        } else {
          // a cap or an earlier stop, never a failure
          t.ok(c.status === 'stopped' || c.status === 'skipped', `${backend} ${method} D=${dim}: ${c.status} (${c.reason})`);
          t.ok(typeof c.reason === 'string' && c.reason.length > 0, 'with a reason');
        }
      }
    }
  }
  const cpuRatios = g.results.ratios.filter((x) => x.backend === 'cpu');
  t.same(cpuRatios.map((x) => x.dim), [4, 8], 'a cpu ratio for each D');
  for (const x of cpuRatios) {
    const median = (method: string): number | undefined => g.results.cells.find((c) => c.request.backend === 'cpu' && c.request.method === method && c.request.dim === x.dim)?.median;
    const want = (median('ordinary') ?? NaN) / (median('relative') ?? NaN);
    t.ok(x.ordinaryOverRelative !== null && Math.abs(x.ordinaryOverRelative - want) <= 1e-9 * want, `cpu D=${x.dim}: ordinary/relative ${x.ordinaryOverRelative} is the ratio of the medians ${want}`);
  }
  // the deep model's cells: every CPU cell (gradient and Adam step, each depth, D and dtype) measured
  const deep = JSON.parse(readFileSync(join(results, 'deep.json'), 'utf8')) as { results: (Cell & { request: { task: string; depth: number; dtype: string } })[] };
  t.equal(deep.results.length, 1 * 2 * 2 * 2, 'deep: one cell per depth × D × dtype × task (quick: depth 3)');
  for (const c of deep.results) {
    t.ok(c.status === 'ok' && (c.samples ?? []).length > 0 && (c.samples ?? []).every((v) => v > 0) && (c.median ?? 0) > 0, `deep ${c.request.task} D=${c.request.dim} ${c.request.dtype}: measured (${c.status} ${c.reason ?? ''})`);
  }
  // the step against NumPy: relgrad's steps measured; NumPy's measured too, or said unavailable
  const step = JSON.parse(readFileSync(join(results, 'step.json'), 'utf8')) as { results: { relgrad: { steps: { dim: number; seconds: number }[] }; numpy: { steps?: { seconds: number }[]; unavailable?: string } } };
  t.ok(step.results.relgrad.steps.length > 0 && step.results.relgrad.steps.every((s) => s.seconds > 0), `step: relgrad measured at D = ${step.results.relgrad.steps.map((s) => s.dim).join(', ')}`);
  t.ok((step.results.numpy.steps ?? []).every((s) => s.seconds > 0) && ((step.results.numpy.steps ?? []).length > 0 || (step.results.numpy.unavailable ?? '').length > 0), 'step: NumPy measured or its absence explained');
  const peer = JSON.parse(readFileSync(join(results, 'peer.json'), 'utf8')) as { results: { contender: string; status: string; reason?: string }[] };
  t.ok(peer.results.some((c) => c.contender.startsWith('tfjs') && c.status === 'ok'), 'tfjs measured side by side');
  t.ok(peer.results.every((c) => c.status === 'ok' || (c.reason ?? '').length > 0), 'every peer cell measured or explained');
});

t.test('a cell past its cap is stopped and recorded, and the others go on', async (t) => {
  const results = join(dir, 'capped');
  const r = bench(results, '--suites', 'gradients', '--dims', '4,8', '--backends', 'cpu', '--memory-cap', '0.01');
  t.equal(r.code, 0, r.out.slice(-2000));
  const g = JSON.parse(readFileSync(join(results, 'gradients.json'), 'utf8')) as { results: { cells: Cell[] } };
  t.equal(g.results.cells.length, 6);
  for (const c of g.results.cells) {
    t.ok(c.status === 'stopped' || c.status === 'skipped', `${c.request.method} D=${c.request.dim}: ${c.status}`);
    t.match(c.reason ?? '', c.status === 'stopped' ? /^memory: the process grew by \d+ MB > cap 0.01 MB/ : /stopped at D=4/);
  }
});

t.test('browser run: the bundled suite in headless Chromium on the CPU and GPU.js webgl2 backends', async (t) => {
  const results = join(dir, 'browser');
  const r = spawnSync(process.execPath, [resolve('dist/bench/browser-run.js'), '--quick', '--dims', '4,8'], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, RELGRAD_BENCH_RESULTS: results },
  });
  t.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-2000));
  const b = JSON.parse(readFileSync(join(results, 'browser-gradients.json'), 'utf8')) as {
    config: { userAgent: string; implementations: string[] };
    results: { backend: string; method: string; dim: number; status: string; reason?: string; median?: number }[];
  };
  t.match(b.config.userAgent, /Chrome/);
  t.ok(b.config.implementations.some((i) => /WebGL2Kernel/.test(i)), `gpu ran WebGL2Kernel: ${b.config.implementations.join('; ')}`);
  t.equal(b.results.length, 2 * 3 * 2);
  for (const c of b.results) t.ok(c.status === 'ok' ? (c.median ?? 0) > 0 : (c.reason ?? '').length > 0, `${c.backend} ${c.method} D=${c.dim}: ${c.status}`);
});

t.test('builds: two builds alternate in one process and both are timed (this checkout against itself)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relgrad-builds-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [resolve('dist/bench/builds.js'), '--base', '.', '--dims', '8', '--dtypes', 'float64,float32', '--rounds', '2', '--out', dir], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(dir, 'builds.json'), 'utf8')) as { config: { baseCommit: string }; results: { dtype: string; dim: number; base: number; this: number; rounds: { base: number[]; this: number[] } }[] };
  t.same(report.results.map((c) => `${c.dtype} ${c.dim}`), ['float64 8', 'float32 8']);
  for (const c of report.results) {
    t.ok(c.base > 0 && c.this > 0 && c.rounds.base.length === 2 && c.rounds.this.length === 2, `${c.dtype}: both builds timed in every round`);
  }
  t.match(report.config.baseCommit, /^[0-9a-f]{40}/, 'the base commit is recorded');
  const missing = spawnSync(process.execPath, [resolve('dist/bench/builds.js'), '--base', dir, '--out', dir], { encoding: 'utf8' });
  t.equal(missing.status, 2);
  t.match(missing.stderr, /has no dist\/index\.js/);
});
