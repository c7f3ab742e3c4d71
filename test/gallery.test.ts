// `relgrad gallery` on a tiny setting (4 epochs of 2000 rows per set, batches of 100): a short run of each recipe
// beats the Gaussian fitted to the same rows; the figure has one row per set in order, with a
// true-density panel exactly where one is known; the table matches `relgrad train` with the same
// settings; files that an earlier gallery did not write are never replaced.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { RECIPES } from '../flow/cli/recipes.js';
import { TOY_SETS } from '../flow/data/toy.js';

const bin = resolve('dist/flow/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'relgrad-gallery-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function relgrad(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Entry { set: string; recipe: { depth: number; bins: number; epochs: number; limit: number; 'batch-size': number }; flow: number; true: number | null; gaussian: number; seconds: number }

const KNOWN = new Set(['rings', 'sine', 'checkerboard', 'mog']);

t.test('a short run of every recipe beats the Gaussian; one figure row per set', async (t) => {
  const out = join(dir, 'pictures');
  // batches of 100: the large batches of some recipes would take only a few steps on 2000 rows
  const r = relgrad('gallery', '--epochs', '4', '--limit', '2000', '--batch-size', '100', '--out', out, '--json');
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { generator: string; rows: Entry[] };
  t.same(JSON.parse(readFileSync(join(out, 'gallery.json'), 'utf8')), doc, 'gallery.json holds the printed table');
  const sets = Object.keys(TOY_SETS);
  t.same(doc.rows.map((e) => e.set), sets, 'every toy set, in order');
  for (const e of doc.rows) {
    t.ok(e.flow > e.gaussian + 0.02, `${e.set}: flow ${e.flow.toFixed(3)} beats the Gaussian ${e.gaussian.toFixed(3)}`);
    const recipe = RECIPES[e.set as keyof typeof RECIPES];
    t.same([e.recipe.depth, e.recipe.bins, e.recipe.epochs, e.recipe.limit, e.recipe['batch-size']], [recipe.depth, recipe.bins, 4, 2000, 100], `${e.set}: its recipe with --epochs/--limit/--batch-size applied`);
    if (KNOWN.has(e.set)) t.ok(e.true !== null && e.true > e.flow, `${e.set}: the true density (${e.true}) scores above the short run`);
    else t.equal(e.true, null, `${e.set}: no true density`);
  }
  t.ok(Math.abs((doc.rows.find((e) => e.set === 'checkerboard')?.true as number) + Math.log(32)) < 1e-12, 'checkerboard: every test point scores −log 32');
  const svg = readFileSync(join(out, 'gallery.svg'), 'utf8');
  const rows = [...svg.matchAll(/<g class="gallery-row" data-set="([^"]+)">(.*?)<\/g>/gs)];
  t.same(rows.map((m) => m[1]), sets, 'one <g class="gallery-row"> per set, in order');
  for (const m of rows) {
    const heat = (m[2].match(/<image /g) ?? []).length;
    t.equal(heat, KNOWN.has(m[1]) ? 2 : 1, `${m[1]}: model density${KNOWN.has(m[1]) ? ' and true density' : ' only'}`);
    t.equal(m[2].includes('no closed form'), !KNOWN.has(m[1]));
    const e = doc.rows.find((x) => x.set === m[1]) as Entry;
    t.match(m[2], `flow ${e.flow.toFixed(3).replace('-', '−')}`, `${m[1]}: the caption shows the flow's log-likelihood`);
    t.match(m[2], `Gaussian ${e.gaussian.toFixed(3).replace('-', '−')}`, `${m[1]}: and the Gaussian's`);
  }
  const size = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
  const png = PNG.sync.read(readFileSync(join(out, 'gallery.png')));
  t.same([png.width, png.height], [Number(size?.[1]), Number(size?.[2])], 'the PNG is the SVG rendered');

  // the same settings through `relgrad train` give the same model: the gallery trains as train does
  const tr = relgrad('train', '--dataset', 'mog', '--epochs', '4', '--limit', '2000', '--batch-size', '100', '--out', join(dir, 'mog'), '--json');
  t.equal(tr.code, 0, tr.stderr);
  const trained = JSON.parse(tr.stdout) as { testLogLikelihood: number; gaussianTestLogLikelihood: number; trueTestLogLikelihood: number };
  const mog = doc.rows.find((e) => e.set === 'mog') as Entry;
  t.ok(Math.abs(trained.testLogLikelihood - mog.flow) < 1e-9, `train ${trained.testLogLikelihood} = gallery ${mog.flow}`);
  t.ok(Math.abs(trained.gaussianTestLogLikelihood - mog.gaussian) < 1e-9);
  t.ok(Math.abs(trained.trueTestLogLikelihood - (mog.true as number)) < 1e-12);

  // a later gallery replaces the files an earlier one wrote
  const again = relgrad('gallery', '--sets', 'moons', '--epochs', '1', '--limit', '200', '--out', out);
  t.equal(again.code, 0, again.stderr);
  t.same((JSON.parse(readFileSync(join(out, 'gallery.json'), 'utf8')) as { rows: Entry[] }).rows.map((e) => e.set), ['moons']);
});

t.test('files an earlier gallery did not write are never replaced', async (t) => {
  const out = join(dir, 'mine');
  mkdirSync(out);
  writeFileSync(join(out, 'gallery.png'), 'my picture');
  const r = relgrad('gallery', '--sets', 'moons', '--epochs', '1', '--limit', '200', '--out', out);
  t.equal(r.code, 2);
  t.match(r.stderr, /gallery\.png exists and no earlier gallery\.json there says relgrad wrote them; choose another --out, or --force/);
  t.equal(readFileSync(join(out, 'gallery.png'), 'utf8'), 'my picture', 'the user\'s file is unchanged');
  t.notOk(existsSync(join(out, 'gallery.json')));
  const unknown = relgrad('gallery', '--sets', 'moon');
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /moon/);
});
