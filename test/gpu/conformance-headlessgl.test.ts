// The shared conformance suite (test/conformance/suite.ts) on the GPU backend, Node + headless-gl.
// headless-gl needs an X server: without DISPLAY this file re-runs itself under `xvfb-run -a`
// and folds the child's TAP stream in as a subtest, so `npx tap` works from a plain shell.

import t from 'tap';
import { fileURLToPath } from 'node:url';
import { hostLinalg } from '../../backends/cpu/index.js';
import { createGpuBackend } from '../../backends/gpu/index.js';
import { conformance } from '../conformance/suite.js';

if (process.env.DISPLAY === undefined || process.env.DISPLAY === '') {
  const self = fileURLToPath(import.meta.url);
  t.spawn('xvfb-run', ['-a', 'npx', 'tap', '--disable-coverage', '--reporter=tap', self], {}, 'conformance under xvfb-run -a');
} else {
  await conformance(t, () => createGpuBackend({ mode: 'headlessgl' }, hostLinalg()), { dtype: 'float32', tol: 1e-4, name: 'gpu headlessgl' });
}
