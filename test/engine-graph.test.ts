// The module graph of the engine and backends, read from the sources (docs/engine-graph.md):
// - the engine imports nothing from flow/, and from backends/ only in engine/state.ts (the one
//   documented exception: the default CPU backend and the lazily loaded GPU backend);
// - among runtime imports (type-only imports erase) the only cycle is ops ↔ primitives ↔ tensor,
//   which is safe because none of the three uses an import while its module is being evaluated;
//   each of them can be loaded first in a fresh process and computes.

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
}

/** Relative imports and re-exports (static and dynamic) of one file, resolved to repository paths. */
function importsOf(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean): void => {
    if (!spec.startsWith('.')) return;
    const to = relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts');
    edges.push({ from: file, to, typeOnly });
  };
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?\sfrom\s+'([^']+)'/gms)) add(m[3], m[2] !== undefined);
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) add(m[1], false);
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) add(m[1], false);
  return edges;
}

const files = [...sources('engine'), ...sources('backends')];
const edges = files.flatMap(importsOf);

t.test('the engine does not import flow/, and backends/ only from engine/state.ts', async (t) => {
  const engineOut = edges.filter((e) => e.from.startsWith('engine/') && !e.to.startsWith('engine/'));
  t.same(engineOut.filter((e) => e.to.startsWith('flow/')), [], 'no flow imports');
  const toBackends = engineOut.filter((e) => e.to.startsWith('backends/')).map((e) => `${e.from} → ${e.to}`);
  t.same(toBackends.sort(), ['engine/state.ts → backends/cpu/index.ts', 'engine/state.ts → backends/gpu/index.ts'], 'only the backend selection');
});

t.test('the only runtime import cycle is engine/ops ↔ primitives ↔ tensor', async (t) => {
  const graph = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  // Tarjan's strongly connected components
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
  for (const f of files) if (!idx.has(f)) visit(f);
  t.same(components, [['engine/ops.ts', 'engine/primitives.ts', 'engine/tensor.ts']]);
});

t.test('each module of the cycle can be loaded first and computes', async (t) => {
  for (const first of ['engine/ops.ts', 'engine/primitives.ts', 'engine/tensor.ts']) {
    const code = [
      `await import(${JSON.stringify(pathToFileURL(join(root, first)).href)});`,
      `const rg = await import(${JSON.stringify(pathToFileURL(join(root, 'index.ts')).href)});`,
      `const [g] = rg.grad((x) => rg.sum(rg.mul(x, x)))(rg.tensor([1, 2]));`,
      'console.log(Array.from(g.dataSync()).join(","));',
    ].join('\n');
    // only tap's TypeScript loader from this process's flags (not its coverage instrumentation)
    const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
    const r = spawnSync(process.execPath, [...loader, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    t.equal(r.stdout.trim().split('\n').pop(), '2,4', `${first} first: ${r.stderr.split('\n').find((l) => /Error/.test(l)) ?? 'ok'}`);
  }
});
