// npm run demo: bundles the live page (demo/bundle.ts) and serves it on 127.0.0.1 (cross-origin
// isolated), printing the URL. --port N (default 8080; 0 picks a free one). The server exits when
// npm or the shell that started it goes away (parent-watch.ts), so killing `npm run demo` by its
// pid leaves no server behind. startDemo() is what test/demo.test.ts drives.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { bundleDemo } from './bundle.js';
import { onAncestorExit } from './parent-watch.js';

/** Serves the page on 127.0.0.1:`port` (0: a free port); resolves once it listens. */
export async function startDemo(port = 8080): Promise<{ url: string; server: Server }> {
  const files = await bundleDemo();
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
  const server = createServer((req, res) => {
    // the path without its query string or fragment (`/?x=1` is the page)
    const path = (req.url ?? '/').split(/[?#]/, 1)[0];
    const js = { 'Content-Type': 'text/javascript; charset=utf-8' };
    if (path === '/' || path === '/index.html') res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }).end(files['index.html']);
    else if (path === '/page.js') res.writeHead(200, { ...headers, ...js }).end(files['page.js']);
    else if (path === '/train-worker.js') res.writeHead(200, { ...headers, ...js }).end(files['train-worker.js']);
    else res.writeHead(404, headers).end('not found');
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') fail(new Error(`demo: port ${port} on 127.0.0.1 is in use by another program: stop it, or pick another with --port N (0 picks a free one)`));
      else if (err.code === 'EACCES') fail(new Error(`demo: port ${port} needs privileges on this system: pick one above 1023 with --port N`));
      else fail(err);
    });
    server.listen(port, '127.0.0.1', ok);
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

const USAGE = 'usage: npm run demo [-- --port N]';

/** --port's value: an integer in [0, 65535] (0 picks a free port). */
function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.startsWith('--')) throw new Error(`demo: --port needs a value (${USAGE})`);
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port <= 65535)) throw new Error(`demo: --port must be an integer from 0 to 65535 (0 picks a free one), got '${raw}'`);
  return port;
}

/** The command line of `npm run demo`, exported for its test. */
export async function main(argv: string[]): Promise<void> {
  let port = 8080;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') port = parsePort(argv[++i]);
    else if (argv[i].startsWith('--port=')) port = parsePort(argv[i].slice('--port='.length));
    else if (argv[i] === '--help') return void console.log(`${USAGE}   (serves the live training page on 127.0.0.1)`);
    else throw new Error(`demo: unknown argument '${argv[i]}' (${USAGE})`);
  }
  const { url, server } = await startDemo(port);
  console.log(`relgrad demo: open ${url} (Ctrl-C stops it)`);
  exitWithParent(server);
}

/** Stops the server on SIGTERM, SIGINT or SIGHUP, and when npm or the shell that started it ends (parent-watch.ts). */
function exitWithParent(server: Server): void {
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  onAncestorExit(stop);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, stop);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]).replace(/\.ts$/, '.js').endsWith(join('demo', 'serve.js'))) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
