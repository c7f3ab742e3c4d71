// The module graph of the engine, backends and flow, read from the sources (docs/engine-graph.md):
// - the engine imports nothing from flow/ and nothing from backends/, not even types: it knows only
//   the Backend interface, and the package root (index.ts) passes the backends in;
// - the flow imports nothing from backends/ (it reaches backends through the root and the engine);
// - backends/gpu imports nothing from backends/cpu (host LU kernels are passed in by the root);
// - the GPU backend's option types are declared in backends/gpu only;
// - the backend contract names no flow concept (the element-wise maps are generic math);
// - backend selection is one table (backends/index.ts): setBackend's names are its keys;
// - among runtime imports (type-only imports erase) the only cycle is ops ↔ primitives ↔ tensor,
//   which is safe because none of the three uses an import while its module is being evaluated;
//   each of them can be loaded first in a fresh process and computes;
// - flow/ has no runtime import cycle among its own files.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
  dynamic: boolean;
}

/** Relative imports and re-exports (static and dynamic) of one file, resolved to repository paths. */
function importsOf(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean, dynamic = false): void => {
    if (!spec.startsWith('.')) return;
    const to = relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts');
    edges.push({ from: file, to, typeOnly, dynamic });
  };
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?\sfrom\s+'([^']+)'/gms)) add(m[3], m[2] !== undefined);
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) add(m[1], false);
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) add(m[1], false, true);
  return edges;
}

const files = [...sources('engine'), ...sources('backends'), ...sources('flow')];
const edges = files.flatMap(importsOf);

t.test('the engine imports nothing from flow/ or backends/', async (t) => {
  const engineOut = edges.filter((e) => e.from.startsWith('engine/') && !e.to.startsWith('engine/')).map((e) => `${e.from} → ${e.to}`);
  t.same(engineOut, [], 'engine/ imports only engine/');
});

t.test('the flow imports nothing from backends/', async (t) => {
  const flowOut = edges.filter((e) => e.from.startsWith('flow/') && e.to.startsWith('backends/')).map((e) => `${e.from} → ${e.to}`);
  t.same(flowOut, [], 'flow/ reaches the backends only through the package root');
});

t.test('backends/gpu imports nothing from backends/cpu', async (t) => {
  const gpuOut = edges.filter((e) => e.from.startsWith('backends/gpu/') && e.to.startsWith('backends/cpu/')).map((e) => `${e.from} → ${e.to}`);
  t.same(gpuOut, [], 'the GPU backend gets its host LU kernels passed in');
});

t.test("the GPU backend's option types are declared in backends/gpu only", async (t) => {
  const declaring = [...files, 'index.ts'].filter((f) => !f.startsWith('backends/gpu/'))
    .filter((f) => /^export\s+(type\s+GpuMode\b|interface\s+GpuBackendOptions\b)/m.test(readFileSync(join(root, f), 'utf8')));
  t.same(declaring, [], 'GpuMode and GpuBackendOptions live in backends/gpu/options.ts');
});

t.test('the package root provides the backends as one table; the GPU backend is imported only on demand', async (t) => {
  const rootOut = importsOf('index.ts');
  const staticBackends = new Set(rootOut.filter((e) => e.to.startsWith('backends/') && !e.dynamic && !e.typeOnly).map((e) => e.to));
  t.same([...staticBackends], ['backends/index.ts'], 'the table of backends, statically');
  const tableOut = importsOf('backends/index.ts');
  t.same(tableOut.filter((e) => e.dynamic).map((e) => e.to), ['backends/gpu/index.ts'], 'the GPU backend, by a dynamic import');
  t.same(edges.filter((e) => e.dynamic && e.to.startsWith('backends/')).map((e) => e.from), ['backends/index.ts'],
    'no other module imports a backend on demand (selection happens in one place)');
  const reached = new Set<string>();
  const stack = ['index.ts'];
  while (stack.length > 0) {
    const file = stack.pop()!;
    for (const e of importsOf(file)) {
      if (e.typeOnly || e.dynamic || reached.has(e.to)) continue;
      reached.add(e.to);
      stack.push(e.to);
    }
  }
  t.same([...reached].filter((f) => f.startsWith('backends/gpu/')), [], 'nothing under backends/gpu is loaded with the root');
});

t.test('the backend contract (engine/backend.ts) names no flow concept', async (t) => {
  const text = readFileSync(join(root, 'engine/backend.ts'), 'utf8');
  // the flow's activation names, its layer-level words and any path into flow/ (the contract's
  // element-wise maps and splines are described as math functions)
  const { ACTIVATIONS } = await import('../flow/activations.js');
  const concepts = [...ACTIVATIONS, 'activation', 'layer', 'flow', 'backprop', 'dense'];
  const named = concepts.filter((c) => new RegExp(c.replace(/-/g, '\\W?'), 'i').test(text));
  t.same(named, [], `engine/backend.ts mentions ${named.join(', ') || 'none of them'}`);
});

t.test('without the package root, the engine names what is missing; with it, both names select', async (t) => {
  const code = [
    `const state = await import(${JSON.stringify(pathToFileURL(join(root, 'engine/state.ts')).href)});`,
    'const messages = [];',
    'try { state.getBackend(); messages.push("no error"); } catch (err) { messages.push(err.message); }',
    'try { await state.setBackend("gpu"); messages.push("no error"); } catch (err) { messages.push(err.message); }',
    `const rg = await import(${JSON.stringify(pathToFileURL(join(root, 'index.ts')).href)});`,
    'messages.push(rg.getBackend().describe().name, (await rg.setBackend("cpu")).describe().name, String(rg.getBackend() === state.getBackend()));',
    'messages.push(JSON.stringify(rg.BACKEND_NAMES));',
    'try { await rg.setBackend("tpu"); messages.push("no error"); } catch (err) { messages.push(err.message); }',
    'console.log(JSON.stringify(messages));',
  ].join('\n');
  const loader = typeScriptLoader();
  const r = spawnSync(process.execPath, [...loader, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  const messages = JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as string[];
  t.match(messages[0], /^getBackend: no backends provided to the engine; import relgrad from its package root/, r.stderr);
  t.match(messages[1], /^setBackend\('gpu'\): no backends provided/);
  t.same(messages.slice(2, 5), ['cpu', 'cpu', 'true'], 'the root provides cpu; engine/state and the root share one current backend');
  t.same(JSON.parse(messages[5]), ['cpu', 'gpu'], "the root's BACKEND_NAMES are the table's keys");
  t.equal(messages[6], "setBackend: unknown backend 'tpu'; expected one of 'cpu', 'gpu'", 'an unknown name lists the table');
});

/**
 * The TypeScript loader among this process's flags, without tap's coverage or mock hooks: tsx under
 * `npm test` (.taprc), tap's ts-node plugin under `npm run test:coverage` (.taprc-coverage).
 */
function typeScriptLoader(): string[] {
  const loader = process.execArgv.filter((a) => a === '--import=tsx' || a.includes('@tapjs/typescript'));
  if (loader.length === 0) throw new Error(`engine-graph: no TypeScript loader among this test's flags ${JSON.stringify(process.execArgv)}`);
  return loader;
}

/** Strongly connected components (Tarjan) with more than one file, of the runtime imports among the files `within` accepts. */
function runtimeCycles(within: (file: string) => boolean): string[][] {
  const graph = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly && within(e.from) && within(e.to)) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) components.push(c.sort());
    }
  };
  for (const f of files) if (within(f) && !idx.has(f)) visit(f);
  return components;
}

t.test('the only runtime import cycle in engine/ and backends/ is engine/ops ↔ primitives ↔ tensor', async (t) => {
  t.same(runtimeCycles((f) => !f.startsWith('flow/')), [['engine/ops.ts', 'engine/primitives.ts', 'engine/tensor.ts']]);
});

t.test('flow/ has no runtime import cycle (shared code lives in leaf modules such as flow/covariance.ts)', async (t) => {
  t.same(runtimeCycles((f) => f.startsWith('flow/')), []);
});

t.test('each module of the cycle can be loaded first and computes', async (t) => {
  for (const first of ['engine/ops.ts', 'engine/primitives.ts', 'engine/tensor.ts']) {
    const code = [
      `await import(${JSON.stringify(pathToFileURL(join(root, first)).href)});`,
      `const rg = await import(${JSON.stringify(pathToFileURL(join(root, 'index.ts')).href)});`,
      `const [g] = rg.grad((x) => rg.sum(rg.mul(x, x)))(rg.tensor([1, 2]));`,
      'console.log(Array.from(g.dataSync()).join(","));',
    ].join('\n');
    const loader = typeScriptLoader();
    const r = spawnSync(process.execPath, [...loader, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    t.equal(r.stdout.trim().split('\n').pop(), '2,4', `${first} first: ${r.stderr.split('\n').find((l) => /Error/.test(l)) ?? 'ok'}`);
  }
});
