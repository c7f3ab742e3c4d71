// Runs the backend conformance suite on every CPU configuration: float64 and float32, and every
// tier of backends/cpu/runtime.ts, each built as createCpuBackend({ tier }) builds it (the threaded
// tier with its shared-memory storage and SIMD element-wise kernels, as the default backend ships
// it); the default backend (the 'cpu' entry of backends/index.ts) must be the fastest tested row.
// A tier this machine cannot run (no WebAssembly SIMD, or one core for the threaded tier) is
// reported by name; where it should run (SIMD present, and ≥ 2 cores for the threaded tier) its
// absence fails the test instead of hiding behind a skip.

import t, { type Test } from 'tap';
import { availableParallelism } from 'node:os';
import { createCpuBackend } from '../backends/cpu/index.js';
import { BACKENDS } from '../backends/index.js';
import { gemmTiers } from '../backends/cpu/runtime.js';
import { simdSupported } from '../backends/cpu/wasm/index.js';
import { conformance } from './conformance/suite.js';
import { pointwisePass, adamUpdate, fromHost, sum, type Backend } from '../index.js';
import { Rng } from '../engine/random.js';

/**
 * The paths the suite's small tensors never take: from 1024 elements on, the threaded tier keeps
 * arrays in its shared memory and runs the full sum, Adam and the activation passes in its SIMD
 * kernels. Each against a naive float64 loop written here.
 */
function largeTensorChecks(t: Test, backend: Backend, dtype: 'float64' | 'float32', label: string): void {
  const n = 4096;
  const tol = dtype === 'float64' ? 1e-12 : 2e-6;
  const rng = new Rng(31);
  const host = (): Float64Array => Float64Array.from({ length: n }, () => rng.normal());
  const on = { backend, dtype };
  const [hp, hd, hm, hv0] = [host(), host(), host(), host()];
  const hv = hv0.map((x) => x * x);
  const close = (what: string, got: ArrayLike<number>, want: ArrayLike<number>): void => {
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
    t.ok(worst <= tol, `${label}: ${what} (worst relative error ${worst.toExponential(2)})`);
  };
  const x = fromHost(hp, [64, 64], on);
  close('full sum of 4096 elements', [sum(x).item()], [hp.reduce((a, v) => a + v, 0)]);
  const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3 };
  const r = adamUpdate(x, fromHost(hd, [64, 64], on), fromHost(hm, [64, 64], on), fromHost(hv, [64, 64], on), h);
  const want = { p: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    want.m[i] = h.beta1 * hm[i] + (1 - h.beta1) * hd[i];
    want.v[i] = h.beta2 * hv[i] + (1 - h.beta2) * hd[i] * hd[i];
    want.p[i] = hp[i] - (h.lr * (want.m[i] / h.c1)) / (Math.sqrt(want.v[i] / h.c2) + h.eps);
  }
  close('Adam m', r.m.dataSync(), want.m);
  close('Adam v', r.v.dataSync(), want.v);
  close('Adam p', r.p.dataSync(), want.p);
  // smooth leaky ReLU, α = 0.3: σ = αy + (1-α)·softplus(y), log σ' = log(α + (1-α)·sigmoid(y))
  const a = 0.3;
  const softplus = (y: number): number => Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y)));
  const map = { base: 'softplus' as const, linear: a, outer: 1 - a, inner: 1 };
  close('pointwise value', pointwisePass('value', map, x).dataSync(), hp.map((y) => a * y + (1 - a) * softplus(y)));
  close('pointwise log-derivative', pointwisePass('log-derivative', map, x).dataSync(), hp.map((y) => Math.log(a + (1 - a) / (1 + Math.exp(-y)))));
}

const tiers = gemmTiers();
let fastest: string | undefined;
const cores = availableParallelism();
const expected: Record<string, boolean> = { js: true, wasm: simdSupported(), 'wasm-threads': simdSupported() && cores >= 2 };

for (const [i, tier] of tiers.entries()) {
  const kind = (['js', 'wasm', 'wasm-threads'] as const)[i];
  if (!tier.available) {
    if (expected[kind]) {
      t.fail(`gemm tier '${kind}' is unavailable on a machine that should run it (SIMD ${simdSupported()}, ${cores} cores)`);
    } else {
      t.comment(`gemm tier '${kind}' cannot run here (SIMD ${simdSupported()}, ${cores} cores): not tested`);
    }
    continue;
  }
  for (const [dtype, tol] of [['float64', 1e-12], ['float32', 2e-6]] as const) {
    await conformance(t, () => {
      const backend = createCpuBackend({ tier: kind });
      fastest = backend.describe().implementation;
      return backend;
    }, { dtype, tol, name: `cpu ${dtype}, tier ${kind} (${tier.name})` });
    t.test(`cpu ${dtype}, tier ${kind}: tensors of 4096 elements`, async (t) => largeTensorChecks(t, createCpuBackend({ tier: kind }), dtype, kind));
  }
}
t.equal(BACKENDS.cpu().describe().implementation, fastest, 'the default CPU backend is the fastest tier tested above, built the same way');
t.equal(tiers.length, 3, 'three tiers are listed: js, wasm, wasm-threads');
