// The committed MNIST results are reproducible: `relgrad eval` on the committed parameters gives
// the test log-likelihood recorded next to them (same seeded dequantisation). Three results:
// results/mnist.json, the deep relative-gradient flow (docs/layers.md), results/mnist-depth4/mnist.json,
// the same of depth 4 trained for 40 epochs, and results/paper/mnist.json, the paper's two-layer model. A regression check: each recorded value is this code's own earlier
// output. The evaluations run in float32, and kernel changes since a run (fused multiply-add in the
// GEMM; the activation's log σ' and the bias fused into one product, each rounded once) moved the
// paper model's mean by ~5e-6 nats (-1374.0680088 vs -1374.0680039). The tolerance, 1e-4 nats, is
// 20× that and 10⁴× below the results' error bars (±1.4).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { relgradHere } from './helpers/cli-in-process.js';

interface Recorded {
  test: { mean: number; err: number; n: number };
  gaussianBaseline: { mean: number };
  model: string;
}

for (const file of ['results/mnist.json', 'results/mnist-depth4/mnist.json', 'results/paper/mnist.json']) {
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as Recorded;
  t.test(`relgrad eval reproduces ${file}`, async (t) => {
    // main() in this process: what the binary runs, without a Node start-up per result
    const r = await relgradHere(process.cwd(), 'eval', '--checkpoint', recorded.model);
    t.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { logLikelihood: number; err: number; n: number; dataset: string };
    t.equal(out.dataset, 'mnist');
    t.equal(out.n, 10000, 'the official 10,000 test images');
    t.ok(Math.abs(out.logLikelihood - recorded.test.mean) < 1e-4, `${out.logLikelihood} == ${recorded.test.mean} (±1e-4)`);
    t.ok(Math.abs(out.err - recorded.test.err) < 1e-5, 'same error bar');
  });
}

// A check of the committed files' claims (not a computation): the recorded numbers say what the
// README says. The eval tests above are what ties those numbers to the committed parameters.
t.test('the committed results: the deep flow beats the full-covariance Gaussian by at least 10 nats, the paper model does not', async (t) => {
  const paper = JSON.parse(readFileSync('results/paper/mnist.json', 'utf8')) as Recorded;
  for (const file of ['results/mnist.json', 'results/mnist-depth4/mnist.json']) {
    const deep = JSON.parse(readFileSync(file, 'utf8')) as Recorded;
    t.ok(deep.test.mean >= deep.gaussianBaseline.mean + 10, `${file}: deep ${deep.test.mean.toFixed(2)} vs Gaussian ${deep.gaussianBaseline.mean.toFixed(2)}`);
  }
  t.ok(paper.test.mean < paper.gaussianBaseline.mean, `paper ${paper.test.mean.toFixed(2)} vs Gaussian ${paper.gaussianBaseline.mean.toFixed(2)}`);
});
