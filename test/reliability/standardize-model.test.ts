// Issue 22 item 3: a model trained with --standardize gives densities in the data's units after
// Flow.load (and so in export and the NumPy reader, which read the same layers): the mean log p of
// the loaded model.json over the data file's rows agrees with the run's reported test
// log-likelihood (a subset of those rows), `eval` of model.json agrees with it too, and samples
// land near the data. Before, Flow.load(model.json).logProb(x) scored raw columns with a model of
// standardised ones (−1e5 and worse here).
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../engine/random.js';
import { Flow } from '../../flow/index.js';
import { relgradHere, tempFolder } from './cli-helper.js';

t.test('train --standardize, then Flow.load(model.json), eval and sample in the data\'s units', async (t) => {
  const dir = tempFolder(t, 'standardize-model');
  const rng = new Rng(9);
  const rows: number[][] = [];
  for (let i = 0; i < 600; i++) {
    const a = rng.normal();
    rows.push([1000 + 40 * a, -5 + 0.5 * (0.6 * a + 0.8 * rng.normal())]);
  }
  writeFileSync(join(dir, 'data.csv'), `a,b\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  const run = await relgradHere(dir, 'train', '--dataset', 'data.csv', '--standardize', '--epochs', '3', '--model', 'paper', '--out', 'run', '--json');
  t.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { testLogLikelihood: number; err: number };
  const flow = await Flow.load(join(dir, 'run', 'model.json'));
  const x = { data: Float64Array.from(rows.flat()), rows: rows.length, cols: 2 };
  const logp = Array.from(flow.logProb(x).dataSync());
  const mean = logp.reduce((a, v) => a + v, 0) / logp.length;
  // the test split is ~1/10 of the rows: its mean differs from the whole file's by sampling noise
  t.ok(Math.abs(mean - summary.testLogLikelihood) < 0.3 + 3 * summary.err, `mean log p over the file ${mean.toFixed(3)} vs the run's test ${summary.testLogLikelihood.toFixed(3)} ± ${summary.err.toFixed(3)}`);
  const evaluated = await relgradHere(dir, 'eval', '--checkpoint', join('run', 'model.json'), '--dataset', 'data.csv');
  t.equal(evaluated.code, 0, evaluated.stderr);
  const e = JSON.parse(evaluated.stdout.trim().split('\n').pop() ?? '{}') as { logLikelihood: number };
  t.ok(Math.abs(e.logLikelihood - summary.testLogLikelihood) < 1e-6, `eval of model.json ${e.logLikelihood} = the run's ${summary.testLogLikelihood}`);
  const samples = Array.from(flow.sample(400, { seed: 1 }).x.dataSync());
  const sampleMean = samples.filter((_, i) => i % 2 === 0).reduce((a, v) => a + v, 0) / 400;
  t.ok(Math.abs(sampleMean - 1000) < 40, `samples' first column mean ${sampleMean.toFixed(1)}: within one data std (40) of 1000, not near 0`);
});
