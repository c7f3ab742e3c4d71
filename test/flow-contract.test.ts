// One contract over every activation × base (zuko/nflows style): inverse round-trip, log p against
// a numerically computed Jacobian determinant, save/load round-trip, and Newton residuals below
// 1e-10. Gradients are checked against central finite differences in flow-identities.test.ts
// (every method, activation and base) and flow-layers.test.ts (every layer type).
import t from 'tap';
import { denseViews } from '../flow/layers/specs.js';
import { numericLogProb } from './helpers/flow-numeric.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flow, ACTIVATIONS, BASES } from '../flow/index.js';
import { fromHost, randn } from '../index.js';
import { Rng } from '../engine/random.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-contract-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

for (const activation of ACTIVATIONS) {
  for (const base of BASES) {
    t.test(`${activation} × ${base}`, async (t) => {
      const dim = 3;
      const flow = Flow.create({ dim, layers: 3, activation, base, seed: 4 });
      // perturb away from orthogonal so every term matters
      const host = denseViews(flow.stack, flow.paramsToHost().layers);
      host.W.forEach((w, l) => w.forEach((v, i) => (w[i] = v * (1 + 0.3 * l) + 0.1 * Math.sin(i + l))));
      host.b.forEach((b, l) => b.forEach((_, i) => (b[i] = 0.2 * Math.cos(i * 3 + l))));
      flow.paramsFromHost(host);
      const x = randn([5, dim], { seed: 11 });

      // inverse round trip
      const s = flow.forward(x);
      const { x: back, maxResidual } = flow.inverse(s);
      const a = x.dataSync();
      const r = back.dataSync();
      let err = 0;
      for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - r[i]));
      t.ok(err < 1e-9, `f⁻¹(f(x)) = x (max error ${err.toExponential(2)})`);
      t.ok(maxResidual < 1e-10, `Newton residual ${maxResidual.toExponential(2)} < 1e-10`);

      // log p(x) = log p_s(f(x)) + log|det J_f(x)| with J by central differences
      const lp = flow.logProb(x).dataSync();
      for (let n = 0; n < 5; n++) {
        const want = numericLogProb(flow, a.subarray(n * dim, (n + 1) * dim));
        t.ok(Math.abs(lp[n] - want) < 1e-6, `sample ${n}: log p matches the numeric Jacobian (${lp[n]} vs ${want})`);
      }

      // save / load round trip
      const path = join(dir, `${activation}-${base}.json`);
      await flow.save(path);
      const loaded = await Flow.load(path);
      t.same(loaded.config, flow.config, 'config survives');
      t.same(Array.from(loaded.logProb(x).dataSync()), Array.from(lp), 'log p identical after load');
    });
  }
}

t.test('sampling: x = f⁻¹(s) for the seeded standard-normal draws s, residual < 1e-10', async (t) => {
  const flow = Flow.create({ dim: 4, layers: 3, activation: 'leaky-tanh', seed: 2 });
  const { x, maxResidual } = flow.sample(500, { seed: 3 });
  t.same(x.shape, [500, 4]);
  t.ok(maxResidual < 1e-10, `worst residual ${maxResidual.toExponential(2)}`);
  // the base draws, made here: N(0, 1) from the same seeded generator, row by row
  const rng = new Rng(3);
  const s = Float64Array.from({ length: 500 * 4 }, () => rng.normal());
  // the forward map (no Newton iterations) takes each sample back to its draw
  const back = flow.forward(x).dataSync();
  let err = 0;
  for (let i = 0; i < s.length; i++) err = Math.max(err, Math.abs(back[i] - s[i]));
  t.ok(err < 1e-9, `f(x) = s (max error ${err.toExponential(2)})`);
  // and a different seed gives other samples, each again mapped to its own draw
  const other = flow.sample(3, { seed: 4 }).x;
  const rng4 = new Rng(4);
  const s4 = fromHost(Float64Array.from({ length: 12 }, () => rng4.normal()), [3, 4]);
  const err4 = Math.max(...Array.from(flow.forward(other).dataSync(), (v, i) => Math.abs(v - s4.dataSync()[i])));
  t.ok(err4 < 1e-9, `seed 4: f(x) = s (max error ${err4.toExponential(2)})`);
});
