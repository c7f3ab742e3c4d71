// The live training page (npm run demo): a dense flow trained by the relative gradient in the
// browser, one epoch at a time so the page repaints: density heat map, samples drawn through the
// inverse and the loss curve update after every epoch; pause, reset, and download the model in
// the checkpoint format `relgrad eval` reads (flow/checkpoint-web.ts).

import { setBackend, getBackend } from '../index.js';
import { tidy } from '../engine/scope.js';
import { fromHost } from '../engine/create.js';
import { Rng } from '../engine/random.js';
import { Flow } from '../flow/model.js';
import { makeOptimizer, type Optimizer } from '../flow/optim.js';
import { evaluate } from '../flow/evaluate.js';
import { toySplits, TOY_SETS, type ToyName } from '../flow/data/toy.js';
import type { HostMatrix } from '../flow/data/dataset.js';
import { viridis } from '../flow/plot/colormap.js';
import { encodeCheckpointText } from '../flow/checkpoint-web.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const BATCH = 100;
const GRID = 64;

interface State {
  flow: Flow;
  optimizer: Optimizer;
  train: HostMatrix<Float64Array>;
  validation: HostMatrix<Float64Array>;
  name: string;
  epoch: number;
  history: { epoch: number; train: number; validation: number }[];
  bounds: { x0: number; x1: number; y0: number; y1: number };
}

let state: State | undefined;
let running = false;
let clicked: number[] = [];

/** What the test reads: the epochs done, the losses, the backend that ran. */
declare global {
  interface Window { relgradDemo: { epoch: number; history: { epoch: number; train: number; validation: number }[]; backend: string; error: string | null } }
}
window.relgradDemo = { epoch: 0, history: [], backend: '', error: null };

function status(s: string): void {
  $('status').textContent = s;
}

function boundsOf(m: HostMatrix<Float64Array>): State['bounds'] {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < m.rows; i++) {
    const [x, y] = [m.data[2 * i], m.data[2 * i + 1]];
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const pad = 0.1 * Math.max(x1 - x0, y1 - y0, 1e-3);
  return { x0: x0 - pad, x1: x1 + pad, y0: y0 - pad, y1: y1 + pad };
}

/** "my points": a small Gaussian cloud (σ = 0.15 of the panel) around every click. */
function clickedSplits(): { train: HostMatrix<Float64Array>; validation: HostMatrix<Float64Array> } {
  if (clicked.length === 0) throw new Error('click on the data panel to add points first');
  const rng = new Rng(7);
  const make = (n: number): HostMatrix<Float64Array> => {
    const data = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const k = i % (clicked.length / 2);
      data[2 * i] = clicked[2 * k] + 0.15 * rng.normal();
      data[2 * i + 1] = clicked[2 * k + 1] + 0.15 * rng.normal();
    }
    return { data, rows: n, cols: 2 };
  };
  return { train: make(2000), validation: make(300) };
}

async function build(): Promise<State> {
  const name = ($('dataset') as HTMLSelectElement).value;
  const layers = Number(($('layers') as HTMLInputElement).value);
  const lr = Number(($('lr') as HTMLInputElement).value);
  const backend = ($('backend') as HTMLSelectElement).value;
  if (!Number.isInteger(layers) || layers < 1 || layers > 12) throw new Error(`layers must be an integer from 1 to 12, got ${layers}`);
  if (!(lr > 0)) throw new Error(`the learning rate must be positive, got ${lr}`);
  await setBackend(backend === 'gpu' ? 'gpu' : 'cpu', backend === 'gpu' ? { mode: 'webgl2' } : {});
  window.relgradDemo.backend = getBackend().describe().implementation;
  const splits = name === 'my points' ? clickedSplits() : toySplits(name as ToyName, { seed: 0, train: 2000, validation: 300, test: 10 });
  const flow = Flow.create({ dim: 2, layers, seed: 0 });
  return {
    flow, optimizer: makeOptimizer({ name: 'adam', lr }), train: splits.train, validation: splits.validation, name,
    epoch: 0, history: [], bounds: name === 'my points' ? { x0: -4, x1: 4, y0: -4, y1: 4 } : boundsOf(splits.train),
  };
}

function oneEpoch(s: State): void {
  const order = new Rng(1000 + s.epoch).permutation(s.train.rows);
  for (let start = 0; start < s.train.rows; start += BATCH) {
    const n = Math.min(BATCH, s.train.rows - start);
    const host = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) host.set(s.train.data.subarray(2 * order[start + i], 2 * order[start + i] + 2), 2 * i);
    tidy(() => {
      const x = fromHost(host, [n, 2], { dtype: s.flow.dtype, backend: s.flow.backend });
      const { dW, db } = s.flow.gradient(x, 'relative');
      const { W, b } = s.flow.params;
      const next = s.optimizer.step([...W, ...b], [...dW, ...db]);
      s.flow.replaceParams(next.slice(0, W.length), next.slice(W.length));
    });
  }
  s.epoch++;
  const train = -evaluate(s.flow, s.train).mean;
  const validation = -evaluate(s.flow, s.validation).mean;
  if (!Number.isFinite(train) || !Number.isFinite(validation)) throw new Error(`training diverged in epoch ${s.epoch}: try a smaller learning rate`);
  s.history.push({ epoch: s.epoch, train, validation });
  window.relgradDemo.epoch = s.epoch;
  window.relgradDemo.history = s.history;
}

function toPx(s: State, x: number, y: number, size: number): [number, number] {
  return [((x - s.bounds.x0) / (s.bounds.x1 - s.bounds.x0)) * size, ((s.bounds.y1 - y) / (s.bounds.y1 - s.bounds.y0)) * size];
}

function dots(canvas: HTMLCanvasElement, s: State | undefined, m: HostMatrix<Float64Array> | null, color: string): void {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = color;
  if (s === undefined || m === null) {
    for (let i = 0; i < clicked.length; i += 2) {
      const [px, py] = [((clicked[i] + 4) / 8) * canvas.width, ((4 - clicked[i + 1]) / 8) * canvas.height];
      ctx.fillRect(px - 3, py - 3, 6, 6);
    }
    return;
  }
  for (let i = 0; i < Math.min(m.rows, 1500); i++) {
    const [px, py] = toPx(s, m.data[2 * i], m.data[2 * i + 1], canvas.width);
    ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
  }
}

function drawDensity(s: State): void {
  const canvas = $('density') as HTMLCanvasElement;
  const grid = new Float64Array(GRID * GRID * 2);
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      const k = i * GRID + j;
      grid[2 * k] = s.bounds.x0 + ((j + 0.5) / GRID) * (s.bounds.x1 - s.bounds.x0);
      grid[2 * k + 1] = s.bounds.y1 - ((i + 0.5) / GRID) * (s.bounds.y1 - s.bounds.y0);
    }
  }
  const logp = tidy(() => Float64Array.from(s.flow.logProb({ data: grid, rows: GRID * GRID, cols: 2 }).dataSync()));
  let max = -Infinity;
  for (const v of logp) if (v > max) max = v;
  const img = new ImageData(GRID, GRID);
  for (let k = 0; k < GRID * GRID; k++) {
    const [r, g, b] = viridis(Math.exp(logp[k] - max));
    img.data.set([r, g, b, 255], 4 * k);
  }
  const off = document.createElement('canvas');
  off.width = GRID;
  off.height = GRID;
  (off.getContext('2d') as CanvasRenderingContext2D).putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

function drawCurve(s: State): void {
  const canvas = $('curve') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const [w, h, left, bottom] = [canvas.width, canvas.height, 56, 36];
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, w, h);
  if (s.history.length === 0) return;
  const values = s.history.flatMap((r) => [r.train, r.validation]);
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const span = hi - lo || 1;
  const X = (e: number): number => left + ((e - 1) / Math.max(1, s.history.length - 1)) * (w - left - 12);
  const Y = (v: number): number => 10 + (1 - (v - lo) / span) * (h - bottom - 10);
  ctx.strokeStyle = '#333';
  ctx.strokeRect(left, 10, w - left - 12, h - bottom - 10);
  ctx.fillStyle = '#222';
  ctx.font = '12px sans-serif';
  ctx.textAlign = 'right';
  for (const v of [lo, (lo + hi) / 2, hi]) ctx.fillText(v.toFixed(3), left - 4, Y(v) + 4);
  ctx.textAlign = 'center';
  ctx.fillText(`epoch (1–${s.history.length})`, left + (w - left) / 2, h - 8);
  for (const [key, color] of [['train', '#1f77b4'], ['validation', '#ff7f0e']] as const) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.history.forEach((r, i) => (i === 0 ? ctx.moveTo(X(r.epoch), Y(r[key])) : ctx.lineTo(X(r.epoch), Y(r[key]))));
    ctx.stroke();
  }
}

function draw(s: State): void {
  dots($('data') as HTMLCanvasElement, s, s.train, '#1f4e9c');
  drawDensity(s);
  const samples = tidy(() => {
    const { x } = s.flow.sample(1000, { seed: s.epoch });
    return { data: Float64Array.from(x.dataSync()), rows: 1000, cols: 2 };
  });
  dots($('samples') as HTMLCanvasElement, s, samples, '#c0392b');
  drawCurve(s);
}

async function loop(): Promise<void> {
  while (running && state !== undefined) {
    try {
      oneEpoch(state);
      draw(state);
      const last = state.history[state.history.length - 1];
      status(`${state.name}: epoch ${state.epoch}, train loss ${last.train.toFixed(4)}, validation loss ${last.validation.toFixed(4)} — ${window.relgradDemo.backend}`);
    } catch (err) {
      running = false;
      window.relgradDemo.error = String(err);
      status(`stopped: ${err instanceof Error ? err.message : String(err)}`);
      break;
    }
    await new Promise((ok) => setTimeout(ok, 0)); // let the page repaint and take clicks
  }
  ($('start') as HTMLButtonElement).disabled = false;
  ($('pause') as HTMLButtonElement).disabled = true;
}

async function start(): Promise<void> {
  try {
    state ??= await build();
  } catch (err) {
    window.relgradDemo.error = String(err);
    return status(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
  }
  running = true;
  ($('start') as HTMLButtonElement).disabled = true;
  ($('pause') as HTMLButtonElement).disabled = false;
  ($('download') as HTMLButtonElement).disabled = false;
  void loop();
}

function reset(): void {
  running = false;
  state = undefined;
  window.relgradDemo = { epoch: 0, history: [], backend: '', error: null };
  for (const id of ['data', 'density', 'samples', 'curve']) {
    const c = $(id) as HTMLCanvasElement;
    (c.getContext('2d') as CanvasRenderingContext2D).clearRect(0, 0, c.width, c.height);
  }
  dots($('data') as HTMLCanvasElement, undefined, null, '#1f4e9c');
  ($('download') as HTMLButtonElement).disabled = true;
  status('ready');
}

async function download(): Promise<void> {
  if (state === undefined) return;
  const { W, b } = state.flow.params;
  const params = { W: W.map((w) => Float64Array.from(w.dataSync())), b: b.map((v) => Float64Array.from(v.dataSync())) };
  const last = state.history[state.history.length - 1];
  const text = await encodeCheckpointText({ ...state.flow.config, dtype: 'float64' }, params, {
    dataset: state.name === 'my points' ? null : state.name, seed: 0, source: 'relgrad demo page', epochs: state.epoch,
    validationLoss: last?.validation ?? null,
  });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  a.download = `relgrad-${state.name.replace(/\W+/g, '_')}-${state.epoch}epochs.json`;
  a.click();
}

for (const name of [...Object.keys(TOY_SETS), 'my points']) {
  const o = document.createElement('option');
  o.value = name;
  o.textContent = name;
  if (name === 'moons') o.selected = true;
  $('dataset').appendChild(o);
}
$('start').addEventListener('click', () => void start());
$('pause').addEventListener('click', () => {
  running = false;
});
$('reset').addEventListener('click', reset);
$('download').addEventListener('click', () => void download());
$('data').addEventListener('click', (e) => {
  if (state !== undefined) return;
  const c = $('data') as HTMLCanvasElement;
  const r = c.getBoundingClientRect();
  clicked.push(((e.clientX - r.left) / r.width) * 8 - 4, 4 - ((e.clientY - r.top) / r.height) * 8);
  ($('dataset') as HTMLSelectElement).value = 'my points';
  dots(c, undefined, null, '#1f4e9c');
});
reset();
