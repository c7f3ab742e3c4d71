// The worker threads run source text made from functions of this package (threads/worker.ts). A
// bundler that keeps function names (esbuild keepNames, as the bench's Node launcher uses) rewrites
// nested functions in those sources as __name(fn, 'name'); the worker must still run. Bundled here
// with keepNames: a product large enough to be split between the threads, checked against a naive
// float64 loop in the child.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

t.test('threaded GEMM from a keepNames bundle', async (t) => {
  const dir = resolve('node_modules/.cache/relgrad-test-bundled');
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `
import { createThreadedRuntime } from ${JSON.stringify(resolve('backends/cpu/threads/index.ts'))};
const threaded = createThreadedRuntime({ threads: 2, minFlops: 1 });
if (threaded === undefined) { console.log(JSON.stringify({ skipped: true })); process.exit(0); }
const m = 512, n = 512, k = 256;
const a = threaded.alloc('float64', m * k)!, b = threaded.alloc('float64', k * n)!, c = threaded.alloc('float64', m * n)!;
for (let i = 0; i < a.length; i++) a[i] = Math.sin(i);
for (let i = 0; i < b.length; i++) b[i] = Math.cos(i);
// repeated: the worker starts during the first product, which this thread may finish alone
for (let rep = 0; rep < 10; rep++) threaded.gemm({ transA: false, transB: false, m, n, k, alpha: 1, a, aOffset: 0, lda: k, b, bOffset: 0, ldb: n, beta: 0, c, cOffset: 0, ldc: n });
let worst = 0;
for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
  worst = Math.max(worst, Math.abs(s - c[i * n + j]));
}
console.log(JSON.stringify({ worst }));
await threaded.close();
`);
  const outfile = join(dir, 'entry.mjs');
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', target: 'es2022', keepNames: true, packages: 'external', outfile, logLevel: 'silent' });
  const r = spawnSync(process.execPath, [outfile], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr.slice(-1000));
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { worst?: number; skipped?: boolean };
  if (out.skipped) t.comment('no threaded tier on this machine');
  else t.ok((out.worst ?? Infinity) < 1e-12, `split product from the bundle: worst |Δ| ${out.worst}`);
});
