// The README's fairness claim rests on two copies of the relative and ordinary gradients outside
// the flow library: bench/fairness.ts (typed arrays on the GEMM) and bench/fairness_numpy.py
// (NumPy). Both are checked here against flow.gradient on the same parameters and data, so the
// benchmark cannot time a formula that differs from the one the library trains with.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fairnessGradients, fairnessProblem } from '../bench/fairness.js';
import { gemmJs } from '../backends/cpu/gemm.js';
import { createLu } from '../backends/cpu/lu-blocked.js';
import { Flow } from '../flow/index.js';
import { tensor, type Tensor } from '../index.js';
import { maxRelErr } from './helpers/numeric.js';

const d = 5;
const B = 20;
const problem = fairnessProblem(d, B, 3);
const lu = createLu(gemmJs);
const tools = { gemm: gemmJs, gemmName: 'js', inverse: (a: Float64Array, n: number) => lu.inv(a, { batch: 1, n }) as Float64Array, inverseName: 'lu' };

const rows = (a: Float64Array, n: number): number[][] => Array.from({ length: a.length / n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
const flow = Flow.create({ dim: d, layers: 2, activation: 'smooth-leaky-relu', alpha: 0.3, base: 'normal', bias: true, seed: 0 });
flow.setParams({ W: problem.W.map((w) => rows(w, d)), b: problem.b.map((b) => Array.from(b)) });
const x = tensor(problem.x, [B, d]);

/** [dW1, db1, dW2, db2] from the flow library. */
function library(method: 'relative' | 'ordinary'): Float64Array[] {
  const { dW, db } = flow.gradient(x, method);
  return [dW[0], db[0], dW[1], db[1]].map((g: Tensor) => Float64Array.from(g.dataSync()));
}

for (const method of ['relative', 'ordinary'] as const) {
  t.test(`bench/fairness.ts ${method} gradient = flow.gradient`, async (t) => {
    const want = library(method);
    const got = fairnessGradients(tools, problem, d, B, method);
    t.equal(got.length, 4, 'dW and db for two layers');
    got.forEach((g, i) => t.ok(maxRelErr(g, want[i]) < 1e-12, `${['dW1', 'db1', 'dW2', 'db2'][i]}: rel err ${maxRelErr(g, want[i]).toExponential(2)}`));
  });
}

t.test('bench/fairness_numpy.py gradients = flow.gradient', async (t) => {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    t.comment('python3 with numpy is not available here: the NumPy copy is not checked');
    return;
  }
  // the script runs main() on import; its definitions are executed without that last call
  const script = readFileSync(fileURLToPath(new URL('../bench/fairness_numpy.py', import.meta.url)), 'utf8');
  t.match(script, /\nmain\(\)\s*$/, 'the script ends by calling main()');
  const defs = script.replace(/\nmain\(\)\s*$/, '\n');
  const driver = `${defs}
p = json.load(sys.stdin)
x = np.array(p['x']).reshape(${B}, ${d})
W = [np.array(w).reshape(${d}, ${d}) for w in p['W']]
b = [np.array(v) for v in p['b']]
print(json.dumps({m: [g.ravel().tolist() for g in grads(x, W, b, m)] for m in ('relative', 'ordinary')}))
`;
  const input = JSON.stringify({ x: Array.from(problem.x), W: problem.W.map((w) => Array.from(w)), b: problem.b.map((v) => Array.from(v)) });
  const r = spawnSync('python3', ['-c', driver], { input, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<'relative' | 'ordinary', number[][]>;
  for (const method of ['relative', 'ordinary'] as const) {
    const want = library(method);
    out[method].forEach((g, i) => t.ok(maxRelErr(g, want[i]) < 1e-12, `${method} ${['dW1', 'db1', 'dW2', 'db2'][i]}: rel err ${maxRelErr(g, want[i]).toExponential(2)}`));
  }
});
