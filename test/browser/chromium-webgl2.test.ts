// Path 3: headless Chromium, WebGL2 (ANGLE on SwiftShader): the checks bundled with esbuild,
// served from 127.0.0.1, results posted back and asserted here.

import t from 'tap';
import { runInChromium } from '../../tools/launch.js';
import type { EntryReport } from '../gpu/entry.js';
import { assertReport } from '../gpu/report.js';

t.test('GPU backend in headless Chromium, webgl2 (WebGL2Kernel) matches the CPU backend', async (t) => {
  const report = (await runInChromium('test/gpu/entry.ts', { args: { mode: 'webgl2' } })) as EntryReport;
  assertReport(t, report, 'WebGL2Kernel');
});
