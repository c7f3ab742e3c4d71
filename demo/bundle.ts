// The live page's three files, as npm run demo serves them and npm run demo:build writes them:
// index.html, page.js (demo/page.ts bundled) and train-worker.js (relgrad/flow/train-worker
// bundled: trainInWorker's Web Worker, loaded from beside page.js). Minified ES modules for browsers.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** The repository root: demo/ runs from sources or as dist/demo/. */
export function repoRoot(): string {
  const here = resolve(new URL('.', import.meta.url).pathname);
  return here.includes(join('dist', 'demo')) ? resolve(here, '..', '..') : resolve(here, '..');
}

/** The page's files by name (each a complete static file). */
export type DemoFiles = Record<'index.html' | 'page.js' | 'train-worker.js', string>;

/** Bundles the page and its worker from the TypeScript sources. */
export async function bundleDemo(): Promise<DemoFiles> {
  const root = repoRoot();
  const bundle = async (entry: string): Promise<string> => {
    const result = await build({
      entryPoints: [join(root, entry)], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
      minify: true, write: false, logLevel: 'silent',
    });
    return result.outputFiles[0].text;
  };
  const [page, worker] = await Promise.all([bundle('demo/page.ts'), bundle('flow/train-worker.ts')]);
  return { 'index.html': readFileSync(join(root, 'demo', 'index.html'), 'utf8'), 'page.js': page, 'train-worker.js': worker };
}
