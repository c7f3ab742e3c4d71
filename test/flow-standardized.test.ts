// withStandardization: the saved form of a flow trained on standardised columns gives the same
// log-likelihoods as scoring standardised rows and subtracting Σ log std (computed here by hand), and
// its samples are the standardised flow's samples mapped back to the data's units (same seed).
import t from 'tap';
import { Flow, deepStack } from '../flow/index.js';
import { withStandardization } from '../flow/standardized.js';
import { Rng } from '../engine/random.js';

const D = 3;
const mean = [1e3, -5, 0.25];
const std = [40, 0.5, 2];
const rng = new Rng(4);
const rows = 9;
const x = Float64Array.from({ length: rows * D }, (_, i) => mean[i % D] + std[i % D] * rng.normal());
const z = x.map((v, i) => (v - mean[i % D]) / std[i % D]);

for (const [label, make] of [
  ['the paper model', () => Flow.create({ dim: D, seed: 2 })],
  ['a deep stack', () => Flow.fromLayers(deepStack({ depth: 2, bins: 5 }), { dim: D, seed: 2 })],
] as const) {
  t.test(`${label}: log p in the data's units; samples mapped back`, async (t) => {
    const flow = make();
    // move the deep stack's parameters off the identity start so every layer matters
    flow.setParams({ layers: flow.paramsToHost().layers.map((l) => l.map((a) => a.map((v) => v + 0.05 * rng.normal()))) });
    const original = withStandardization(flow, { mean, std });
    const logStd = std.reduce((a, v) => a + Math.log(v), 0);
    const want = Array.from(flow.logProb({ data: z, rows, cols: D }).dataSync(), (v) => v - logStd);
    const got = Array.from(original.logProb({ data: x, rows, cols: D }).dataSync());
    t.ok(got.every((v, i) => Math.abs(v - want[i]) < 1e-9 * (1 + Math.abs(want[i]))), `log p: ${got[0]} vs ${want[0]}`);
    const s = Array.from(flow.sample(5, { seed: 3 }).x.dataSync(), (v, i) => v * std[i % D] + mean[i % D]);
    const back = Array.from(original.sample(5, { seed: 3 }).x.dataSync());
    t.ok(back.every((v, i) => Math.abs(v - s[i]) < 1e-8 * (1 + Math.abs(s[i]))), 'samples in the data\'s units');
    t.throws(() => withStandardization(flow, { mean, std: [1, 0, 1] }), /column 1 has scale 0/);
  });
}
