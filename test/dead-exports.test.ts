// Value exports that nothing imports: every exported function, class, const or let of engine/,
// backends/ and flow/ must be imported by some module of the repository (sources, tests,
// benchmarks, demo, tools) or re-exported, unless it is reached from a public entry point (the
// files package.json "exports" and "bin" name). Read from the sources with regular expressions:
// a namespace import, `export *` or a dynamic import of a file counts as using all its exports.

import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const checked = ['engine', 'backends', 'flow'].flatMap(sources);
const all = ['index.ts', ...['engine', 'backends', 'flow', 'test', 'bench', 'demo', 'tools', 'scripts'].flatMap(sources)];

function resolveSpec(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return relative(root, resolve(root, dirname(from), spec)).replace(/\.js$/, '.ts');
}

/** Names each file's value exports declare (export function/class/const/let/enum, and export { a, b }). */
function declaredExports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const names = [...text.matchAll(/^export\s+(?:async\s+)?(?:function\*?|class|const|let|enum)\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
  for (const m of text.matchAll(/^export\s*\{([^}]*)\}\s*;/gm)) {
    for (const part of m[1].split(',')) {
      const item = part.trim();
      if (item === '' || item.startsWith('type ')) continue;
      names.push(item.split(/\s+as\s+/).pop()!.trim());
    }
  }
  return names;
}

/** For each file, the names other modules take from it; '*' means all of them. */
const used = new Map<string, Set<string>>();
const use = (file: string | undefined, name: string): void => {
  if (file === undefined) return;
  used.set(file, (used.get(file) ?? new Set()).add(name));
};
for (const file of all) {
  const text = readFileSync(join(root, file), 'utf8');
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s+(?:type\s+)?([^;'"]*?)\s*from\s*'([^']+)'/gm)) {
    const target = resolveSpec(file, m[2]);
    const clause = m[1];
    if (/\*/.test(clause)) {
      use(target, '*');
      continue;
    }
    const braces = /\{([^}]*)\}/.exec(clause);
    if (braces) {
      for (const part of braces[1].split(',')) {
        const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0].trim();
        if (name !== '') use(target, name);
      }
    }
    if (/^[A-Za-z_$][\w$]*\s*(,|$)/.test(clause.trim())) use(target, 'default');
  }
  for (const m of text.matchAll(/import\(\s*[`'"]([^`'"]+)[`'"]\s*\)/g)) use(resolveSpec(file, m[1]), '*');
}

/** The public entry points: package.json "exports" and "bin", as sources. */
function entryPoints(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; bin: Record<string, string> };
  const targets: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') targets.push(v);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  walk(pkg.bin);
  return [...new Set(targets.filter((p) => p.endsWith('.js')).map((p) => p.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')))];
}

t.test('every value export of engine/, backends/ and flow/ has an importer or is public', async (t) => {
  const entries = new Set(entryPoints());
  t.ok(entries.has('index.ts') && entries.has('flow/index.ts'), `entry points read from package.json: ${[...entries].join(', ')}`);
  const unused: string[] = [];
  for (const file of checked) {
    if (entries.has(file)) continue;
    const taken = used.get(file) ?? new Set<string>();
    if (taken.has('*')) continue;
    for (const name of declaredExports(file)) if (!taken.has(name)) unused.push(`${file}: ${name}`);
  }
  t.same(unused, [], 'value exports nothing imports (remove them, or make them module-private)');
});
