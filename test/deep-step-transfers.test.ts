// The deep model's gradient stays on the backend: counting every upload and synchronous read-back
// of the backend over one relative gradient of the default deep stack and one Adam step, the step
// reads nothing back and uploads nothing (the batch is already on the backend). Before the spline
// kernels each spline layer read its input and error back and uploaded its results (about 31
// read-backs and 30 uploads a step at depth 3).
import t from 'tap';
import { createCpuBackend } from '../backends/cpu/index.js';
import type { Backend } from '../index.js';
import { checkDeepStep } from './helpers/step-transfers.js';

// the GPU.js backend's twin: test/gpu/deep-step-transfers-headlessgl.test.ts
const configurations: { name: string; dtype: 'float32' | 'float64'; dim: number; make: () => Backend }[] = [
  { name: 'cpu, JavaScript', dtype: 'float32', dim: 12, make: () => createCpuBackend() },
  { name: 'cpu, JavaScript', dtype: 'float64', dim: 12, make: () => createCpuBackend() },
  // the shipped default: WebAssembly SIMD kernels and the worker thread (100 × 336 values: the spline passes split)
  { name: 'cpu, fastest tier', dtype: 'float32', dim: 336, make: () => createCpuBackend({ tier: 'auto' }) },
];

for (const { name, dtype, dim, make } of configurations) {
  t.test(`one relative gradient and Adam step of deepStack({ depth: 3 }) (${name}, ${dtype}): no read-back, no upload`, async (t) => {
    await checkDeepStep(t, make(), dim, dtype);
  });
}
