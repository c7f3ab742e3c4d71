// Issue 22, item 5: columns with a large mean (N(0,1) + 1e6) wrecked training while it reported
// "completed". The CLI refuses such data before training with advice (centre it, or --standardize),
// and train() counts the starting point (epoch 0, the fitted Gaussian) as a candidate for the best,
// so a run never ends worse than it began.
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../engine/random.js';
import { fitGaussianFlow } from '../../flow/baselines/gaussian.js';
import { evaluate } from '../../flow/evaluate.js';
import { deepStack } from '../../flow/layers/specs.js';
import { Flow } from '../../flow/model.js';
import { train } from '../../flow/train.js';
import { relgradHere, tempFolder } from './cli-helper.js';

/** n rows of three independent N(0,1) columns shifted by `offset`. */
function shifted(n: number, offset: number, seed: number): { data: Float64Array; rows: number; cols: number } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * 3);
  for (let i = 0; i < data.length; i++) data[i] = offset + rng.normal();
  return { data, rows: n, cols: 3 };
}
const csv = (m: { data: Float64Array; rows: number; cols: number }): string =>
  Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)).join(',')).join('\n') + '\n';

t.test('5. the CLI refuses columns far from 0 for their spread, with advice, and leaves no folder', async (t) => {
  const dir = tempFolder(t, 'large-mean');
  writeFileSync(join(dir, 'far.csv'), csv(shifted(1000, 1e6, 1)));
  const r = await relgradHere(dir, 'train', '--dataset', 'far.csv', '--epochs', '3', '--out', 'run');
  t.equal(r.code, 1);
  t.match(r.stderr, /dataset far\.csv: columns 1, 2, 3 \(1-based\) have means far from 0 for their spread \(column \d: mean 1\.00e\+6, standard deviation /);
  t.match(r.stderr, /one step at learning rate 0\.01 would move it by [0-9.e+]+ standard deviations .*subtract each column's mean .*, or pass --standardize/);
  t.notOk(existsSync(join(dir, 'run')), 'no run folder');

  // the advice works: standardised, the flow scores like the Gaussian (the data is Gaussian), not −1.4e7
  const fixed = await relgradHere(dir, 'train', '--dataset', 'far.csv', '--epochs', '3', '--standardize', '--out', 'run', '--json');
  t.equal(fixed.code, 0, fixed.stderr);
  const result = JSON.parse(fixed.stdout.trim().split('\n')[0]) as { testLogLikelihood: number; gaussianTestLogLikelihood: number; err: number };
  t.ok(Math.abs(result.testLogLikelihood - result.gaussianTestLogLikelihood) < 0.2, `flow ${result.testLogLikelihood} against the Gaussian's ${result.gaussianTestLogLikelihood}`);
});

t.test('5. train(): the starting point is a candidate for the best, so a run never ends worse', async (t) => {
  // the library does not refuse the data: training from the Gaussian start makes it worse every epoch
  const trainRows = shifted(1000, 1e6, 2);
  const validation = shifted(200, 1e6, 3);
  const flow = Flow.fromLayers(deepStack({ depth: 2 }), { dim: 3, seed: 0 });
  const result = await train(flow, { train: trainRows, validation }, { epochs: 3, lr: 0.01, schedule: { kind: 'cosine' } });
  t.ok(result.history.every((h) => (h.validationLoss as number) > 100), 'every epoch is far worse than the start');
  t.equal(result.bestEpoch, 0, 'the best is the start');
  t.match(result.message, /completed 3 epochs; best epoch 0: no epoch improved on the starting point \(the Gaussian fitted to the training rows\), which the flow keeps/);
  // the independent reference: the full-covariance Gaussian fitted to the same rows
  const gaussian = evaluate(fitGaussianFlow(trainRows), validation).mean;
  const got = evaluate(flow, validation).mean;
  t.ok(Math.abs(got - gaussian) < 1e-6, `the flow ends at the Gaussian: ${got} against ${gaussian}`);
  t.ok(Math.abs(-(result.bestValidationLoss as number) - gaussian) < 1e-6, 'and reports its loss as the best');
});
