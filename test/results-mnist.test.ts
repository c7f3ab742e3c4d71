// The committed MNIST result is reproducible: `relgrad eval` on the committed parameters gives the
// test log-likelihood recorded in results/mnist.json (same code path, same seeded dequantisation).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const recorded = JSON.parse(readFileSync('results/mnist.json', 'utf8')) as {
  test: { mean: number; err: number; n: number };
  gaussianBaseline: { mean: number };
  model: string;
};

t.test('relgrad eval reproduces results/mnist.json', async (t) => {
  const r = spawnSync(process.execPath, [resolve('dist/flow/cli/main.js'), 'eval', '--checkpoint', recorded.model], { encoding: 'utf8', timeout: 300_000 });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { logLikelihood: number; err: number; n: number; dataset: string };
  t.equal(out.dataset, 'mnist');
  t.equal(out.n, 10000, 'the official 10,000 test images');
  t.ok(Math.abs(out.logLikelihood - recorded.test.mean) < 1e-6, `${out.logLikelihood} == ${recorded.test.mean}`);
  t.ok(Math.abs(out.err - recorded.test.err) < 1e-6, 'same error bar');
});
