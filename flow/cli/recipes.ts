// Training recipes of the toy 2-D sets: for each set, the deep stack (depth, bins, bound), the rows
// drawn (--limit), the epochs, batch size, learning rate and schedule that `relgrad train
// --dataset <set>` and `relgrad gallery` use unless a flag says otherwise. Each was found by the
// search recorded in docs/gallery.md, within 60 s of training on a quiet 2-core machine.

import type { FlagValues } from './args.js';
import type { ToyName } from '../data/toy.js';

/** A toy set's training settings, keyed by the `relgrad train` flag each one sets. */
export interface Recipe {
  /** dense layers of the deep stack */
  depth: number;
  /** spline bins per unit */
  bins: number;
  /** the splines cover [-bound, bound] */
  bound: number;
  /** training rows drawn (the test and validation splits stay 500 rows) */
  limit: number;
  epochs: number;
  'batch-size': number;
  lr: number;
  schedule: 'cosine' | 'constant' | 'step' | 'plateau';
  /** early-stopping patience in epochs */
  patience: number;
}

/** The flags a recipe sets, in the order --help and the run record list them. */
export const RECIPE_FLAGS: readonly (keyof Recipe)[] = ['depth', 'bins', 'bound', 'limit', 'epochs', 'batch-size', 'lr', 'schedule', 'patience'];

/** Every toy set's recipe (docs/gallery.md gives the search behind each and its measured result). */
export const RECIPES: { readonly [N in ToyName]: Readonly<Recipe> } = {
  moons: { depth: 4, bins: 16, bound: 4, limit: 20000, epochs: 40, 'batch-size': 500, lr: 0.01, schedule: 'cosine', patience: 1000 },
  sine: { depth: 6, bins: 16, bound: 4, limit: 20000, epochs: 40, 'batch-size': 100, lr: 0.01, schedule: 'cosine', patience: 1000 },
  mog: { depth: 6, bins: 16, bound: 4, limit: 10000, epochs: 60, 'batch-size': 100, lr: 0.01, schedule: 'cosine', patience: 1000 },
  // large batches: at D = 2 a step's cost is mostly per-op overhead (docs/gallery.md, the second search)
  rings: { depth: 14, bins: 48, bound: 4, limit: 40000, epochs: 60, 'batch-size': 1000, lr: 0.01, schedule: 'cosine', patience: 1000 },
  checkerboard: { depth: 16, bins: 16, bound: 4, limit: 40000, epochs: 30, 'batch-size': 500, lr: 0.01, schedule: 'cosine', patience: 1000 },
  '2spirals': { depth: 8, bins: 16, bound: 4, limit: 20000, epochs: 40, 'batch-size': 100, lr: 0.01, schedule: 'cosine', patience: 1000 },
};

/** The recipe of a data set name, or undefined when it is not a toy set. */
export function recipeOf(dataset: string): Readonly<Recipe> | undefined {
  return Object.prototype.hasOwnProperty.call(RECIPES, dataset) ? RECIPES[dataset as ToyName] : undefined;
}

/** One recipe as `--depth 8 --bins 16 …` (what --help shows and what to type to repeat it). */
export function recipeText(r: Readonly<Recipe>): string {
  return RECIPE_FLAGS.map((k) => `--${k} ${r[k]}`).join(' ');
}

/** The recipes for --help: one sentence per set. */
export function recipesHelp(): string {
  const sets = Object.entries(RECIPES).map(([name, r]) => `${name}: ${recipeText(r)}.`);
  return `A toy set trains with its recipe (docs/gallery.md) for every flag not given (not with --resume or --model paper): ${sets.join(' ')}`;
}

/**
 * The flags of a run with the data set's recipe filled in where the command line gave no value:
 * the recipe applies to a toy set trained from scratch with the deep model. Returns the flags
 * and the recipe's settings that were used (null when no recipe applies), for the run record.
 */
export function withRecipe(flags: FlagValues, given: ReadonlySet<string>): { flags: FlagValues; recipe: Partial<Recipe> | null } {
  const recipe = recipeOf(String(flags.dataset));
  if (recipe === undefined || given.has('resume') || flags.model !== 'deep') return { flags, recipe: null };
  const used: Partial<Record<keyof Recipe, unknown>> = {};
  const out: FlagValues = { ...flags };
  for (const key of RECIPE_FLAGS) {
    if (given.has(key)) continue;
    out[key] = recipe[key];
    used[key] = recipe[key];
  }
  return { flags: out, recipe: used as Partial<Recipe> };
}
