// The live page (npm run demo) in headless Chromium through playwright-core: training starts on
// moons, the loss falls, the density and samples canvases are drawn, and the downloaded model is a
// checkpoint that Node's loadCheckpoint accepts and that gives the page's validation loss again.
// RELGRAD_DEMO_SCREENSHOT=docs/demo.png also saves a screenshot there.

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startDemo } from '../demo/serve.js';
import { loadCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from '../flow/checkpoint.js';
import { WEB_CHECKPOINT_FORMAT, WEB_CHECKPOINT_VERSION } from '../flow/checkpoint-web.js';
import { Flow } from '../flow/model.js';
import { evaluate } from '../flow/evaluate.js';
import { toySplits } from '../flow/data/toy.js';
import { DEFAULT_CHROMIUM_FLAGS } from '../tools/launch.js';

interface DemoState { epoch: number; history: { epoch: number; train: number; validation: number }[]; backend: string; error: string | null }

t.test('the web checkpoint writer uses the checkpoint format and version', async (t) => {
  t.equal(WEB_CHECKPOINT_FORMAT, CHECKPOINT_FORMAT);
  t.equal(WEB_CHECKPOINT_VERSION, CHECKPOINT_VERSION);
});

t.test('demo page: trains moons, draws, and hands out a model relgrad loads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relgrad-demo-'));
  const { url, server } = await startDemo(0);
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, args: [...DEFAULT_CHROMIUM_FLAGS], acceptDownloads: true,
    viewport: { width: 1500, height: 600 },
  });
  t.teardown(async () => {
    await context.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.selectOption('#dataset', 'moons');
  await page.fill('#layers', '4');
  await page.fill('#lr', '0.01');
  await page.click('#start');
  const shot = process.env.RELGRAD_DEMO_SCREENSHOT;
  // a screenshot for the docs shows a longer run; the test itself needs a few epochs
  const epochs = shot ? 80 : 8;
  await page.waitForFunction((n) => window.relgradDemo.epoch >= n || window.relgradDemo.error !== null, epochs, { timeout: 180_000 });
  await page.click('#pause');
  await page.waitForFunction(() => !(document.getElementById('start') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
  const demo = (await page.evaluate(() => window.relgradDemo)) as DemoState;
  t.equal(demo.error, null, 'no error on the page');
  t.same(errors, [], 'no uncaught page errors');
  t.match(demo.backend, /typed arrays/, `the CPU backend ran (${demo.backend})`);
  const h = demo.history;
  t.ok(h.length >= 8, `${h.length} epochs`);
  t.ok(h[h.length - 1].validation < h[0].validation - 0.05, `the validation loss falls: ${h[0].validation.toFixed(3)} → ${h[h.length - 1].validation.toFixed(3)}`);

  const ink = (await page.evaluate(() => {
    const stats = (id: string): { colours: number; nonWhite: number } => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      let nonWhite = 0;
      for (let i = 0; i < d.length; i += 4) {
        seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) nonWhite++;
      }
      return { colours: seen.size, nonWhite: nonWhite / (d.length / 4) };
    };
    return { density: stats('density'), samples: stats('samples'), curve: stats('curve') };
  })) as Record<string, { colours: number; nonWhite: number }>;
  t.ok(ink.density.colours > 50 && ink.density.nonWhite > 0.99, `density heat map drawn (${ink.density.colours} colours)`);
  t.ok(ink.samples.nonWhite > 0.01, `samples drawn (${(100 * ink.samples.nonWhite).toFixed(1)}% of pixels)`);
  t.ok(ink.curve.nonWhite > 0.005, 'loss curve drawn');
  if (shot) await page.screenshot({ path: shot, fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const file = join(dir, 'model.json');
  await download.saveAs(file);
  const ck = await loadCheckpoint(file); // checks the header, size and SHA-256
  t.equal(ck.meta?.dataset, 'moons');
  t.equal(ck.meta?.epochs, h.length);
  const flow = Flow.fromCheckpoint(ck);
  const validation = toySplits('moons', { seed: 0, train: 2000, validation: 300, test: 10 }).validation;
  const loss = -evaluate(flow, validation).mean;
  t.ok(Math.abs(loss - h[h.length - 1].validation) < 1e-9, `the downloaded model gives the page's validation loss (${loss} vs ${h[h.length - 1].validation})`);

  // the GPU.js WebGL2 backend (SwiftShader here): reset, switch, train two epochs
  await page.click('#reset');
  await page.selectOption('#backend', 'gpu');
  await page.fill('#layers', '2');
  await page.click('#start');
  await page.waitForFunction(() => window.relgradDemo.epoch >= 2 || window.relgradDemo.error !== null, undefined, { timeout: 180_000 });
  await page.click('#pause');
  const gpu = (await page.evaluate(() => window.relgradDemo)) as DemoState;
  t.equal(gpu.error, null, 'no error on the GPU backend');
  t.match(gpu.backend, /WebGL2Kernel/, `GPU.js WebGL2 ran (${gpu.backend})`);
  t.ok(gpu.history.every((r) => Number.isFinite(r.train) && Number.isFinite(r.validation)), 'finite losses on the GPU');

  // "my points": clicks on the data panel make the data set
  await page.waitForFunction(() => !(document.getElementById('start') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
  await page.click('#reset');
  await page.selectOption('#backend', 'cpu');
  for (const [x, y] of [[80, 80], [240, 240], [80, 240]]) await page.click('#data', { position: { x, y } });
  t.equal(await page.inputValue('#dataset'), 'my points', 'a click selects “my points”');
  await page.click('#start');
  await page.waitForFunction(() => window.relgradDemo.epoch >= 5 || window.relgradDemo.error !== null, undefined, { timeout: 180_000 });
  await page.click('#pause');
  const mine = (await page.evaluate(() => window.relgradDemo)) as DemoState;
  t.equal(mine.error, null, 'no error on clicked points');
  t.ok(mine.history[mine.history.length - 1].validation < mine.history[0].validation, 'the loss falls on clicked points too');
});
