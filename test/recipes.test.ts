// The toy sets' recipes (flow/cli/recipes.ts): every set has one, `relgrad train --dataset <set>`
// uses it for every flag not given (and records it), a given flag overrides it, --resume and
// --model paper take none; train --json reports the true density's test log-likelihood, checked
// against the closed form written out here; a toy set's --limit draws that many training rows.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RECIPES, RECIPE_FLAGS, recipeOf, withRecipe } from '../flow/cli/recipes.js';
import { resolveDataset } from '../flow/cli/datasets.js';
import { TOY_SETS } from '../flow/data/toy.js';
import { loadCheckpoint } from '../flow/checkpoint.js';

const bin = resolve('dist/flow/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'relgrad-recipes-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function relgrad(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('every toy set has a recipe; each recipe flag is a train flag shown in --help with the recipes', async (t) => {
  t.same(Object.keys(RECIPES).sort(), Object.keys(TOY_SETS).sort());
  t.equal(recipeOf('mnist'), undefined, 'no recipe for other data');
  const help = relgrad('train', '--help');
  t.equal(help.code, 0, help.stderr);
  const text = help.stdout.replace(/\s+/g, ' ');
  for (const key of RECIPE_FLAGS) t.match(help.stdout, new RegExp(`--${key} `), `--${key} is a train flag`);
  t.match(text, `rings: --depth ${RECIPES.rings.depth} --bins ${RECIPES.rings.bins}`, 'the recipes are in --help');
});

t.test('withRecipe fills only the flags not given, and none for --resume or the paper model', async (t) => {
  const flags = { dataset: 'rings', model: 'deep', depth: 4, bins: 8, epochs: 50 };
  const r = withRecipe(flags, new Set(['dataset', 'epochs']));
  t.equal(r.flags.depth, RECIPES.rings.depth);
  t.equal(r.flags.bins, RECIPES.rings.bins);
  t.equal(r.flags.epochs, 50, 'a given flag wins');
  t.notOk(r.recipe !== null && 'epochs' in r.recipe, 'the record lists only what the recipe set');
  t.equal(flags.depth, 4, 'the caller\'s flags are not changed');
  t.equal(withRecipe(flags, new Set(['resume'])).recipe, null, '--resume takes the checkpoint\'s settings');
  t.equal(withRecipe({ ...flags, model: 'paper' }, new Set(['model'])).recipe, null, 'the paper model has no recipe');
  t.equal(withRecipe({ ...flags, dataset: 'data.csv' }, new Set()).recipe, null, 'a file has no recipe');
});

t.test('a toy set\'s --limit draws that many training rows; validation and test stay 500', async (t) => {
  const s = await resolveDataset({ name: 'rings', seed: 0, limit: 7000 });
  t.same([s.train.rows, s.validation.rows, s.test.rows], [7000, 500, 500]);
  t.equal((await resolveDataset({ name: 'rings', seed: 0 })).train.rows, 5000, 'the default is 5000');
});

t.test('train uses the recipe, records it, reports the true density; a flag overrides the recipe', async (t) => {
  const out = join(dir, 'sine');
  const r = relgrad('train', '--dataset', 'sine', '--epochs', '1', '--limit', '300', '--depth', '2', '--out', out, '--json');
  t.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { recipe: Record<string, unknown>; trueTestLogLikelihood: number; trueErr: number; testLogLikelihood: number; gaussianTestLogLikelihood: number };
  const { depth: _d, epochs: _e, limit: _l, ...expected } = RECIPES.sine;
  t.same(res.recipe, expected, 'the recipe\'s settings not given on the command line');
  const model = await loadCheckpoint(join(out, 'model.json'));
  t.same(model.meta?.recipe, expected, 'the run record holds the recipe');
  const stack = (model.config.stack ?? []) as { type: string; bins?: number }[];
  t.equal(stack.filter((l) => l.type === 'dense').length, 2, '--depth 2 overrides the recipe');
  t.equal(stack.find((l) => l.type === 'spline')?.bins, RECIPES.sine.bins, 'bins from the recipe');
  // the closed form, written out independently: x₁ ~ U[−4, 4), x₂ | x₁ ~ N(2 sin x₁, 0.25²)
  const { test } = await resolveDataset({ name: 'sine', seed: 0, limit: 300 });
  let sum = 0;
  for (let i = 0; i < test.rows; i++) {
    const [a, b] = [test.data[2 * i], test.data[2 * i + 1]];
    sum += -Math.log(8) - Math.log(0.25 * Math.sqrt(2 * Math.PI)) - ((b - 2 * Math.sin(a)) ** 2) / (2 * 0.0625);
  }
  t.ok(Math.abs(res.trueTestLogLikelihood - sum / test.rows) < 1e-12, `true ${res.trueTestLogLikelihood} vs ${sum / test.rows}`);
  t.ok(Math.abs(res.trueTestLogLikelihood - -2.112) < 3 * res.trueErr, 'near E[log p] = −log 8 − ½ log(2π·0.0625) − ½');
  const svg = readFileSync(join(out, 'figure.svg'), 'utf8');
  const title = /<title>([^<]*)<\/title>/.exec(svg)?.[1] ?? '';
  for (const [what, v] of [['flow', res.testLogLikelihood], ['true', res.trueTestLogLikelihood], ['Gaussian', res.gaussianTestLogLikelihood]] as const) {
    t.match(title, `${what} ${v.toFixed(3).replace('-', '−')}`, `the figure's title shows the ${what} log-likelihood`);
  }
  const moons = relgrad('train', '--epochs', '1', '--limit', '300', '--out', join(dir, 'moons'), '--json');
  t.equal(moons.code, 0, moons.stderr);
  t.notOk('trueTestLogLikelihood' in (JSON.parse(moons.stdout) as object), 'no true density for moons');
  t.ok(existsSync(join(dir, 'moons', 'model.json')));
});
