// `npm run demo` stops cleanly: killing npm by its pid (SIGTERM, as `kill PID` does, or SIGKILL)
// leaves no server behind. The script is run the way package.json runs it (npm → sh -c '… && node
// dist/demo/serve.js'), from a scratch package whose script skips the build step; the server is
// gone when its port refuses connections. Runs dist/ (built by `npm test` before tap).
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const serve = resolve('dist/demo/serve.js');

/** Pids of the processes this test started (their environment holds `marker`), so a failing run leaves none behind. */
function startedHere(marker: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      return readFileSync(`/proc/${d}/environ`, 'latin1').includes(marker) ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
}

async function refused(url: string, withinMs: number): Promise<boolean> {
  const end = Date.now() + withinMs;
  while (Date.now() < end) {
    try {
      await (await fetch(url)).arrayBuffer();
    } catch {
      return true;
    }
    await new Promise((ok) => setTimeout(ok, 200));
  }
  return false;
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  t.test(`${signal} to npm ends the demo server`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'relgrad-demo-stop-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    // as package.json's "demo", the build step replaced by `true`
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'demo-stop', private: true, scripts: { demo: `true && node ${JSON.stringify(serve)} --port 0` } }));
    const marker = `RELGRAD_DEMO_STOP_TEST=${dir}`;
    const npm = spawn('npm', ['run', '--silent', 'demo'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RELGRAD_DEMO_STOP_TEST: dir } });
    t.teardown(() => {
      // whatever outlived the check (the failure this test is for) goes now, by pid
      for (const pid of startedHere(marker)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      npm.stdout.destroy();
    });
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`no URL within 60 s: ${out}`)), 60_000);
      npm.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
    });
    const page = await fetch(url);
    t.equal(page.status, 200, `the server answers at ${url}`);
    await page.arrayBuffer();
    npm.kill(signal);
    t.ok(await refused(url, 5000), `after ${signal} to npm (pid ${npm.pid}) the port refuses connections within 5 s`);
  });
}
