// The GPU backend refuses clearly: a GPU.js mode that cannot run throws (no silent CPU/webasm
// fallback), float64 storage throws, sizes past the device's index range throw naming op and
// shape, and WebGPU has no synchronous read-back.

import t from 'tap';
import { runInNode } from '../../tools/launch.js';

type Messages = Record<string, string>;

t.test('headlessgl without an X server: clear error, no fallback', async (t) => {
  const r = (await runInNode('test/gpu/refusal-entry.ts', { args: { mode: 'headlessgl', working: false }, env: { DISPLAY: '' } })) as Messages;
  t.match(r.open, /mode 'headlessgl'.*xvfb-run/s);
});

t.test('webgl2 in Node: clear error, not the webasm kernel GPU.js would pick', async (t) => {
  const r = (await runInNode('test/gpu/refusal-entry.ts', { args: { mode: 'webgl2', working: false } })) as Messages;
  t.match(r.open, /mode 'webgl2' cannot run/);
});

t.test('headless-gl backend refuses float64 and oversized outputs', async (t) => {
  const r = (await runInNode('test/gpu/refusal-entry.ts', { xvfb: true, args: { mode: 'headlessgl', working: true } })) as Messages;
  t.equal(r.open, 'no error');
  t.equal(r.kernelClass, 'HeadlessGLKernel');
  t.match(r.float64Upload, /float64 storage is not supported.*float32 only/);
  t.match(r.float64Option, /float64 storage is not supported/);
  t.match(r.float64Read, /float64 storage is not supported/);
  t.match(r.tooLarge, /expand \[1,1\] to \[5000,4000\]: 20000000 elements exceed/);
  t.equal(r.readSync, 'no error');
});

t.test('WebGPU backend: no synchronous read-back, clear error', async (t) => {
  const r = (await runInNode('test/gpu/refusal-entry.ts', { args: { mode: 'webgpu', working: true } })) as Messages;
  t.equal(r.kernelClass, 'WebGPUKernel');
  t.match(r.readSync, /WebGPU has no synchronous read-back; use `await tensor.data\(\)`/);
  t.match(r.tooLarge, /20000000 elements exceed/);
});
