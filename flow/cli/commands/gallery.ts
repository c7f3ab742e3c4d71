// `relgrad gallery`: trains every toy set with its recipe (recipes.ts) exactly as `relgrad train
// --dataset <set>` would (same splits, stack, optimiser, schedule and seed), and writes one figure
// with a row per set — data | model density | samples | true density where known — and a JSON
// table (set, recipe, flow / true / Gaussian test log-likelihood, seconds).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tidy } from '../../../engine/scope.js';
import { MAX_SEED } from '../../../engine/seed.js';
import { fitGaussianFlow } from '../../baselines/gaussian.js';
import { evaluate } from '../../evaluate.js';
import { galleryFigure, type GalleryRow } from '../../figure/gallery.js';
import { writeFigure } from '../../figure/render.js';
import { Flow } from '../../model.js';
import { dataBounds } from '../../figure/grid.js';
import { deepStack } from '../../layers/specs.js';
import { TOY_SETS, type ToyName } from '../../data/toy.js';
import { trueLogDensity } from '../../data/true-density.js';
import type { HostMatrix } from '../../data/dataset.js';
import { writeFileAtomic } from '../../safe-write.js';
import { train } from '../../train.js';
import { parseOrAnswer, UsageError, type FlagSpec } from '../args.js';
import { resolveDataset } from '../datasets.js';
import { outputFor } from '../output.js';
import { scoresCaption } from '../pictures.js';
import { RECIPES, recipeText, type Recipe } from '../recipes.js';
import { trueTestScore } from '../true-score.js';

const GALLERY_FLAGS: Record<string, FlagSpec> = {
  sets: { type: 'list', help: 'toy sets, one row each, in this order', default: Object.keys(TOY_SETS), choices: Object.keys(TOY_SETS) },
  out: { type: 'string', help: 'folder for gallery.png, gallery.svg and gallery.json', default: 'docs/pictures', placeholder: 'dir' },
  epochs: { type: 'int', help: 'epochs of every set (default: each recipe\'s; for a quick look)', positive: true },
  limit: { type: 'int', help: 'training rows of every set (default: each recipe\'s; for a quick look)', positive: true },
  'batch-size': { type: 'int', help: 'mini-batch size of every set (default: each recipe\'s; for a quick look)', positive: true },
  seed: { type: 'int', help: 'seed of data, initialisation and batch order (as train\'s --seed)', default: 0, min: 0, max: MAX_SEED },
  force: { type: 'boolean', help: 'replace gallery files in --out that an earlier gallery did not write', default: false },
  json: { type: 'boolean', help: 'print only the table, as one JSON document, on stdout', default: false },
};

const SUMMARY = 'Trains every toy set with its recipe (as relgrad train --dataset <set>) and writes one figure, a row per set: ' +
  'data | model density | samples | true density where known, with the flow\'s, the true density\'s and the Gaussian\'s test log-likelihoods in each row\'s caption; ' +
  'writes <out>/gallery.png, gallery.svg and gallery.json (the table).';

/** One row of gallery.json. */
export interface GalleryEntry {
  set: string;
  recipe: Recipe;
  /** the recipe as train flags */
  command: string;
  flow: number;
  flowErr: number;
  true: number | null;
  gaussian: number;
  epochs: number;
  /** training seconds (train()'s clock: the epochs, not data drawing or pictures) */
  seconds: number;
}

const GENERATOR = 'relgrad gallery';

/** The commit of the working tree, when it is a git checkout (recorded with the table). */
function commitOf(dir: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

/** Refuses to replace gallery files that an earlier gallery did not write (its gallery.json says so), unless --force. */
function assertReplaceable(out: string, force: boolean): void {
  const files = ['gallery.json', 'gallery.svg', 'gallery.png'].map((f) => join(out, f)).filter((f) => existsSync(f));
  if (files.length === 0 || force) return;
  const json = join(out, 'gallery.json');
  let ours = false;
  try {
    ours = (JSON.parse(readFileSync(json, 'utf8')) as { generator?: unknown }).generator === GENERATOR;
  } catch {
    ours = false;
  }
  if (!ours) throw new UsageError(`relgrad gallery: ${files.join(', ')} exist${files.length === 1 ? 's' : ''} and no earlier gallery.json there says relgrad wrote them; choose another --out, or --force to replace them`);
}

/** The quick-look overrides of every set's recipe (--epochs, --limit, --batch-size). */
interface Overrides {
  epochs?: number;
  limit?: number;
  'batch-size'?: number;
}

/** A set's recipe with the overrides given applied. */
function recipeWith(name: ToyName, o: Overrides): Recipe {
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Overrides;
  return { ...RECIPES[name], ...given };
}

/** Trains one set with its recipe (overridden by --epochs/--limit/--batch-size) and returns its row and table entry. */
async function gallerySet(name: ToyName, o: { seed: number; overrides: Overrides }, notice: (m: string) => void): Promise<{ row: GalleryRow; entry: GalleryEntry }> {
  const recipe = recipeWith(name, o.overrides);
  const data = await resolveDataset({ name, seed: o.seed, limit: recipe.limit });
  const flow = Flow.create({ dim: 2, stack: deepStack({ depth: recipe.depth, bins: recipe.bins, bound: recipe.bound }), base: 'normal', seed: o.seed });
  const result = await train(flow, { train: data.train, validation: data.validation }, {
    epochs: recipe.epochs, batchSize: recipe['batch-size'], lr: recipe.lr, optimizer: 'adam', method: 'relative', patience: recipe.patience, seed: o.seed,
    schedule: { kind: recipe.schedule === 'cosine' ? 'cosine' : 'constant' }, weightDecay: 0, onNotice: notice,
  });
  if (result.status === 'diverged') throw new Error(`gallery: ${name} diverged: ${result.message}`);
  const test = evaluate(flow, data.test);
  const gaussian = evaluate(fitGaussianFlow(data.train, { dtype: flow.dtype }), data.test);
  const truth = trueTestScore(name, data.test);
  const shown: HostMatrix<Float64Array> = { data: data.train.data.subarray(0, 2 * Math.min(2000, data.train.rows)), rows: Math.min(2000, data.train.rows), cols: 2 };
  const { x } = flow.sample(2000, { seed: o.seed });
  const samples: HostMatrix<Float64Array> = { data: Float64Array.from(x.dataSync()), rows: x.shape[0], cols: 2 };
  x.dispose();
  const scores = { flow: test.mean, gaussian: gaussian.mean, truth: truth?.mean ?? null };
  const entry: GalleryEntry = { set: name, recipe, command: `relgrad train --dataset ${name} ${recipeText(recipe)}`, flow: test.mean, flowErr: test.err, true: truth?.mean ?? null, gaussian: gaussian.mean, epochs: result.epochs, seconds: result.seconds };
  const row: GalleryRow = {
    name,
    caption: `${scoresCaption(scores)}; ${result.seconds.toFixed(0)} s, depth ${recipe.depth}, ${recipe.bins} bins, ${recipe.limit} rows, ${result.epochs} epochs`,
    data: shown,
    samples,
    logDensity: (grid) => tidy(() => Float64Array.from(flow.logProb(grid).dataSync())),
    trueLogDensity: trueLogDensity(name),
    bounds: dataBounds(shown),
  };
  return { row, entry };
}

/** `relgrad gallery` (see SUMMARY). */
export async function commandGallery(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer('gallery', argv, GALLERY_FLAGS, SUMMARY);
  if (parsed === undefined) return;
  const { flags } = parsed;
  const output = outputFor(flags.json === true);
  const out = resolve(String(flags.out));
  assertReplaceable(out, flags.force === true);
  const sets = flags.sets as ToyName[];
  const overrides: Overrides = { epochs: flags.epochs as number | undefined, limit: flags.limit as number | undefined, 'batch-size': flags['batch-size'] as number | undefined };
  const o = { seed: Number(flags.seed), overrides };
  const rows: GalleryRow[] = [];
  const table: GalleryEntry[] = [];
  const notice = (m: string): void => {
    process.stderr.write(`relgrad: gallery: ${m}\n`);
  };
  const started = Date.now();
  for (const name of sets) {
    output.human(`gallery: training ${name} (${recipeText(recipeWith(name, overrides))})…`);
    const { row, entry } = await gallerySet(name, o, notice);
    output.human(`gallery: ${name}: ${scoresCaption({ flow: entry.flow, gaussian: entry.gaussian, truth: entry.true })}; ${entry.seconds.toFixed(1)} s`);
    rows.push(row);
    table.push(entry);
  }
  mkdirSync(out, { recursive: true });
  const command = ['relgrad gallery', ...argv].join(' ');
  const pictures = await writeFigure(join(out, 'gallery'), galleryFigure(rows, { title: 'relgrad: each toy set with its recipe' }), { Software: GENERATOR, Comment: command });
  const document = { generator: GENERATOR, command, commit: commitOf(out), seed: o.seed, totalSeconds: (Date.now() - started) / 1000, rows: table, pictures };
  writeFileAtomic(join(out, 'gallery.json'), `${JSON.stringify(document, null, 2)}\n`);
  output.human(`gallery: wrote ${[...pictures, join(out, 'gallery.json')].join(', ')}`);
  output.result(document, !output.json);
}
