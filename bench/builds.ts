// Two builds of relgrad in one process, alternating: the relative-gradient step (as the step
// suite times it) and, optionally, one real MNIST epoch. On a shared machine whose speed drifts
// by a factor of two within an hour, a speed-up measured across two separate runs says little;
// interleaving the two builds in one process, round after round, puts both under the same
// conditions. `--base` is the root of another checkout with its own `npx tsc` build, e.g.
//   git worktree add /tmp/base <commit> && (cd /tmp/base && ln -s $PWD/node_modules && npx tsc)
// (the worktree borrows this checkout's node_modules). The build compared against it is this
// checkout's dist/. Each cell reports the median of the per-round means.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseOrExit, UsageError, type FlagSpec } from '../flow/cli/args.js';
import { checkoutState, chooseOutput, OUTPUT_FLAGS, useOutput } from './lib/output.js';
import { fmtSeconds, writeReport } from './lib/report.js';
import { median } from './lib/stats.js';

const FLAGS: Record<string, FlagSpec> = {
  base: { type: 'string', help: 'root of the other build (a checkout whose dist/ is built)', placeholder: 'dir' },
  dims: { type: 'int-list', help: 'D of the two-layer flow', default: [100, 784, 2048], positive: true },
  dtypes: { type: 'list', help: 'dtypes', default: ['float32', 'float64'], choices: ['float32', 'float64'] },
  rounds: { type: 'int', help: 'alternating rounds per cell (each build times a batch of steps per round)', default: 4, positive: true },
  depth: { type: 'int', help: 'time the deep model deepStack({ depth }) (affine → spline → (dense → spline) × depth) instead of the paper\'s two layers', positive: true },
  'mnist-epoch': { type: 'boolean', help: 'also one real MNIST epoch (float32, L = 2, B = 100, Adam 1e-4) per build per round', default: false },
  ...OUTPUT_FLAGS,
};

interface Build {
  name: string;
  root: string;
  engine: typeof import('../index.js');
  flow: typeof import('../flow/index.js');
}

/** The commit a checkout is at, with ' + changes' when its tracked files differ. */
function commitOf(root: string): string {
  const { commit, dirty } = checkoutState(root);
  return dirty ? `${commit} + changes` : commit;
}

async function load(name: string, root: string): Promise<Build> {
  const entry = (p: string): string => pathToFileURL(join(root, 'dist', p)).href;
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new UsageError(`bench/builds: ${root} has no dist/index.js (build it with npx tsc there)`);
  return { name, root, engine: (await import(entry('index.js'))) as Build['engine'], flow: (await import(entry('flow/index.js'))) as Build['flow'] };
}

/** Mean seconds of one relative step over `reps` steps of a build (after one warm-up step); the deep model when `depth` is given. */
function stepRunner(b: Build, dim: number, dtype: 'float32' | 'float64', depth?: number): (reps: number) => number {
  const flow = depth === undefined
    ? b.flow.Flow.create({ dim, layers: 2, activation: 'smooth-leaky-relu', alpha: 0.3, base: 'normal', bias: true, dtype, init: 'near-identity', seed: 0 })
    : b.flow.Flow.fromLayers(b.flow.deepStack({ depth }).map((s) => (s.type === 'dense' ? { ...s, init: 'near-identity' as const } : s)), { dim, dtype, seed: 0 });
  const x = b.engine.randn([100, dim], { seed: 1, dtype });
  const step = (): void => b.engine.tidy(() => {
    const g = flow.gradient(x, 'relative');
    for (const t of g.layers.flat()) t.dataSync();
  });
  return (reps) => {
    step();
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) step();
    return (performance.now() - t0) / reps / 1000;
  };
}

async function mnistEpoch(b: Build): Promise<number> {
  const data = b.flow.loadMnist({ seed: 0 });
  const flow = b.flow.Flow.create({ dim: 784, layers: 2, dtype: 'float32', seed: 0 });
  const r = await b.flow.train(flow, { train: data.train, validation: data.validation }, { epochs: 1, batchSize: 100, lr: 1e-4, optimizer: 'adam', method: 'relative', seed: 0 });
  flow.dispose();
  return r.history[0].seconds;
}

async function main(): Promise<void> {
  const { flags } = parseOrExit({ name: 'bench/builds', helpHint: 'node dist/bench/builds.js --help' }, process.argv.slice(2), FLAGS,
    'Times the relative step (and optionally an MNIST epoch) of another relgrad build and of this one in one process, alternating round by round; writes builds.json.',
    'node dist/bench/builds.js --base <dir> [flags]');
  if (typeof flags.base !== 'string') throw new UsageError('bench/builds: --base <dir> is required (the root of the build to compare with)');
  useOutput(chooseOutput({ full: flags.full === true, out: flags.out as string | undefined }, 'bench/builds'));
  const here = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const builds = [await load('base', resolve(flags.base)), await load('this', here)];
  const rounds = flags.rounds as number;
  const rows: (string | number)[][] = [];
  const results: { what: string; dtype: string; dim: number; base: number; this: number; rounds: { base: number[]; this: number[] } }[] = [];
  for (const dtype of flags.dtypes as ('float32' | 'float64')[]) {
    for (const dim of flags.dims as number[]) {
      // each build's tensors live on its own CPU backend
      const runners = [];
      for (const b of builds) {
        const backend = await b.engine.setBackend('cpu');
        runners.push({ b, backend, run: stepRunner(b, dim, dtype, flags.depth as number | undefined) });
      }
      const reps = dim >= 2048 ? 3 : dim >= 784 ? 10 : 60;
      const times: number[][] = [[], []];
      for (let round = 0; round < rounds; round++) {
        for (const [i, r] of runners.entries()) {
          await r.b.engine.setBackend(r.backend);
          times[i].push(r.run(reps));
        }
      }
      const [base, mine] = times.map(median);
      const what = flags.depth === undefined ? 'relative step' : `deep relative gradient (depth ${String(flags.depth)})`;
      results.push({ what, dtype, dim, base, this: mine, rounds: { base: times[0], this: times[1] } });
      rows.push([what, dtype, dim, fmtSeconds(base), fmtSeconds(mine), `${(base / mine).toFixed(2)}×`]);
      console.log(`builds: ${dtype} D=${dim}: base ${fmtSeconds(base)}, this ${fmtSeconds(mine)}`);
    }
  }
  if (flags['mnist-epoch'] === true) {
    const times: number[][] = [[], []];
    for (let round = 0; round < Math.min(rounds, 2); round++) {
      for (const [i, b] of builds.entries()) {
        await b.engine.setBackend('cpu');
        times[i].push(await mnistEpoch(b));
      }
    }
    const [base, mine] = times.map(median);
    results.push({ what: 'MNIST epoch', dtype: 'float32', dim: 784, base, this: mine, rounds: { base: times[0], this: times[1] } });
    rows.push(['MNIST epoch (train)', 'float32', 784, fmtSeconds(base), fmtSeconds(mine), `${(base / mine).toFixed(2)}×`]);
  }
  const files = writeReport({
    name: flags.depth === undefined ? 'builds' : 'builds-deep',
    title: `Two relgrad builds in one process, alternating: ${flags.depth === undefined ? 'relative step (B = 100, L = 2)' : `deep model's relative gradient (depth ${String(flags.depth)}, B = 100)`} and MNIST epoch`,
    config: { base: builds[0].root, baseCommit: commitOf(builds[0].root), this: builds[1].root, thisCommit: commitOf(builds[1].root), rounds, dims: flags.dims, dtypes: flags.dtypes },
    results,
    table: { header: ['what', 'dtype', 'D', 'base', 'this build', 'speed-up'], rows },
    notes: [`base: ${builds[0].root} at ${commitOf(builds[0].root)}; this build: ${builds[1].root} at ${commitOf(builds[1].root)}; medians of ${rounds} alternating rounds (MNIST: up to 2)`],
  });
  console.log(`written:\n${files.map((f) => `  ${f}`).join('\n')}`);
  process.exit(0); // the builds' worker threads are unref'ed, but their backends hold timers of their own
}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? err.message : err);
  process.exit(err instanceof UsageError ? 2 : 1);
});
