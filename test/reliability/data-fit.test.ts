// Issue 12, items 11–13: data that cannot be fitted meaningfully is refused or warned about,
// --standardize reports log-likelihoods in the original units, CSV files as pandas writes them are
// read right, and sampling to a file streams any n while an impossible request is refused up front.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMatrix, parseCsv, parseNpy, readNpy, splitMatrix } from '../../flow/data/files.js';
import { toySplits } from '../../flow/data/toy.js';
import { evaluate } from '../../flow/evaluate.js';
import { Flow } from '../../flow/model.js';
import { train } from '../../flow/train.js';
import { relgradHere, tempFolder } from './cli-helper.js';

const fixtures = resolve('test/fixtures/pandas');
const summaryOf = (stdout: string): { testLogLikelihood: number } =>
  JSON.parse(stdout.split('\n').find((l) => l.startsWith('{')) ?? '{}') as { testLogLikelihood: number };

t.test('11. constant columns and rows ≤ columns are refused, naming them', async (t) => {
  const dir = tempFolder(t, 'fit');
  const rows = Array.from({ length: 50 }, (_, i) => `${Math.sin(i)},7,${Math.cos(i)},7`);
  writeFileSync(join(dir, 'const.csv'), rows.join('\n'));
  const r = await relgradHere(dir, 'train', '--dataset', 'const.csv', '--epochs', '1', '--out', 'o');
  t.equal(r.code, 1);
  t.match(r.stderr, /columns 2, 4 \(1-based\) are constant in the training rows \(zero variance\)/);

  const wide = Array.from({ length: 20 }, (_, i) => Array.from({ length: 10000 }, (_, j) => Math.sin(i * 10007 + j)).join(','));
  writeFileSync(join(dir, 'wide.csv'), wide.join('\n'));
  const started = Date.now();
  const w = await relgradHere(dir, 'train', '--dataset', 'wide.csv', '--epochs', '1', '--out', 'w');
  t.equal(w.code, 1);
  t.match(w.stderr, /16 training rows for 10000 columns: a dense flow needs more rows than columns/);
  t.ok(Date.now() - started < 30_000, 'refused before building a 10000×10000 flow');

  const data = toySplits('moons', { seed: 0, train: 100, validation: 20, test: 20 });
  const constant = { data: Float64Array.from(data.train.data, (v, i) => (i % 2 === 1 ? 3 : v)), rows: 100, cols: 2 };
  await t.rejects(train(Flow.create({ dim: 2 }), { train: constant }, { epochs: 1 }), /train: training data: column 2 \(1-based\) is constant/);
});

t.test('11. --standardize: log-likelihoods in original units; a warning without it', async (t) => {
  const dir = tempFolder(t, 'std');
  const base = toySplits('moons', { seed: 3, train: 600, validation: 1, test: 1 }).train;
  const scale = 1e6;
  const lines = (k: number): string => Array.from({ length: base.rows }, (_, i) => `${base.data[2 * i] * k},${base.data[2 * i + 1] * k}`).join('\n');
  writeFileSync(join(dir, 'unit.csv'), lines(1));
  writeFileSync(join(dir, 'big.csv'), lines(scale));

  const warn = await relgradHere(dir, 'train', '--dataset', 'big.csv', '--epochs', '1', '--out', 'plain');
  t.equal(warn.code, 0, warn.stderr);
  t.match(warn.stderr, /column standard deviations range from .*e\+6 to .*e\+6, far from 1: .*--standardize/);

  const big = await relgradHere(dir, 'train', '--dataset', 'big.csv', '--epochs', '1', '--standardize', '--out', 'big');
  t.equal(big.code, 0, big.stderr);
  t.notMatch(big.stderr, /far from 1/, 'no warning with --standardize');
  const unit = await relgradHere(dir, 'train', '--dataset', 'unit.csv', '--epochs', '1', '--standardize', '--out', 'unit');
  t.equal(unit.code, 0, unit.stderr);
  const llBig = summaryOf(big.stdout).testLogLikelihood;
  const llUnit = summaryOf(unit.stdout).testLogLikelihood;
  // the standardised data are the same, so the densities differ by the Jacobian of x ↦ 1e6·x
  t.ok(Math.abs(llBig - (llUnit - 2 * Math.log(scale))) < 1e-6, `${llBig} = ${llUnit} − 2·log 1e6`);

  // independent reference: the same split, standardised by a naive loop, scored by the library
  const split = splitMatrix(loadMatrix(join(dir, 'big.csv')), { seed: 0 });
  const mean = [0, 0];
  const sd = [0, 0];
  for (let i = 0; i < split.train.rows; i++) for (let j = 0; j < 2; j++) mean[j] += split.train.data[2 * i + j] / split.train.rows;
  for (let i = 0; i < split.train.rows; i++) for (let j = 0; j < 2; j++) sd[j] += (split.train.data[2 * i + j] - mean[j]) ** 2 / split.train.rows;
  const std = sd.map(Math.sqrt);
  const z = { data: split.test.data.map((v, k) => (v - mean[k % 2]) / std[k % 2]), rows: split.test.rows, cols: 2 };
  // model.json carries the standardisation as its first (affine) layer: scored on the raw rows it
  // gives the summary's number, and without that layer, on the naively standardised rows, the same
  // number plus Σ log std
  const flow = await Flow.load(join(dir, 'big', 'model.json'));
  const reference = evaluate(flow, split.test).mean;
  t.ok(Math.abs(llBig - reference) < 1e-9 * Math.abs(reference), `summary ${llBig} vs the loaded model on the raw rows ${reference}`);
  const c = flow.config;
  const inner = Flow.fromLayers((c.stack ?? []).slice(1), { dim: 2, base: c.base, dtype: c.dtype });
  inner.paramsFromHost({ layers: flow.paramsToHost().layers.slice(1) });
  const viaLoop = evaluate(inner, z).mean - Math.log(std[0]) - Math.log(std[1]);
  t.ok(Math.abs(llBig - viaLoop) < 1e-9 * Math.abs(viaLoop), `summary ${llBig} vs the inner flow on naively standardised rows ${viaLoop}`);
  const ev = await relgradHere(dir, 'eval', '--checkpoint', join('big', 'model.json'));
  t.equal(ev.code, 0, ev.stderr);
  const evJson = JSON.parse(ev.stdout) as { logLikelihood: number; standardized: boolean };
  t.notOk(evJson.standardized, 'model.json holds the standardisation: eval applies none of its own');
  t.ok(Math.abs(evJson.logLikelihood - reference) < 1e-9 * Math.abs(reference), 'eval reports original units too');

  // the training checkpoint records the standardisation too: eval on it uses original units, and
  // a resume keeps standardising (a resume without it would be refused as a different data set)
  const evCk = await relgradHere(dir, 'eval', '--checkpoint', join('big', 'checkpoint.json'));
  t.equal(evCk.code, 0, evCk.stderr);
  t.ok((JSON.parse(evCk.stdout) as { standardized: boolean }).standardized, 'eval of checkpoint.json standardises');
  const resumed = await relgradHere(dir, 'train', '--resume', join('big', 'checkpoint.json'), '--epochs', '2');
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stdout, /epoch 2\/2/);
  const unstd = await relgradHere(dir, 'train', '--resume', join('big', 'checkpoint.json'), '--epochs', '3', '--no-standardize');
  t.equal(unstd.code, 1);
  t.match(unstd.stderr, /standardize: the checkpoint has true, this run has false/);

  const s = await relgradHere(dir, 'sample', '--checkpoint', join('big', 'model.json'), '--n', '2000', '--out', 's.csv');
  t.equal(s.code, 0, s.stderr);
  const xs = readFileSync(join(dir, 's.csv'), 'utf8').trim().split('\n').map((l) => Number(l.split(',')[0]));
  const sampleStd = Math.sqrt(xs.reduce((a, v) => a + v * v, 0) / xs.length - (xs.reduce((a, v) => a + v, 0) / xs.length) ** 2);
  t.ok(sampleStd > std[0] / 3 && sampleStd < std[0] * 3, `samples back in data units (std ${sampleStd.toExponential(2)} vs ${std[0].toExponential(2)})`);
});

t.test('12. CSV files as pandas writes them', async (t) => {
  const x = readNpy(join(fixtures, 'values.npy'));
  const cols = (k: number): number[] => Array.from({ length: x.rows * k }, (_, i) => x.data[Math.floor(i / k) * 3 + (i % k)]);
  const cases: [string, number, RegExp[]][] = [
    ['named-with-index.csv', 3, [/dropped column 1, a row index 0\.\.39 under the header ''/]],
    ['default-names.csv', 2, [/read the first line '0,1' as pandas' default column names/]],
    ['default-names-with-index.csv', 2, [/read the first line ',0,1' as pandas' default column names/, /dropped column 1/]],
    ['no-header-with-index.csv', 3, [/dropped column 1, a row index 0\.\.39 as pandas/]],
  ];
  for (const [file, k, notices] of cases) {
    const said: string[] = [];
    const r = parseCsv(readFileSync(join(fixtures, file), 'utf8'), file, { onNotice: (m) => said.push(m) });
    t.same([r.matrix.rows, r.matrix.cols], [40, k], `${file}: 40 rows × ${k} columns`);
    t.same(Array.from(r.matrix.data), cols(k), `${file}: the values pandas wrote`);
    for (const n of notices) t.match(said.join('\n'), n, `${file}: ${said.join(' | ')}`);
  }
  const kept = parseCsv(readFileSync(join(fixtures, 'no-header-with-index.csv'), 'utf8'), 'f', { indexColumn: 'keep' });
  t.equal(kept.matrix.cols, 4, 'indexColumn keep keeps it');
  const forced = parseCsv(readFileSync(join(fixtures, 'default-names.csv'), 'utf8'), 'f', { header: false });
  t.equal(forced.matrix.rows, 41, 'header: false reads the first line as data');
  t.same(Array.from(forced.matrix.data.subarray(0, 2)), [0, 1]);

  const dir = tempFolder(t, 'pandas');
  const auto = await relgradHere(dir, 'train', '--dataset', join(fixtures, 'default-names.csv'), '--epochs', '1', '--out', 'a');
  t.equal(auto.code, 0, auto.stderr);
  t.match(auto.stdout, /32 train \/ 4 validation \/ 4 test rows/, '40 data rows, not 41');
  t.match(auto.stderr, /pandas' default column names/);
  const no = await relgradHere(dir, 'train', '--dataset', join(fixtures, 'default-names.csv'), '--header', 'no', '--epochs', '1', '--out', 'b');
  t.equal(no.code, 0, no.stderr);
  t.match(no.stdout, /33 train \/ 4 validation \/ 4 test rows/, '--header no: 41 rows');
  const toy = await relgradHere(dir, 'train', '--dataset', 'moons', '--header', 'yes');
  t.equal(toy.code, 1);
  t.match(toy.stderr, /--header applies to CSV\/text files only/);
});

t.test('13. sampling to a file streams in chunks; an impossible request is refused up front', async (t) => {
  const dir = tempFolder(t, 'sample');
  const tr = await relgradHere(dir, 'train', '--dataset', 'moons', '--limit', '200', '--epochs', '1', '--out', 'm');
  t.equal(tr.code, 0, tr.stderr);
  const model = join('m', 'model.json');
  const big = await relgradHere(dir, 'sample', '--checkpoint', model, '--n', '70000', '--out', 'big.csv');
  t.equal(big.code, 0, big.stderr);
  t.match(big.stderr, /sample: 65536 \/ 70000 rows/, 'progress');
  t.match(big.stderr, /sample: 70000 \/ 70000 rows/);
  const bigLines = readFileSync(join(dir, 'big.csv'), 'utf8').trim().split('\n');
  t.equal(bigLines.length, 70000);
  const small = await relgradHere(dir, 'sample', '--checkpoint', model, '--n', '200', '--out', 'small.csv');
  t.equal(small.code, 0, small.stderr);
  t.same(bigLines.slice(0, 200), readFileSync(join(dir, 'small.csv'), 'utf8').trim().split('\n'), 'the first rows of a larger request equal a smaller one');
  const npy = await relgradHere(dir, 'sample', '--checkpoint', model, '--n', '70000', '--out', 'big.npy');
  t.equal(npy.code, 0, npy.stderr);
  const m = parseNpy(readFileSync(join(dir, 'big.npy')), 'big.npy');
  t.same([m.rows, m.cols], [70000, 2]);
  t.same(Array.from(m.data.subarray(0, 4)), bigLines.slice(0, 2).flatMap((l) => l.split(',').map(Number)), '.npy holds the same rows');

  const png = await relgradHere(dir, 'sample', '--checkpoint', model, '--n', '1000000000000', '--out', 'x.png');
  t.equal(png.code, 1);
  // 48·D + 300 bytes a row (pictures.ts): 396 at D = 2, so 10¹² rows ≈ 368,804 GiB
  t.match(png.stderr, /sample: a picture of --n 1000000000000 samples of dim 2 needs about 368803\.7 GiB of memory/);
  const disk = await relgradHere(dir, 'sample', '--checkpoint', model, '--n', '100000000000000', '--out', 'x.csv');
  t.equal(disk.code, 1);
  t.match(disk.stderr, /sample: 100000000000000 rows of dim 2 need up to .* GiB on disk; .* GiB are free there/);
  const flow = await Flow.load(join(dir, model));
  t.throws(() => flow.sample(1e12), /sample: 1000000000000 samples of dim 2 need about/);
});
