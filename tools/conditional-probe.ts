// A short timing probe (issue 20, closing note): seconds per relative-gradient step of a deep flow
// at D = 784, unconditional against conditional (context width 10), B = 100, float64, CPU backend.
// Not a benchmark (bench/ holds those): median of a few calls after one warm-up, on whatever the
// machine is doing. Run after a build: node dist/tools/conditional-probe.js [--reps N]
import { randn } from '../engine/random.js';
import { tidy } from '../engine/scope.js';
import { Flow } from '../flow/model.js';
import { deepStack, type LayerSpec } from '../flow/layers/specs.js';

const D = 784;
const B = 100;
const C = 10;
const at = process.argv.indexOf('--reps');
const reps = at < 0 ? 3 : Number(process.argv[at + 1]);
const net = { hidden: [64] };
const base = deepStack({ depth: 2, bins: 8 });
const variants: Record<string, { stack: LayerSpec[]; context: number }> = {
  unconditional: { stack: base, context: 0 },
  'conditional dense biases only': { stack: base.map((s) => (s.type === 'dense' ? { ...s, context: net } as LayerSpec : s)), context: C },
  'conditional splines and dense biases': { stack: base.map((s) => (s.type === 'dense' || s.type === 'spline' ? { ...s, context: net } as LayerSpec : s)), context: C },
};
const x = randn([B, D], { seed: 1 });
const c = randn([B, C], { seed: 2 });
const rows: Record<string, unknown>[] = [];
for (const [name, v] of Object.entries(variants)) {
  const flow = Flow.fromLayers(v.stack, { dim: D, seed: 0, ...(v.context > 0 ? { context: v.context } : {}) });
  const step = (): number => {
    const t0 = performance.now();
    tidy(() => {
      const g = flow.gradient(x, 'relative', v.context > 0 ? { context: c } : {});
      g.layers.flat().forEach((t) => t.dataSync());
    });
    return (performance.now() - t0) / 1000;
  };
  step();
  const times = Array.from({ length: reps }, step).sort((a, b) => a - b);
  rows.push({ variant: name, stack: String(flow), secondsPerGradient: times[Math.floor(times.length / 2)], all: times });
  flow.dispose();
  console.error(`${name}: ${times.map((s) => s.toFixed(3)).join(', ')} s`);
}
console.log(JSON.stringify({ D, B, contextWidth: C, reps, rows }, null, 2));
