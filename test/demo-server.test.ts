// The demo server without a browser: a query string is stripped (`/?x=1` is the page), a bad
// --port and a port in use are explained, not reported as a raw EADDRINUSE or "unknown argument".
import t from 'tap';
import { main, startDemo } from '../demo/serve.js';

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
