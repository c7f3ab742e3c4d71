// The GPU backend under a production bundle: esbuild --minify renames GPU.js's classes (checked:
// WebGL2Kernel's name no longer reads so), and the backend still recognises the WebGL2 kernel
// class (it compares class objects, not names) and matches the CPU backend in headless Chromium.

import t from 'tap';
import { runInChromium } from '../../tools/launch.js';
import { assertReport } from '../gpu/report.js';
import type { MinifiedReport } from '../gpu/minified-entry.js';

t.test('minified bundle: setBackend(gpu, webgl2) runs on WebGL2Kernel and matches the CPU', async (t) => {
  const report = (await runInChromium('test/gpu/minified-entry.ts', { args: { mode: 'webgl2' }, minify: true })) as MinifiedReport;
  t.not(report.bundledClassName, 'WebGL2Kernel', `the minifier renamed the class (now '${report.bundledClassName}')`);
  assertReport(t, report, 'WebGL2Kernel');
});
