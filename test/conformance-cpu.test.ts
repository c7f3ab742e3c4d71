// Runs the backend conformance suite on every CPU configuration: float64 and float32, and every
// GEMM tier of backends/cpu/runtime.ts. A tier this machine cannot run (no WebAssembly SIMD, or one
// core for the threaded tier) is reported by name; where it should run (SIMD present, and ≥ 2
// cores for the threaded tier) its absence fails the test instead of hiding behind a skip.

import t from 'tap';
import { availableParallelism } from 'node:os';
import { createCpuBackend } from '../backends/cpu/index.js';
import { gemmTiers } from '../backends/cpu/runtime.js';
import { simdSupported } from '../backends/cpu/wasm/index.js';
import { conformance } from './conformance/suite.js';

const tiers = gemmTiers();
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
    await conformance(t, () => createCpuBackend({ gemm: tier.gemm, gemmName: tier.name }), { dtype, tol, name: `cpu ${dtype}, gemm ${tier.name}` });
  }
}
t.equal(tiers.length, 3, 'three tiers are listed: js, wasm, wasm-threads');
