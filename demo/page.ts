// The live training page (npm run demo, npm run demo:build): a flow trained in a Web Worker
// (trainInWorker) on a toy set or an uploaded CSV, the deep model by default (affine → spline →
// (dense → spline) × depth, started at the data's Gaussian; the paper's model is a choice). After
// every epoch the worker's parameters come back and the page redraws the density, 1,000 samples,
// the loss chart and the test log-likelihood next to the Gaussian's. A clock ticks every 10 ms and
// records the longest gap while training: the page's own proof that it never froze. The state the
// test reads is window.relgradDemo (DemoReport); only public entries of relgrad are imported.
import { setBackend, tidy, type BackendInfo } from '../index.js';
import {
  Flow, TOY_SETS, deepStack, encodeCheckpointText, evaluate, fitGaussianFlow, toySplits, trainInWorker,
  type HostMatrix, type HostParams, type ToyName, type TrainResult,
} from '../flow/browser.js';
import { parseCsvPoints, splitRows } from './csv.js';
import { backendLabel, progressLine, webglRenderer } from './label.js';
import { drawDensity, drawEmpty, drawLoss, drawPoints, gridPoints, squareBounds, type Bounds, type LossPoint } from './plot.js';

type Rows = HostMatrix<Float64Array>;

/** The data the page trains on: the splits, the panels' box and the Gaussian's test score. */
interface PageData {
  name: string;
  train: Rows;
  validation: Rows;
  test: Rows;
  bounds: Bounds;
  /** test log-likelihood of the maximum-likelihood Gaussian, nats per point */
  gaussian: number;
  /** how to draw the same splits again (toySplits' options), null for an upload */
  toy: { seed: number; train: number; validation: number; test: number } | null;
}

/** What the page reports on window.relgradDemo (read by test/demo.test.ts). */
export interface DemoReport {
  phase: 'ready' | 'training' | 'paused' | 'finished' | 'error';
  /** epochs trained, all runs since the last Reset */
  epoch: number;
  /** e.g. 'deep: depth 4, 8 bins' or 'paper: 4 layers' */
  model: string;
  /** the flow's layer types in order ('affine', 'spline', 'dense', …; the paper's model: 'paper') */
  layerTypes: string[];
  history: LossPoint[];
  /** the flow's test log-likelihood (nats per point) for the parameters the page holds */
  testLogLikelihood: number | null;
  gaussianLogLikelihood: number | null;
  /** the status line's words for the worker's backend, e.g. 'CPU (WebAssembly SIMD, 1 thread)' */
  backend: string;
  backendInfo: BackendInfo | null;
  /** the WebGL renderer string ('' without WebGL2) */
  renderer: string;
  data: { name: string; toy: PageData['toy'] };
  /** the longest gap between the page clock's 10 ms ticks while training (ms), and the ticks counted */
  maxGapMs: number;
  /** when the longest gap began, ms after the run started */
  maxGapAtMs: number;
  ticks: number;
  /** the longest single task of a redraw on this page (ms): what the page itself costs the clock */
  longestDrawTaskMs: number;
  /** samples outside the panels' box (counted, not drawn) */
  samplesOutside: number;
  /** how the last run ended (TrainResult.status) */
  lastRun: string | null;
  status: string;
  error: string | null;
}

declare global {
  interface Window { relgradDemo: DemoReport }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);
const GRID = 48;
const TEST_ROWS = 1000;
const VALIDATION_ROWS = 500;
const WORKER_URL = new URL('./train-worker.js', import.meta.url);

const report: DemoReport = {
  phase: 'ready', epoch: 0, model: '', layerTypes: [], history: [], testLogLikelihood: null, gaussianLogLikelihood: null,
  backend: '', backendInfo: null, renderer: webglRenderer(), data: { name: '', toy: null }, maxGapMs: 0, maxGapAtMs: 0, ticks: 0, longestDrawTaskMs: 0,
  samplesOutside: 0, lastRun: null, status: '', error: null,
};
window.relgradDemo = report;

let data: PageData | undefined;
let uploaded: { name: string; rows: Rows } | undefined;
let flow: Flow | undefined;
/** A trainInWorker run in flight, and why it is being stopped (null: it is not). */
interface Run { controller: AbortController; reason: 'pause' | 'reset' | null }
let run: Run | undefined;
let epochsBefore = 0;
let pending: HostParams | null = null;
let drawing = false;
let lastDraw = 0;
/** Redraws start at most this often while training (the rest of the time is the worker's). */
const MIN_DRAW_INTERVAL_MS = 300;

function status(text: string): void {
  report.status = text;
  $('status').textContent = text;
}

function fail(where: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  report.error = `${where}: ${message}`;
  status(`${where}: ${message}`);
}

const fmt = (v: number): string => v.toFixed(3).replace('-', '−');

/** Draws the chosen data set (or the upload) and scores its Gaussian. */
function makeData(): PageData {
  const name = $<HTMLSelectElement>('dataset').value;
  let splits: { train: Rows; validation: Rows; test: Rows };
  let toy: PageData['toy'] = null;
  if (name.startsWith('upload: ')) {
    if (uploaded === undefined) throw new Error('no file uploaded');
    splits = splitRows(uploaded.rows, 0);
  } else {
    const points = Number(input('points').value);
    if (!Number.isInteger(points) || points < 200 || points > 20000) throw new Error(`training points must be an integer from 200 to 20000, got ${input('points').value}`);
    toy = { seed: 0, train: points, validation: VALIDATION_ROWS, test: TEST_ROWS };
    const s = toySplits(name as ToyName, toy);
    splits = { train: s.train as Rows, validation: s.validation as Rows, test: s.test as Rows };
  }
  const gaussian = evaluate(fitGaussianFlow(splits.train), splits.test).mean;
  return { name, ...splits, bounds: squareBounds(splits.train), gaussian, toy };
}

function buildFlow(): Flow {
  const depth = Number(input('depth').value);
  if (!Number.isInteger(depth) || depth < 1 || depth > 12) throw new Error(`depth must be an integer from 1 to 12, got ${input('depth').value}`);
  if ($<HTMLSelectElement>('model').value === 'paper') {
    report.model = `paper: ${depth} layers`;
    const f = Flow.create({ dim: 2, layers: depth, seed: 0 });
    report.layerTypes = ['paper'];
    return f;
  }
  const bins = Number(input('bins').value);
  if (!Number.isInteger(bins) || bins < 2 || bins > 64) throw new Error(`spline bins must be an integer from 2 to 64, got ${input('bins').value}`);
  report.model = `deep: depth ${depth}, ${bins} bins`;
  const stack = deepStack({ depth, bins });
  report.layerTypes = stack.map((s) => (typeof s.type === 'string' ? s.type : 'custom'));
  return Flow.fromLayers(stack, { dim: 2, seed: 0 });
}

const nextTask = (): Promise<void> => new Promise((ok) => setTimeout(ok, 0));

/** Rows per task when the page evaluates the model: each task stays far below the clock's 200 ms. */
const CHUNK = 64;

/** Runs `work` as one task of a redraw, noting how long it held the thread. */
function timed<T>(work: () => T): T {
  const t0 = performance.now();
  const out = work();
  report.longestDrawTaskMs = Math.max(report.longestDrawTaskMs, performance.now() - t0);
  return out;
}

/** log p of every row, CHUNK rows per task. */
async function logProbChunked(f: Flow, rows: Rows): Promise<Float64Array> {
  const out = new Float64Array(rows.rows);
  for (let i = 0; i < rows.rows; i += CHUNK) {
    const n = Math.min(CHUNK, rows.rows - i);
    const part = { data: rows.data.subarray(2 * i, 2 * (i + n)), rows: n, cols: 2 };
    timed(() => out.set(tidy(() => f.logProb(part).dataSync()), i));
    await nextTask();
  }
  return out;
}

/** The model's panels and score for the parameters `flow` holds, in tasks of CHUNK rows. */
async function drawModel(): Promise<void> {
  const [f, d] = [flow, data];
  if (f === undefined || d === undefined) return;
  const logp = await logProbChunked(f, gridPoints(d.bounds, GRID));
  timed(() => drawDensity($<HTMLCanvasElement>('density'), d.bounds, logp, GRID));
  const test = await logProbChunked(f, d.test);
  report.testLogLikelihood = test.reduce((a, v) => a + v, 0) / test.length;
  $('flow-ll').textContent = fmt(report.testLogLikelihood);
  const samples = { data: new Float64Array(2000), rows: 1000, cols: 2 };
  for (let k = 0; k < 1000 / 100; k++) {
    timed(() => samples.data.set(tidy(() => f.sample(100, { seed: 1 + k }).x.dataSync()), 200 * k));
    await nextTask();
  }
  report.samplesOutside = timed(() => drawPoints($<HTMLCanvasElement>('samples'), d.bounds, samples, '#c0392b', 1000));
}

/** Applies the newest snapshot and redraws, at most one redraw at a time. */
async function drawSnapshots(): Promise<void> {
  if (drawing) return;
  drawing = true;
  try {
    await new Promise((ok) => setTimeout(ok, Math.max(0, lastDraw + MIN_DRAW_INTERVAL_MS - performance.now())));
    while (pending !== null && flow !== undefined) {
      lastDraw = performance.now();
      flow.paramsFromHost(pending);
      pending = null;
      await drawModel();
    }
  } finally {
    drawing = false;
  }
}

function drawCurve(): void {
  const ok = drawLoss($<HTMLCanvasElement>('curve'), report.history, input('logscale').checked);
  input('logscale').disabled = !ok && report.history.length > 0;
}

function buttons(): void {
  const p = report.phase;
  $<HTMLButtonElement>('start').disabled = p === 'training' || p === 'paused' || data === undefined;
  $<HTMLButtonElement>('pause').disabled = !(p === 'training' || p === 'paused');
  $('pause').textContent = p === 'paused' ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('download').disabled = flow === undefined || report.epoch === 0;
}

/** Reset: stop any run, forget the model, draw the data again. */
function reset(): void {
  if (run !== undefined) {
    run.reason = 'reset';
    run.controller.abort();
    run = undefined;
  }
  flow = undefined;
  pending = null;
  epochsBefore = 0;
  Object.assign(report, { phase: 'ready', epoch: 0, history: [], testLogLikelihood: null, maxGapMs: 0, samplesOutside: 0, lastRun: null, error: null });
  $('flow-ll').textContent = '–';
  try {
    data = makeData();
    report.data = { name: data.name, toy: data.toy };
    report.gaussianLogLikelihood = data.gaussian;
    $('gauss-ll').textContent = fmt(data.gaussian);
    drawPoints($<HTMLCanvasElement>('data'), data.bounds, data.train, '#1f4e9c');
    drawEmpty($<HTMLCanvasElement>('density'), data.bounds, 'press Start');
    drawEmpty($<HTMLCanvasElement>('samples'), data.bounds, 'press Start');
    status(`ready: ${data.name}, ${data.train.rows.toLocaleString('en')} training points; press Start`);
  } catch (err) {
    data = undefined;
    fail('cannot draw the data', err);
  }
  drawCurve();
  buttons();
}

/** Start (a new model) or Resume (the model the page holds): one trainInWorker run until Pause, Reset or its end. */
async function train(): Promise<void> {
  if (run !== undefined || data === undefined) return;
  const d = data;
  const lr = Number(input('lr').value);
  const backend = $<HTMLSelectElement>('backend').value === 'gpu' ? 'gpu' : 'cpu';
  try {
    if (!(lr > 0 && lr < 1)) throw new Error(`the learning rate must be in (0, 1), got ${input('lr').value}`);
    flow ??= buildFlow();
  } catch (err) {
    return fail('cannot start', err);
  }
  const f = flow;
  const me: Run = { controller: new AbortController(), reason: null };
  run = me;
  report.phase = 'training';
  report.maxGapMs = 0;
  runStart = lastTick = performance.now();
  report.error = null;
  buttons();
  status(`starting a worker on ${backend === 'gpu' ? 'GPU.js (WebGL2)' : 'the CPU'} …`);
  let seconds: number | null = null;
  let result: TrainResult;
  try {
    result = await trainInWorker(f, { train: d.train, validation: d.validation }, {
      epochs: 500, lr, batchSize: 100, patience: 50, seed: epochsBefore,
      // a resumed model keeps its parameters (a fresh deep one starts at the data's Gaussian)
      ...(epochsBefore > 0 ? { init: 'none' as const } : {}),
      signal: me.controller.signal, workerUrl: WORKER_URL,
      backend, ...(backend === 'gpu' ? { backendOptions: { mode: 'webgl2' as const } } : {}),
      onNotice: () => undefined,
      onBackend: (info) => {
        if (run !== me) return;
        report.backendInfo = info;
        report.backend = backendLabel(info, report.renderer);
      },
      onProgress: (e) => {
        if (run !== me) return;
        const epoch = epochsBefore + e.epoch;
        if (e.kind === 'batch') {
          if (e.epoch === 1) status(`${progressLine(epoch, seconds, report.backend)} · batch ${e.batch}/${e.batches}`);
          return;
        }
        seconds = e.record.seconds;
        report.epoch = epoch;
        report.history.push({ epoch, train: e.record.trainLoss, validation: e.record.validationLoss });
        drawCurve();
        buttons();
        status(progressLine(epoch, seconds, report.backend));
      },
      onSnapshot: (s) => {
        if (run !== me) return;
        pending = s.params;
        void drawSnapshots();
      },
    });
  } catch (err) {
    if (run === me) {
      run = undefined;
      report.phase = 'error';
      buttons();
      fail('training stopped', err);
    }
    return;
  }
  if (me.reason === 'reset') return;
  run = undefined;
  // the worker's final parameters (on a pause: the best epoch's) are in `f` now: score and draw them
  pending = null;
  while (drawing) await new Promise((ok) => setTimeout(ok, 10));
  await drawModel();
  epochsBefore += result.epochs;
  report.epoch = epochsBefore;
  report.lastRun = result.status;
  report.phase = me.reason === 'pause' ? 'paused' : result.status === 'diverged' ? 'error' : 'finished';
  const held = result.bestEpoch === null ? '' : ` (holding epoch ${epochsBefore - result.epochs + result.bestEpoch}'s parameters, the best on validation)`;
  if (report.phase === 'paused') status(`paused after epoch ${epochsBefore}${held}; Resume continues, Reset starts over`);
  else status(`${result.status} after epoch ${epochsBefore}: ${result.message}`);
  buttons();
}

function pauseOrResume(): void {
  if (report.phase === 'paused') void train();
  else if (run !== undefined) {
    run.reason = 'pause';
    run.controller.abort();
    status('pausing at the next batch …');
  }
}

async function download(): Promise<void> {
  if (flow === undefined || data === undefined) return;
  const text = await encodeCheckpointText(flow.config, flow.paramsToHost(), {
    source: 'relgrad demo page', dataset: data.toy === null ? data.name : { name: data.name, ...data.toy }, epochs: report.epoch,
    testLogLikelihood: report.testLogLikelihood, gaussianTestLogLikelihood: data.gaussian,
  });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  a.download = `relgrad-${data.name.replace(/\W+/g, '_')}-${report.epoch}epochs.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function upload(): Promise<void> {
  const file = input('csv').files?.[0];
  if (file === undefined) return;
  try {
    uploaded = { name: file.name, rows: parseCsvPoints(await file.text(), file.name) };
  } catch (err) {
    return fail('cannot use the file', err);
  }
  const select = $<HTMLSelectElement>('dataset');
  select.querySelector('option[value^="upload: "]')?.remove();
  const o = document.createElement('option');
  o.value = o.textContent = `upload: ${file.name}`;
  select.appendChild(o);
  select.value = o.value;
  reset();
}

function showModelControls(): void {
  const paper = $<HTMLSelectElement>('model').value === 'paper';
  document.querySelectorAll<HTMLElement>('.deep-only').forEach((e) => (e.hidden = paper));
  document.querySelectorAll<HTMLElement>('.paper-only').forEach((e) => (e.hidden = !paper));
}

// the page clock: a 10 ms timer whose longest gap while training says whether the page froze
let lastTick = performance.now();
let runStart = 0;
setInterval(() => {
  const now = performance.now();
  if (report.phase === 'training' && now - lastTick > report.maxGapMs) [report.maxGapMs, report.maxGapAtMs] = [now - lastTick, lastTick - runStart];
  lastTick = now;
  report.ticks++;
  $('clock').textContent = `page clock: ${(now / 1000).toFixed(2)} s · longest pause of this page while training: ${report.maxGapMs.toFixed(0)} ms`;
}, 10);

for (const name of Object.keys(TOY_SETS)) {
  const o = document.createElement('option');
  o.value = o.textContent = name;
  o.selected = name === 'moons';
  $('dataset').appendChild(o);
}
await setBackend('cpu'); // the page draws on the CPU; the worker trains on the chosen backend
// compile the page's WebAssembly and warm the layers' code now, not in the first redraw while training
tidy(() => {
  const warm = Flow.fromLayers(deepStack({ depth: 1, bins: 4 }), { dim: 2, seed: 0 });
  warm.logProb({ data: new Float64Array(16), rows: 8, cols: 2 }).dataSync();
  warm.sample(8, { seed: 0 }).x.dataSync();
});
$('start').addEventListener('click', () => void train());
$('pause').addEventListener('click', pauseOrResume);
$('reset').addEventListener('click', reset);
$('download').addEventListener('click', () => void download());
$('csv').addEventListener('change', () => void upload());
input('logscale').addEventListener('change', drawCurve);
for (const id of ['dataset', 'points', 'model', 'depth', 'bins']) $(id).addEventListener('change', () => { showModelControls(); reset(); });
showModelControls();
reset();
