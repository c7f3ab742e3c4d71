// The float64 SIMD maps of the spline knots' pass (backends/cpu/wasm/map-kernels.ts, run by the
// threaded runtime's mapF64) against independent references: e^u by Math.exp, softplus by
// log1p(e^u) / u + log1p(e^{−u}), σ by ½(1 + tanh(u/2)) (e^u/(1 + e^u) for u < 0), over a grid
// that includes the extremes, an odd length (the last element mapped in JavaScript), NaN and ±∞.
// Then the knot pass with the maps against the same pass per element (the shipped CPU backend
// runs the knot pass as whole kernels: test/cpu-knot-kernels.test.ts).

import t from 'tap';
import { splineKnots } from '../backends/cpu/spline-knots.js';
import { createThreadedRuntime } from '../backends/cpu/threads/index.js';
import { mapInPlace, type VectorMap } from '../backends/cpu/vector-maps.js';
import { allocHost } from '../engine/dtype.js';
import { Rng } from '../engine/random.js';

const threaded = createThreadedRuntime({ threads: 2 });
if (threaded === undefined) throw new Error('cpu-vector-maps: no threaded runtime on this machine (needs WebAssembly SIMD and 2 cores)');
t.teardown(() => threaded.close());

const SMALLEST_NORMAL = 2.2250738585072014e-308;
const rng = new Rng(11);

/** Worst relative error of map over xs against ref (|ref| below the smallest normal: absolute). */
function worst(map: 'exp' | 'softplus' | 'sigmoid', xs: number[], ref: (u: number) => number): { err: number; at: number } {
  const values = Float64Array.from(xs);
  t.equal(threaded!.mapF64(map, values), true, `${map}: the SIMD map ran`);
  let err = 0;
  let at = NaN;
  xs.forEach((u, i) => {
    const r = ref(u);
    const e = Math.abs(values[i] - r) / Math.max(Math.abs(r), SMALLEST_NORMAL);
    if (!(e <= err)) {
      err = e;
      at = u;
    }
  });
  return { err, at };
}

const grid = (from: number, to: number, n: number): number[] => {
  const xs = Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1));
  for (let i = 0; i < n; i++) xs.push(from + (to - from) * rng.uniform());
  xs.push(0, -0, -1e-300, -5e-324, -1e-17);
  return xs.length % 2 === 1 ? xs : [...xs, -0.75]; // odd: the last one goes through JavaScript
};

t.test('e^u for u ≤ 0 within 2 ulp of Math.exp, down to the smallest normal', async (t) => {
  const xs = grid(-708, 0, 4001);
  t.equal(xs.length % 2, 1);
  const { err, at } = worst('exp', xs, Math.exp);
  t.ok(err < 4.5e-16, `worst relative error ${err.toExponential(2)} at u = ${at}`);
  const below = Float64Array.from([-720, -745, -800, -1e6, -Infinity]);
  threaded.mapF64('exp', below);
  // the kernel clamps u at −708.3964 (just above log of the smallest normal): e^u ≤ 1.0000000000001× that normal
  t.ok(below.every((v) => v >= 0 && v <= SMALLEST_NORMAL * (1 + 1e-13)), `below log(smallest normal): at most that normal (${Array.from(below).join(', ')})`);
});

t.test('softplus(u) = log(1 + e^u) within 2 ulp over [−700, 700]', async (t) => {
  const ref = (u: number): number => (u <= 0 ? Math.log1p(Math.exp(u)) : u + Math.log1p(Math.exp(-u)));
  const { err, at } = worst('softplus', grid(-700, 700, 4001), ref);
  t.ok(err < 4.5e-16, `worst relative error ${err.toExponential(2)} at u = ${at}`);
});

t.test('σ(u) = 1/(1 + e^{−u}) within 2 ulp over [−700, 700]', async (t) => {
  const ref = (u: number): number => (u >= 0 ? 0.5 * (1 + Math.tanh(u / 2)) : Math.exp(u) / (1 + Math.exp(u)));
  const { err, at } = worst('sigmoid', grid(-700, 700, 4001), ref);
  t.ok(err < 4.5e-16, `worst relative error ${err.toExponential(2)} at u = ${at}`);
});

t.test('NaN stays NaN; ±∞ map to the limits', async (t) => {
  for (const map of ['exp', 'softplus', 'sigmoid'] as const) {
    const v = Float64Array.from([NaN, 1, NaN]);
    threaded.mapF64(map, v);
    t.ok(Number.isNaN(v[0]) && Number.isNaN(v[2]), `${map}: NaN in a vector and in the JavaScript tail`);
  }
  const sp = Float64Array.from([Infinity, -Infinity]);
  threaded.mapF64('softplus', sp);
  t.equal(sp[0], Infinity);
  t.ok(sp[1] >= 0 && sp[1] <= SMALLEST_NORMAL * (1 + 1e-13), `softplus(−∞) = ${sp[1]}`);
  const sg = Float64Array.from([Infinity, -Infinity]);
  threaded.mapF64('sigmoid', sg);
  t.equal(sg[0], 1);
  t.ok(sg[1] >= 0 && sg[1] <= SMALLEST_NORMAL * (1 + 1e-13), `σ(−∞) = ${sg[1]}`);
});

t.test('mapInPlace maps per element where the vector map declines or is absent', async (t) => {
  const xs = [-3, -0.5, 0];
  const declined = Float64Array.from(xs);
  const never: VectorMap = () => false;
  mapInPlace('exp', declined, never);
  t.same(Array.from(declined), xs.map(Math.exp));
  const absent = Float64Array.from(xs);
  mapInPlace('exp', absent);
  t.same(Array.from(absent), xs.map(Math.exp));
  t.equal(threaded.mapF64('exp', new Float64Array(1)), false, 'one element: no whole vector, declined');
});

t.test('the knot pass with the SIMD maps equals the pass per element (float64, 1e-14 of each output\'s largest entry)', async (t) => {
  const dim = 97; // odd: a JavaScript tail in each map
  const K = 8;
  const normal = (n: number, s: number): Float64Array => Float64Array.from({ length: n }, () => s * rng.normal());
  const uw = normal(dim * K, 2);
  const uh = normal(dim * K, 2);
  const ud = normal(dim * (K - 1), 3);
  const g = normal(3 * dim * (K + 1), 1);
  const p = { dim, bins: K, bound: 4, minBin: 1e-3, minDerivative: 1e-3, scale: 0.01 };
  for (const pass of ['knots', 'knots-backward'] as const) {
    const scalar = splineKnots(pass, uw, uh, ud, g, p, allocHost);
    const vector = splineKnots(pass, uw, uh, ud, g, p, allocHost, threaded.mapF64);
    let err = 0;
    let differs = false;
    scalar.forEach((s, q) => {
      const largest = Array.from(s).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      s.forEach((v, i) => {
        err = Math.max(err, Math.abs(vector[q][i] - v) / largest);
        differs ||= vector[q][i] !== v;
      });
    });
    t.ok(err < 1e-14, `${pass}: worst relative difference ${err.toExponential(2)}`);
    t.ok(differs, `${pass}: the two paths differ in some last bit (else the check below could not tell them apart)`);
  }
});
