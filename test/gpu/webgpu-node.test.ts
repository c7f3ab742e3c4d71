// Path 2: Node + WebGPU (npm webgpu 0.6.2 = Dawn, OpenGL ES backend on llvmpipe, surfaceless
// EGL). Runs in a child process so Dawn's device and env never touch the test runner.

import t from 'tap';
import { runInNode } from '../../tools/launch.js';
import type { EntryReport } from './entry.js';
import { assertReport } from './report.js';

t.test('GPU backend on Node + WebGPU/Dawn (WebGPUKernel) matches the CPU backend', async (t) => {
  const report = (await runInNode('test/gpu/entry.ts', {
    args: { mode: 'webgpu' },
    env: { XDG_RUNTIME_DIR: '/tmp', EGL_PLATFORM: 'surfaceless' },
  })) as EntryReport;
  assertReport(t, report, 'WebGPUKernel');
});
