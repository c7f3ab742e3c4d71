// Runs the backend conformance suite on every CPU configuration: float64 and float32, and every
// GEMM tier. Faster tiers come from backends/cpu/fast.ts when it exists; it is expected to export
// `gemmTiers`: a list (or a promise of one, or a function returning either) of
// `{ name: string; gemm: Gemm; available?: boolean }`. Tiers with `available: false` (e.g. no
// WebAssembly SIMD on this machine) are reported as skipped.

import t from 'tap';
import { existsSync } from 'node:fs';
import { createCpuBackend, gemmJs, type Gemm } from '../backends/cpu/index.js';
import { conformance } from './conformance/suite.js';

interface GemmTier {
  name: string;
  gemm: Gemm;
  available?: boolean;
}

async function gemmTiers(): Promise<GemmTier[]> {
  const tiers: GemmTier[] = [{ name: 'js-tiled-4x4', gemm: gemmJs }];
  if (!existsSync(new URL('../backends/cpu/fast.ts', import.meta.url))) return tiers;
  // A variable specifier keeps this file compiling before fast.ts exists.
  const fastModule = '../backends/cpu/fast.js';
  const mod = (await import(fastModule)) as { gemmTiers?: unknown };
  let list: unknown = mod.gemmTiers;
  if (typeof list === 'function') list = (list as () => unknown)();
  list = await list;
  if (!Array.isArray(list)) {
    throw new Error('backends/cpu/fast.ts exists but does not export `gemmTiers` (a list of { name, gemm })');
  }
  for (const tier of list as GemmTier[]) if (!tiers.some((known) => known.name === tier.name)) tiers.push(tier);
  return tiers;
}

const tiers = await gemmTiers();
for (const tier of tiers) {
  for (const [dtype, tol] of [['float64', 1e-12], ['float32', 2e-6]] as const) {
    const name = `cpu ${dtype}, gemm ${tier.name}`;
    if (tier.available === false) {
      t.skip(name, () => {});
      continue;
    }
    await conformance(t, () => createCpuBackend({ gemm: tier.gemm, gemmName: tier.name }), { dtype, tol, name });
  }
}
