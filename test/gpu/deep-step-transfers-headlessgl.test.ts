// The deep step's transfers on the GPU.js backend (Node + headless-gl): the spline passes are
// shaders, so one relative gradient and Adam step reads nothing back and uploads nothing (see
// test/deep-step-transfers.test.ts). headless-gl needs an X server: without DISPLAY this file
// re-runs itself under `xvfb-run -a`, as conformance-headlessgl.test.ts does.

import t from 'tap';
import { fileURLToPath } from 'node:url';
import { createGpuBackend } from '../../backends/gpu/index.js';
import { checkDeepStep } from '../helpers/step-transfers.js';

if (process.env.DISPLAY === undefined || process.env.DISPLAY === '') {
  const self = fileURLToPath(import.meta.url);
  t.spawn('xvfb-run', ['-a', 'npx', 'tap', '--disable-coverage', '--reporter=tap', self], {}, 'deep step transfers under xvfb-run -a');
} else {
  t.test('one relative gradient and Adam step of deepStack({ depth: 3 }) (gpu.js headless-gl, float32): no read-back, no upload', async (t) => {
    await checkDeepStep(t, await createGpuBackend({ mode: 'headlessgl' }), 12, 'float32');
  });
}
