// The deep model's gradient stays on the backend: counting every upload and synchronous read-back
// of the backend over one relative gradient of the default deep stack and one Adam step, the step
// reads nothing back and uploads nothing (the batch is already on the backend). Before the spline
// kernels each spline layer read its input and error back and uploaded its results (about 31
// read-backs and 30 uploads a step at depth 3).
import t from 'tap';
import { createCpuBackend } from '../backends/cpu/index.js';
import { adam, randn, tidy, type Backend } from '../index.js';
import { Flow, deepStack } from '../flow/index.js';

function counting(inner: Backend): { backend: Backend; counts: { uploads: number; readBacks: number } } {
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

for (const dtype of ['float32', 'float64'] as const) {
  t.test(`one relative gradient and Adam step of deepStack({ depth: 3 }) (${dtype}): no read-back, no upload`, async (t) => {
    const { backend, counts } = counting(createCpuBackend());
    const flow = Flow.fromLayers(deepStack({ depth: 3 }), { dim: 12, seed: 0, dtype }, { backend });
    const x = randn([100, 12], { seed: 1, dtype, backend });
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
  });
}

function regroup<T>(flat: readonly T[], sizes: readonly number[]): T[][] {
  let at = 0;
  return sizes.map((n) => flat.slice(at, (at += n)));
}
