// The two demonstrations of conditional flows with known answers (issue 20 item 5; results under
// results/conditional/). Run after a build:
//   node dist/tools/conditional-demos.js sbi   [--epochs N] [--seed S]
//   node dist/tools/conditional-demos.js moons [--epochs N] [--seed S]
// sbi: θ ∈ R⁵, θ ~ N(0, 0.1·I), x | θ ~ N(θ, 0.1·I); q(θ | x) trained on 20,000 pairs, scored on
//   2,000 held-out pairs against the exact posterior N(x/2, 0.05·I) (product of two Gaussians:
//   precision 10 + 10, mean (10·x)/20).
// moons: the toy moons (flow/data/toy.ts) with c = one-hot moon label; the conditional flow's test
//   log p(x | c) beside the unconditional deep flow's log p(x) on the same split (knowing c gains
//   at most log 2 = 0.693 nats), and a figure of p(x | c = upper) and p(x | c = lower) side by side.
// Each writes <out>/<name>.json with the numbers, settings, seed, commit and the command.

import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../engine/random.js';
import { Flow } from '../flow/model.js';
import { train, type TrainOptions } from '../flow/train.js';
import { evaluate } from '../flow/evaluate.js';
import { deepStack, type LayerSpec } from '../flow/layers/specs.js';
import { fitGaussianFlow } from '../flow/baselines/gaussian.js';
import { evaluateLinearGaussian, fitLinearGaussian } from '../flow/baselines/linear-gaussian.js';
import type { HostMatrix } from '../flow/matrix.js';
import { densityFigure } from '../flow/figure/figures.js';
import { writeFigure } from '../flow/figure/render.js';

type Pairs = { x: HostMatrix<Float64Array>; context: HostMatrix<Float64Array> };

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

const commit = (): string => {
  try {
    return execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim() + (execSync('git status --porcelain -uno', { encoding: 'utf8' }).trim() ? ' (with uncommitted changes)' : '');
  } catch {
    return 'unknown';
  }
};

/** θ ~ N(0, 0.1·I₅), x | θ ~ N(θ, 0.1·I₅): the flow models θ (its x) given x (its context). */
function sbiPairs(n: number, rng: Rng): Pairs {
  const D = 5;
  const theta = new Float64Array(n * D);
  const x = new Float64Array(n * D);
  const sd = Math.sqrt(0.1);
  for (let i = 0; i < n * D; i++) {
    theta[i] = sd * rng.normal();
    x[i] = theta[i] + sd * rng.normal();
  }
  return { x: { data: theta, rows: n, cols: D }, context: { data: x, rows: n, cols: D } };
}

/** log N(θ; x/2, 0.05·I) per row: the exact posterior. */
function exactPosteriorLogProb(p: Pairs): Float64Array {
  const { rows, cols } = p.x;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let q = 0;
    for (let j = 0; j < cols; j++) q += (p.x.data[r * cols + j] - p.context.data[r * cols + j] / 2) ** 2;
    out[r] = -0.5 * cols * Math.log(2 * Math.PI * 0.05) - q / (2 * 0.05);
  }
  return out;
}

const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

async function sbi(out: string, seed: number, epochs: number): Promise<Record<string, unknown>> {
  const rng = new Rng(seed);
  const trainSet = sbiPairs(20000, rng);
  const validation = sbiPairs(2000, rng);
  const test = sbiPairs(2000, rng);
  const net = { hidden: [32, 32] };
  const stack: LayerSpec[] = [
    { type: 'affine', context: net },
    { type: 'spline', bins: 8, context: net },
    { type: 'dense', context: net },
    { type: 'spline', bins: 8, context: net },
    { type: 'dense', context: net },
  ];
  const options: TrainOptions = { epochs, lr: 3e-3, batchSize: 200, seed, schedule: { kind: 'cosine' }, patience: epochs };
  const flow = Flow.fromLayers(stack, { dim: 5, context: 5, seed, dtype: 'float64' });
  const { value: result, seconds } = await timed(() => train(flow, { train: trainSet, validation }, { ...options, onProgress: (e) => e.kind === 'epoch' && console.error(`sbi epoch ${e.epoch}: validation loss ${e.record.validationLoss?.toFixed(4)}`) }));
  const q = evaluate(flow, test);
  const exact = mean(exactPosteriorLogProb(test));
  const linear = evaluateLinearGaussian(fitLinearGaussian(trainSet.x, trainSet.context), test).mean;
  const gaussian = evaluate(fitGaussianFlow(trainSet.x, { dtype: 'float64' }), test.x).mean;
  return {
    task: 'linear-Gaussian SBI: theta ~ N(0, 0.1 I_5), x | theta ~ N(theta, 0.1 I_5); q(theta | x) on 20,000 pairs, 2,000 held-out pairs',
    meanLogQ: q.mean, err: q.err, exactPosteriorMeanLogP: exact,
    gapNatsPerDim: (exact - q.mean) / 5, target: 'gap <= 0.05 nats per dimension',
    linearGaussianBaseline: linear, gaussianIgnoringX: gaussian,
    stack, flow: String(flow), training: { ...options, status: result.status, epochs: result.epochs, bestEpoch: result.bestEpoch, seconds },
  };
}

/**
 * The toy moons of flow/data/toy.ts (sklearn make_moons: ⌊n/2⌋ points evenly spaced on the upper
 * unit half-circle, the rest on the lower one shifted by (1, −0.5); rows shuffled; + N(0, 0.1²);
 * then ×2 − (1, 0.2)), drawn here with each row's moon kept as its label c (one-hot). The library's
 * sampler shuffles before the noise and does not return the labels, so it is rewritten here.
 */
function labelledMoons(n: number, rng: Rng): Pairs {
  const nOuter = Math.floor(n / 2);
  const nInner = n - nOuter;
  const spaced = (k: number, count: number): number => (count > 1 ? (Math.PI * k) / (count - 1) : 0);
  const order = rng.permutation(n);
  const x = new Float64Array(n * 2);
  const c = new Float64Array(n * 2);
  for (let r = 0; r < n; r++) {
    const i = order[r];
    const upper = i < nOuter;
    const t = upper ? spaced(i, nOuter) : spaced(i - nOuter, nInner);
    const px = upper ? Math.cos(t) : 1 - Math.cos(t);
    const py = upper ? Math.sin(t) : 1 - Math.sin(t) - 0.5;
    x[2 * r] = 2 * (px + 0.1 * rng.normal()) - 1;
    x[2 * r + 1] = 2 * (py + 0.1 * rng.normal()) - 0.2;
    c[2 * r + (upper ? 0 : 1)] = 1;
  }
  return { x: { data: x, rows: n, cols: 2 }, context: { data: c, rows: n, cols: 2 } };
}

/** Two SVG documents side by side in one (ids of the first renamed so that they stay unique). */
function sideBySide(left: string, right: string): string {
  const size = (svg: string): [number, number] => {
    const m = /width="([\d.]+)" height="([\d.]+)"/.exec(svg);
    return [Number(m?.[1]), Number(m?.[2])];
  };
  let a = left;
  for (const [, id] of left.matchAll(/id="([^"]+)"/g)) a = a.split(`id="${id}"`).join(`id="L${id}"`).split(`#${id})`).join(`#L${id})`).split(`"#${id}"`).join(`"#L${id}"`);
  const [wa, ha] = size(a);
  const [wb, hb] = size(right);
  const nest = (svg: string, x: number): string => svg.trim().replace('<svg ', `<svg x="${x}" y="0" `);
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${wa + wb}" height="${Math.max(ha, hb)}" viewBox="0 0 ${wa + wb} ${Math.max(ha, hb)}" font-family="DejaVu Sans"><rect width="100%" height="100%" fill="white"/>${nest(a, 0)}${nest(right, wa)}</svg>\n`;
}

async function moonsDemo(out: string, seed: number, epochs: number): Promise<Record<string, unknown>> {
  const rng = new Rng(seed);
  const trainSet = labelledMoons(5000, rng);
  const validation = labelledMoons(500, rng);
  const test = labelledMoons(2000, rng);
  const options: TrainOptions = { epochs, lr: 5e-3, batchSize: 100, seed, schedule: { kind: 'cosine' }, patience: epochs };
  const net = { hidden: [32, 32] };
  const condStack: LayerSpec[] = deepStack({ depth: 3, bins: 12 }).map((spec) => (spec.type === 'affine' ? spec : { ...spec, context: net } as LayerSpec));
  const conditional = Flow.fromLayers(condStack, { dim: 2, context: 2, seed, dtype: 'float64' });
  const plain = Flow.fromLayers(deepStack({ depth: 3, bins: 12 }), { dim: 2, seed, dtype: 'float64' });
  const log = (name: string) => (e: { kind: string; epoch: number; record?: { validationLoss: number | null } }) => e.kind === 'epoch' && console.error(`${name} epoch ${e.epoch}: validation loss ${e.record?.validationLoss?.toFixed(4)}`);
  const c = await timed(() => train(conditional, { train: trainSet, validation }, { ...options, onProgress: log('conditional') }));
  const u = await timed(() => train(plain, { train: trainSet.x, validation: validation.x }, { ...options, onProgress: log('unconditional') }));
  const cond = evaluate(conditional, test);
  const uncond = evaluate(plain, test.x);
  const bounds = { xMin: -3, xMax: 3, yMin: -3, yMax: 3 };
  const density = (label: number) => (grid: HostMatrix<Float64Array>): Float64Array => {
    const context = Array.from({ length: grid.rows }, () => (label === 0 ? [1, 0] : [0, 1]));
    return Float64Array.from(conditional.logProb(grid, { context }).dataSync());
  };
  const figure = sideBySide(
    densityFigure({ logDensity: density(0), bounds, title: 'p(x | c = upper moon)', resolution: 120 }),
    densityFigure({ logDensity: density(1), bounds, title: 'p(x | c = lower moon)', resolution: 120 }),
  );
  const pictures = await writeFigure(join(out, 'moons-conditional-densities'), figure);
  return {
    task: 'conditional moons: x in the toy moons, c = one-hot moon label; 5,000 train / 500 validation / 2,000 test rows',
    conditionalTestLogLik: cond.mean, conditionalErr: cond.err,
    unconditionalTestLogLik: uncond.mean, unconditionalErr: uncond.err,
    gainNats: cond.mean - uncond.mean, target: 'gain >= 0.45 nats (at most log 2 = 0.693)',
    conditionalFlow: String(conditional), unconditionalFlow: String(plain),
    training: { ...options, conditional: { status: c.value.status, epochs: c.value.epochs, bestEpoch: c.value.bestEpoch, seconds: c.seconds }, unconditional: { status: u.value.status, epochs: u.value.epochs, bestEpoch: u.value.bestEpoch, seconds: u.seconds } },
    pictures,
  };
}

async function main(): Promise<void> {
  const which = process.argv[2];
  const out = join('results', 'conditional');
  mkdirSync(out, { recursive: true });
  const seed = argument('seed', 0);
  const record = { command: `node dist/tools/conditional-demos.js ${process.argv.slice(2).join(' ')}`, seed, commit: commit(), date: new Date().toISOString() };
  let result: Record<string, unknown>;
  if (which === 'sbi') result = await sbi(out, seed, argument('epochs', 20));
  else if (which === 'moons') result = await moonsDemo(out, seed, argument('epochs', 30));
  else throw new Error(`usage: node dist/tools/conditional-demos.js sbi|moons [--epochs N] [--seed S], got ${String(which)}`);
  const file = join(out, `${which}.json`);
  writeFileSync(file, JSON.stringify({ ...record, ...result }, null, 2) + '\n');
  console.log(JSON.stringify({ ...record, ...result }));
}

await main();
