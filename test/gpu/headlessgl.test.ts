// Path 1: Node + headless-gl. The checks run in a child process under `xvfb-run -a` (headless-gl
// needs an X server), so `npx tap` works from a plain shell.

import t from 'tap';
import { runInNode } from '../../tools/launch.js';
import type { EntryReport } from './entry.js';
import { assertReport } from './report.js';

t.test('GPU backend on Node + headless-gl (HeadlessGLKernel) matches the CPU backend', async (t) => {
  const report = (await runInNode('test/gpu/entry.ts', { xvfb: true, args: { mode: 'headlessgl' } })) as EntryReport;
  assertReport(t, report, 'HeadlessGLKernel');
});
