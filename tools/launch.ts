// Runs a TypeScript entry module somewhere a GPU lives and returns what it computed:
//   runInChromium(entry, { flags, minify })  — esbuild bundle (minified when asked, as production
//     bundlers do) served from 127.0.0.1 with cross-origin isolation (COOP/COEP), opened in
//     headless Chromium via playwright-core; the page POSTs the result back.
//   runInNode(entry, { xvfb })       — esbuild bundle run by a child `node` (optionally under
//     `xvfb-run -a`, which headless-gl needs); the child prints the result as one marked line.
// The entry exports `main(args): Promise<unknown>`; its result must be JSON-serialisable.
// Used by the tests (test/gpu, test/browser, test/demo.test.ts) and the benchmarks (bench/gpu-paths.ts,
// bench/browser-run.ts); it lives in tools/, beside both, because it belongs to neither.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** Flags measured to give WebGL2 (ANGLE/SwiftShader), WebGPU (SwiftShader) and WebAssembly. */
export const DEFAULT_CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu',
];

export interface ChromiumOptions {
  /** Chromium flags; default DEFAULT_CHROMIUM_FLAGS. A fresh user-data-dir is always used. */
  flags?: readonly string[];
  /** Passed to the entry's main(args). */
  args?: unknown;
  timeoutMs?: number;
  executablePath?: string;
  /** Called with each console line of the page (default: dropped). */
  onConsole?: (line: string) => void;
  /** Bundle with esbuild's --minify (class and function names mangled); default false. */
  minify?: boolean;
}

export interface NodeChildOptions {
  /** Run under `xvfb-run -a` (headless-gl needs an X server). */
  xvfb?: boolean;
  env?: Record<string, string>;
  args?: unknown;
  timeoutMs?: number;
}

const RESULT_MARK = '@@relgrad-result@@';

interface Outcome {
  ok: boolean;
  result?: unknown;
  error?: string;
}

function unwrap(outcome: Outcome, where: string): unknown {
  if (!outcome.ok) throw new Error(`${where}: the entry failed: ${outcome.error ?? 'unknown error'}`);
  return outcome.result;
}

/** Source of the wrapper module that imports the entry, calls main(args) and reports. */
function wrapper(entryFile: string, args: unknown, report: string): string {
  return [
    `import * as entry from ${JSON.stringify(resolve(entryFile))};`,
    `const args = JSON.parse(${JSON.stringify(JSON.stringify(args ?? null))});`,
    `const report = ${report};`,
    // a macrotask later: synchronous WebGL work must not hold up the page's load event
    'new Promise((ok) => setTimeout(ok, 0)).then(() => entry.main(args))',
    '  .then((result) => report({ ok: true, result }),',
    '        (err) => report({ ok: false, error: String((err && err.stack) || err) }));',
  ].join('\n');
}

async function bundle(contents: string, platform: 'browser' | 'node', outfile?: string, minify = false): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'relgrad-entry-wrapper.ts' },
    bundle: true,
    format: 'esm',
    platform,
    target: 'es2022',
    minify,
    keepNames: !minify,
    // Node: dependencies load from node_modules; browser: the native modules are unreachable
    ...(platform === 'node' ? { packages: 'external' as const } : { external: ['webgpu', 'gl', 'node:*'] }),
    write: outfile !== undefined,
    outfile,
    logLevel: 'silent',
  });
  return outfile ?? result.outputFiles?.[0]?.text ?? '';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

/** Bundles `entryFile`, serves it on 127.0.0.1, runs it in headless Chromium, returns main's result. */
export async function runInChromium(entryFile: string, options: ChromiumOptions = {}): Promise<unknown> {
  const report = "(v) => fetch('/result', { method: 'POST', body: JSON.stringify(v) })";
  const script = await bundle(wrapper(entryFile, options.args, report), 'browser', undefined, options.minify ?? false);
  const html = '<!doctype html><meta charset="utf-8"><title>relgrad</title><script type="module" src="/bundle.js"></script>';
  let settle: (o: Outcome) => void = () => undefined;
  const posted = new Promise<Outcome>((ok) => (settle = ok));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    if (req.method === 'POST' && req.url === '/result') {
      void readBody(req).then((body) => {
        res.writeHead(204, headers).end();
        try {
          settle(JSON.parse(body) as Outcome);
        } catch (err) {
          settle({ ok: false, error: `unparseable result: ${String(err)}` });
        }
      });
      return;
    }
    if (req.url === '/bundle.js') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' }).end(script);
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    } else {
      res.writeHead(404, headers).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  const userDataDir = mkdtempSync(join(tmpdir(), 'relgrad-chromium-'));
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: options.executablePath ?? '/usr/bin/chromium',
    headless: true,
    args: [...(options.flags ?? DEFAULT_CHROMIUM_FLAGS)],
  });
  const errors: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => options.onConsole?.(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => {
      errors.push(String(e));
      settle({ ok: false, error: `page error: ${String(e)}` });
    });
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'commit' });
    const timeoutMs = options.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Outcome>((ok) => {
      timer = setTimeout(() => ok({ ok: false, error: `no result after ${timeoutMs} ms; page errors: ${errors.join('; ')}` }), timeoutMs);
    });
    const outcome = await Promise.race([posted, timeout]);
    clearTimeout(timer);
    return unwrap(outcome, `runInChromium(${entryFile})`);
  } finally {
    await context.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

/** Bundles `entryFile` for Node and runs it in a child process (under xvfb-run when asked). */
export async function runInNode(entryFile: string, options: NodeChildOptions = {}): Promise<unknown> {
  const report = `(v) => { process.stdout.write('\\n${RESULT_MARK}' + JSON.stringify(v) + '\\n', () => process.exit(v.ok ? 0 : 1)); }`;
  // inside node_modules so that the bundle's bare imports resolve from this project
  const dir = resolve('node_modules/.cache/relgrad-launch');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `entry-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}.mjs`);
  await bundle(wrapper(entryFile, options.args, report), 'node', outfile);
  const [command, argv] = options.xvfb ? ['xvfb-run', ['-a', process.execPath, outfile]] : [process.execPath, [outfile]];
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((ok, fail) => {
      const child = spawn(command, argv, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
      child.on('error', (err) => {
        clearTimeout(timer);
        fail(new Error(`runInNode: cannot start ${command}: ${err.message}`));
      });
      child.on('close', (c) => {
        clearTimeout(timer);
        ok({ code: c, stdout, stderr });
      });
    });
    const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
    if (line === undefined) {
      throw new Error(`runInNode(${entryFile}): no result (exit ${code}); stderr: ${stderr.slice(-2000)}; stdout: ${stdout.slice(-1000)}`);
    }
    return unwrap(JSON.parse(line.slice(RESULT_MARK.length)) as Outcome, `runInNode(${entryFile})`);
  } finally {
    rmSync(outfile, { force: true });
  }
}

/** Writes a value as pretty JSON, creating the folder. */
export function writeJson(path: string, value: unknown): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
