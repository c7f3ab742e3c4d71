// Suite 4, the peer side by side: the same relative-gradient step and the same autodiff baseline
// in relgrad (CPU backend, float64 and float32) and in TensorFlow.js (tfjs-backend-cpu and
// tfjs-backend-wasm, float32), same shapes, same numbers, same run. Reports relgrad/tfjs time
// ratios; what tfjs cannot do is recorded as a finding. Cells whose time, predicted from the
// previous D with the method's cost exponent, would exceed the cap are skipped with that reason.

import { fromHost } from '../engine/create.js';
import { createCpuBackend } from '../backends/cpu/index.js';
import { tidy } from '../engine/scope.js';
import { Flow } from '../flow/model.js';
import { nearIdentityHost, Rng } from '../engine/random.js';
import { createTfjsPeer, type Peer, type TfjsBackendName } from './peers/tfjs.js';
import { median, timeRuns } from './lib/stats.js';
import { fmtSeconds, writeReport } from './lib/report.js';
import type { Caps } from './lib/cell-runner.js';

interface Contender {
  name: string;
  relative: () => void;
  autodiff: (() => void) | { unsupported: string };
  dispose: () => void;
}

function relgradContender(dtype: 'float64' | 'float32', dim: number, W: Float64Array[], b: Float64Array[], x: Float64Array): Contender {
  const backend = createCpuBackend({ tier: 'auto' });
  const flow = Flow.create({ dim, layers: 2, dtype, init: 'near-identity' }, { backend });
  flow.setParams({ W: W.map((w) => fromHost(w, [dim, dim], { backend, dtype })), b: b.map((v) => fromHost(v, [dim], { backend, dtype })) });
  const xt = fromHost(x, [x.length / dim, dim], { backend, dtype });
  const run = (method: 'relative' | 'autodiff') => (): void =>
    tidy(() => {
      const g = flow.gradient(xt, method);
      for (const t of [...g.dW, ...g.db]) t.dataSync();
    });
  return { name: `relgrad-cpu-${dtype} (${backend.describe().details?.gemm ?? 'gemm'})`, relative: run('relative'), autodiff: run('autodiff'), dispose: () => flow.dispose() };
}

function tfjsContender(peer: Peer): Contender {
  const autodiff: Contender['autodiff'] = () => {
    const r = peer.autodiff();
    if ('unsupported' in r) throw new Error(r.unsupported);
  };
  return { name: peer.name, relative: () => void peer.relative(), autodiff, dispose: () => peer.dispose() };
}

export async function peerSuite(o: { dims: number[]; quick: boolean; caps: Caps; log: (l: string) => void }): Promise<{ files: string[] }> {
  const B = 100;
  const peers: Peer[] = [];
  const findings: string[] = [];
  for (const name of ['cpu', 'wasm'] as TfjsBackendName[]) {
    try {
      peers.push(await createTfjsPeer(name));
    } catch (err) {
      findings.push(`tfjs-${name} could not start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  type Cell = { contender: string; method: 'relative' | 'autodiff'; dim: number; status: 'ok' | 'skipped' | 'unsupported' | 'error'; median?: number; samples?: number[]; reason?: string };
  const cells: Cell[] = [];
  const last = new Map<string, { dim: number; median: number }>();
  const exponent = { relative: 2, autodiff: 3 };
  for (const dim of o.dims) {
    const rng = new Rng(dim);
    const W = [nearIdentityHost(dim, 1), nearIdentityHost(dim, 2)];
    const b = [0, 1].map(() => new Float64Array(dim).map(() => 0.1 * rng.normal()));
    const x = new Float64Array(B * dim).map(() => rng.normal());
    const contenders: Contender[] = [relgradContender('float64', dim, W, b, x), relgradContender('float32', dim, W, b, x)];
    for (const peer of peers) {
      peer.setup({ dim, batch: B, layers: 2, seed: 0, activation: 'smooth-leaky-relu', alpha: 0.3, base: 'normal' }, W.map((w) => Float32Array.from(w)), b.map((v) => Float32Array.from(v)), Float32Array.from(x));
      contenders.push(tfjsContender(peer));
    }
    for (const c of contenders) {
      for (const method of ['relative', 'autodiff'] as const) {
        const key = `${c.name}/${method}`;
        const prev = last.get(key);
        const predicted = prev ? prev.median * (dim / prev.dim) ** exponent[method] : 0;
        if (prev === undefined && cells.some((x) => `${x.contender}/${x.method}` === key && x.status !== 'ok')) {
          cells.push({ contender: c.name, method, dim, status: 'skipped', reason: 'stopped at a smaller D' });
          continue;
        }
        if (predicted > o.caps.timeSeconds) {
          cells.push({ contender: c.name, method, dim, status: 'skipped', reason: `predicted ${predicted.toFixed(0)} s per evaluation > cap ${o.caps.timeSeconds} s` });
          last.delete(key);
          continue;
        }
        const fn = method === 'relative' ? c.relative : c.autodiff;
        if (typeof fn !== 'function') {
          cells.push({ contender: c.name, method, dim, status: 'unsupported', reason: fn.unsupported });
          continue;
        }
        try {
          o.log(`peer: ${c.name} ${method} D=${dim} ...`);
          const samples = await timeRuns(fn, { budgetSeconds: o.quick ? 0.3 : 2, minRuns: 3, maxRuns: 15, warmup: 1 });
          const m = median(samples);
          cells.push({ contender: c.name, method, dim, status: 'ok', median: m, samples });
          last.set(key, { dim, median: m });
          o.log(`peer: ${c.name} ${method} D=${dim}: ${fmtSeconds(m)}`);
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          cells.push({ contender: c.name, method, dim, status: /unsupported|cannot|not supported/i.test(reason) ? 'unsupported' : 'error', reason });
          last.delete(key);
        }
      }
    }
    for (const c of contenders) if (!c.name.startsWith('tfjs')) c.dispose();
  }
  for (const p of peers) p.dispose();
  const names = [...new Set(cells.map((c) => c.contender))];
  const get = (name: string, method: string, dim: number): Cell | undefined => cells.find((c) => c.contender === name && c.method === method && c.dim === dim);
  const show = (c?: Cell): string => (c === undefined ? '-' : c.status === 'ok' ? fmtSeconds(c.median) : c.status);
  const rows: (string | number)[][] = [];
  const base32 = names.find((n) => n.startsWith('relgrad-cpu-float32'));
  for (const dim of o.dims) {
    for (const method of ['relative', 'autodiff'] as const) {
      const ours = base32 ? get(base32, method, dim) : undefined;
      rows.push([dim, method, ...names.map((n) => show(get(n, method, dim))), ...names.filter((n) => n.startsWith('tfjs')).map((n) => {
        const theirs = get(n, method, dim);
        return ours?.status === 'ok' && theirs?.status === 'ok' && ours.median && theirs.median ? `${(ours.median / theirs.median).toFixed(2)}` : '-';
      })]);
    }
  }
  for (const c of cells) if (c.status !== 'ok' && c.reason) findings.push(`${c.contender} ${c.method} D=${c.dim}: ${c.status}: ${c.reason}`);
  const files = writeReport({
    name: 'peer',
    title: 'relgrad vs TensorFlow.js: the relative-gradient step and the autodiff baseline (B=100, L=2)',
    config: { dims: o.dims, batch: B, layers: 2, caps: o.caps, peers: peers.map((p) => ({ name: p.name, ...p.info })) },
    results: cells,
    table: {
      header: ['D', 'method', ...names, ...names.filter((n) => n.startsWith('tfjs')).map((n) => `relgrad f32 / ${n}`)],
      rows,
    },
    notes: [...new Set(findings)],
    plot: {
      series: names.flatMap((n) => (['relative', 'autodiff'] as const).map((m) => ({ name: `${n} ${m}`, points: o.dims.flatMap((d) => { const c = get(n, m, d); return c?.status === 'ok' && c.median ? [[d, c.median] as [number, number]] : []; }) }))),
      xLabel: 'D',
      yLabel: 'seconds per gradient',
    },
  });
  return { files };
}
