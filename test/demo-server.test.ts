// The demo server without a browser: a query string is stripped (`/?x=1` is the page), a bad
// --port and a port in use are explained, not reported as a raw EADDRINUSE or "unknown argument";
// the worker script is served; demo:build writes the static folder and refuses a foreign one.
import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { main, startDemo } from '../demo/serve.js';
import { buildDemo, main as buildMain } from '../demo/build.js';

t.test('query strings are stripped; other paths stay 404', async (t) => {
  const { url, server } = await startDemo(0);
  t.teardown(() => void server.close());
  for (const [path, status, type] of [['?x=1', 200, /text\/html/], ['index.html?x=1#top', 200, /text\/html/], ['page.js?x=1', 200, /javascript/], ['other?x=1', 404, null]] as const) {
    const r = await fetch(url + path);
    t.equal(r.status, status, path);
    if (type !== null) t.match(r.headers.get('content-type') ?? '', type, path);
    await r.arrayBuffer();
  }
  const page = await (await fetch(url + '?x=1')).text();
  t.match(page, /<html/i, 'the page itself');

  // a second server on the same port: a sentence, not `listen EADDRINUSE`
  const port = Number(new URL(url).port);
  await t.rejects(startDemo(port), { message: new RegExp(`demo: port ${port} on 127\\.0\\.0\\.1 is in use by another program: stop it, or pick another with --port N`) });
});

t.test('--port takes an integer from 0 to 65535', async (t) => {
  await t.rejects(main(['--port', 'abc']), { message: /demo: --port must be an integer from 0 to 65535 .*got 'abc'/ });
  await t.rejects(main(['--port', '70000']), { message: /got '70000'/ });
  await t.rejects(main(['--port']), { message: /demo: --port needs a value/ });
  await t.rejects(main(['--prot', '1']), { message: /demo: unknown argument '--prot'/ });
});

t.test('the worker script is served beside the page', async (t) => {
  const { url, server } = await startDemo(0);
  t.teardown(() => void server.close());
  const r = await fetch(url + 'train-worker.js');
  t.equal(r.status, 200);
  t.match(r.headers.get('content-type') ?? '', /javascript/);
  t.match(await r.text(), /postMessage/, 'the worker bundle');
  t.match(await (await fetch(url + 'page.js')).text(), /train-worker\.js/, 'the page loads it from beside itself');
});

t.test('demo:build writes a static folder, and never over files it did not write', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relgrad-demo-build-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'site');
  const written = await buildDemo(out);
  t.same(written.map((f) => basename(f)).sort(), ['index.html', 'page.js', 'train-worker.js']);
  t.match(readFileSync(join(out, 'index.html'), 'utf8'), /src="\.\/page\.js"/, 'relative URLs: any folder of any static server');
  await buildDemo(out); // its own folder: rebuilt in place
  const mine = join(dir, 'mine');
  mkdirSync(mine);
  writeFileSync(join(mine, 'index.html'), 'my page');
  await t.rejects(buildDemo(mine), { message: /demo:build: .*mine already holds other files \(index\.html\); give an empty or new folder with --out DIR/ });
  t.equal(readFileSync(join(mine, 'index.html'), 'utf8'), 'my page', 'the user\'s file is untouched');
  await t.rejects(buildMain(['--ot', 'x']), { message: /demo:build: unknown or incomplete argument '--ot'/ });
});
