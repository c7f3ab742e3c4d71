// Counts a backend's uploads and synchronous read-backs over one relative gradient and Adam step of
// the default deep stack (test/deep-step-transfers.test.ts and its GPU.js twin under test/gpu/).

import type { Test } from 'tap';
import { adam, randn, tidy, type Backend } from '../../index.js';
import { Flow, deepStack } from '../../flow/index.js';

export function counting(inner: Backend): { backend: Backend; counts: { uploads: number; readBacks: number } } {
  const counts = { uploads: 0, readBacks: 0 };
  const backend: Backend = {
    ...inner,
    name: inner.name,
    defaultDtype: inner.defaultDtype,
    kernels: inner.kernels,
    describe: () => inner.describe(),
    upload: (values, dtype) => {
      counts.uploads++;
      return inner.upload(values, dtype);
    },
    readSync: (s, dtype, size) => {
      counts.readBacks++;
      return inner.readSync(s, dtype, size);
    },
    read: (s, dtype, size) => {
      counts.readBacks++;
      return inner.read(s, dtype, size);
    },
    free: (s) => inner.free(s),
  };
  return { backend, counts };
}

/** One warm step counted: the step must read nothing back and upload nothing. */
export async function checkDeepStep(t: Test, inner: Backend, dim: number, dtype: 'float32' | 'float64'): Promise<void> {
  const { backend, counts } = counting(inner);
  const flow = Flow.fromLayers(deepStack({ depth: 3 }), { dim, seed: 0, dtype }, { backend });
  const x = randn([100, dim], { seed: 1, dtype, backend });
  const opt = adam({ lr: 1e-3 });
  const step = (): void => {
    tidy(() => {
      const g = flow.gradient(x, 'relative');
      flow.replaceLayerParams(regroup(opt.step(flow.layerParams.flat(), g.layers.flat()), flow.layerParams.map((l) => l.length)));
    });
  };
  step(); // the optimiser's moments are created on the first step
  counts.uploads = 0;
  counts.readBacks = 0;
  step();
  t.equal(counts.readBacks, 0, 'no read-back');
  t.equal(counts.uploads, 0, 'no upload');
  opt.dispose();
  flow.dispose();
  x.dispose();
}

function regroup<T>(flat: readonly T[], sizes: readonly number[]): T[][] {
  let at = 0;
  return sizes.map((n) => flat.slice(at, (at += n)));
}
