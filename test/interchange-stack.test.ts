// Interchange of flows built from a layer stack: `relgrad export` writes every layer's parameters
// (layer<k>.<name>), decodeFlow reads them back bit for bit and refuses missing, mis-sized,
// mis-shaped and unexpected arrays by name, `relgrad info` lists the layers and counts every
// parameter, and the independent NumPy reference tools/relgrad_flow.py computes the same
// log-likelihood as Flow.logProb (to 1e-10, float64) from both export formats, for deep stacks
// with perturbed parameters (every affine, spline and dense term matters; rows inside and outside
// the spline intervals) and for the paper's model.

import t from 'tap';
import { relgradInProcess } from './helpers/flow-numeric.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Flow } from '../flow/model.js';
import { deepStack, type LayerSpec } from '../flow/layers/specs.js';
import type { ResolvedSplineSpec } from '../flow/layers/spline.js';
import { readNpy } from '../flow/data/files.js';
import { encodeNpyArray } from '../flow/interchange/npy.js';
import { readStoredZip, writeStoredZip } from '../flow/interchange/zip.js';
import { decodeSafetensors, encodeSafetensors } from '../flow/interchange/safetensors.js';
import { decodeFlow, encodeFlowSafetensors } from '../flow/interchange/export.js';
import type { ModelInfo } from '../flow/cli/commands/info.js';
import type { BaseName } from '../flow/bases.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-interchange-stack-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const TOOL = resolve('tools/relgrad_flow.py');

const relgrad = relgradInProcess;

const python = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
const numpyReason = python.error ? `python3 is not installed (${python.error.message})`
  : python.status !== 0 ? `python3 has no numpy (${python.stderr.trim().split('\n').pop() ?? ''})` : '';

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** Moves every parameter away from its (identity-like) start by a fixed pattern, per layer type and parameter. */
function perturb(flow: Flow): void {
  const amplitude: Record<string, number> = { W: 0.15, b: 0.3, logScale: 0.3, shift: 0.4, widths: 0.9, heights: 0.9, derivatives: 0.8 };
  const host = flow.paramsToHost();
  const layers = flow.layerParams.map((list, k) => list.map((p, j) => {
    const a = amplitude[flow.stack[k].paramNames[j]];
    return Float64Array.from(p.dataSync(), (v, i) => v + a * Math.sin(1.3 + 0.7 * i + 1.9 * j + 2.3 * k));
  }));
  if (host.layers !== undefined) {
    flow.paramsFromHost({ W: [], b: [], layers });
    return;
  }
  const dense = layers.filter((_, k) => flow.stack[k].type === 'dense');
  flow.paramsFromHost({ W: dense.map((l) => l[0]), b: dense.flatMap((l) => l.slice(1)) });
}

const STACKS: { label: string; base: BaseName; stack?: LayerSpec[] }[] = [
  { label: 'deepStack depth 2, 5 bins, bound 3, normal', base: 'normal', stack: deepStack({ depth: 2, bins: 5, bound: 3 }) },
  {
    label: 'affine, spline, dense, leaky-tanh, dense (no bias), smooth-leaky-relu, spline; hypsecant',
    base: 'hypsecant',
    stack: [
      { type: 'affine' },
      { type: 'spline', bins: 5, bound: 2.5 },
      { type: 'dense', bias: true },
      { type: 'activation', name: 'leaky-tanh', beta: 0.8, gamma: 0.2 },
      { type: 'dense', bias: false },
      { type: 'activation', name: 'smooth-leaky-relu', alpha: 0.2 },
      { type: 'spline', bins: 5, bound: 1.5 },
    ],
  },
  { label: 'deepStack depth 1, 5 bins, bound 3, laplace', base: 'laplace', stack: deepStack({ depth: 1, bins: 5, bound: 3 }) },
  { label: 'the paper model (2 layers, leaky-tanh), logistic', base: 'logistic' },
];

for (const variant of STACKS) {
  t.test(`export, info and the NumPy reference: ${variant.label}`, async (t) => {
    const sub = mkdtempSync(join(dir, 'run-'));
    const D = 3;
    const flow = variant.stack !== undefined
      ? Flow.fromLayers(variant.stack, { dim: D, dtype: 'float64', base: variant.base, seed: 2 })
      : Flow.create({ dim: D, layers: 2, activation: 'leaky-tanh', dtype: 'float64', base: variant.base, seed: 2 });
    perturb(flow);
    const ckPath = join(sub, 'model.json');
    await flow.save(ckPath, { meta: { dataset: 'moons', test: { mean: -1.5, err: 0.25, n: 100 } } });
    const host = flow.paramsToHost();
    const names = variant.stack === undefined
      ? ['W0', 'W1', 'b0', 'b1']
      : flow.stack.flatMap((layer, k) => layer.paramNames.map((n) => `layer${k}.${n}`));

    for (const format of ['npz', 'safetensors'] as const) {
      const out = join(sub, `model.${format}`);
      const r = await relgrad('export', '--checkpoint', ckPath, '--out', out);
      t.equal(r.code, 0, `export ${format}`);
      t.same((JSON.parse(r.stdout) as { arrays: string[] }).arrays, names, `${format}: export names the arrays it wrote`);
      const back = decodeFlow(readFileSync(out), out);
      t.same(back.layers.map((l) => l.map(bits)), host.layers.map((l) => l.map(bits)), `${format}: every layer's parameters bit for bit`);
      const dense = flow.params;
      t.same(back.W.map(bits), dense.W.map((w) => bits(Float64Array.from(w.dataSync()))), `${format}: the W view holds the dense layers' weights in order`);
      t.same(back.b.map(bits), dense.b.map((v) => bits(Float64Array.from(v.dataSync()))), `${format}: the b view holds the dense layers' biases in order`);
      t.same(back.config, flow.config, `${format}: the config travels with it`);
    }
    if (variant.stack !== undefined) {
      t.ok(names.includes('layer0.logScale') && names.includes('layer1.widths') && names.includes('layer1.derivatives'), 'affine and spline parameters are exported');
    }

    const expectedStack = flow.stack.map((l) => l.type);
    for (const file of [ckPath, join(sub, 'model.npz'), join(sub, 'model.safetensors')]) {
      const info = await relgrad('info', '--checkpoint', file);
      t.equal(info.code, 0, `info ${file}`);
      const s = JSON.parse(info.stdout) as ModelInfo;
      t.same(
        { parameters: s.parameters, stack: s.stack.map((l) => l.type), perLayer: s.stack.map((l) => l.parameters), dtype: s.dtype, dataset: s.dataset, ll: s.testLogLikelihood },
        {
          parameters: flow.parameterCount,
          stack: expectedStack,
          perLayer: flow.layerParams.map((l) => l.reduce((n, p) => n + p.size, 0)),
          dtype: 'float64',
          // the run's record (data set, test log-likelihood) lives in the checkpoint, not in an export
          dataset: file === ckPath ? 'moons' : null,
          ll: file === ckPath ? { mean: -1.5, err: 0.25, n: 100 } : null,
        },
        `info of ${file.split('/').pop()}: every layer counted, dtype${file === ckPath ? ', data set and test log-likelihood' : ''}`,
      );
    }

    // rows: samples of the flow, and rows far out so that spline inputs fall outside [-bound, bound)
    const sampled = join(sub, 'sampled.npy');
    t.equal((await relgrad('sample', '--checkpoint', ckPath, '--n', '4', '--seed', '5', '--out', sampled)).code, 0, 'sample --out');
    const x = readNpy(sampled);
    const data = Float64Array.from([...x.data, 4.5, -3.8, 0.2, -6, 0.1, 7, 20, -25, 30]);
    const rows = data.length / D;
    writeFileSync(join(sub, 'rows.npy'), encodeNpyArray({ data, shape: [rows, D] }));
    const batch = { data, rows, cols: D };
    if (variant.stack !== undefined) {
      const trace = flow.trace(flow.toBatch(batch));
      flow.config.stack?.forEach((spec, k) => {
        if (spec.type !== 'spline') return;
        const bound = (spec as ResolvedSplineSpec).bound;
        const v = Array.from(trace.inputs[k].dataSync());
        t.ok(v.some((u) => u >= -bound && u < bound) && v.some((u) => u < -bound || u >= bound), `spline layer ${k} sees inputs inside and outside ±${bound}`);
      });
    }
    const expected = Array.from(flow.logProb(batch).dataSync());

    if (numpyReason !== '') {
      t.skip(`tools/relgrad_flow.py: ${numpyReason}`, async () => {});
      return;
    }
    for (const format of ['npz', 'safetensors'] as const) {
      const py = spawnSync('python3', [TOOL, `model.${format}`, 'rows.npy'], { cwd: sub, encoding: 'utf8', timeout: 60_000 });
      t.equal(py.status, 0, py.stderr);
      const got = JSON.parse(py.stdout.trim()) as number[];
      t.equal(got.length, rows, `${format}: one value per row`);
      got.forEach((v, i) => t.ok(Math.abs(v - expected[i]) <= 1e-10 * Math.max(1, Math.abs(expected[i])), `${format} row ${i}: NumPy ${v} vs relgrad ${expected[i]}`));
    }
  });
}

t.test('decodeFlow and info refuse a stack export with a missing, mis-sized, mis-shaped or unexpected array, naming it', async (t) => {
  const flow = Flow.fromLayers(deepStack({ depth: 1, bins: 5, bound: 3 }), { dim: 3, dtype: 'float64' });
  const out = join(dir, 'good.npz');
  const ckPath = join(dir, 'good.json');
  await flow.save(ckPath);
  t.equal((await relgrad('export', '--checkpoint', ckPath, '--out', out)).code, 0);
  const entries = readStoredZip(readFileSync(out), out);
  const npz = (edit: (e: { name: string; data: Uint8Array }[]) => { name: string; data: Uint8Array }[]): Uint8Array => writeStoredZip(edit(entries.map((e) => ({ ...e }))));
  const replace = (name: string, data: Float64Array, shape: number[]) => npz((es) => es.map((e) => (e.name === `${name}.npy` ? { name: e.name, data: encodeNpyArray({ data, shape }) } : e)));
  t.throws(() => decodeFlow(npz((es) => es.filter((e) => e.name !== 'layer1.heights.npy')), 'cut.npz'), /cut\.npz: array 'layer1\.heights' is missing/);
  t.throws(() => decodeFlow(replace('layer1.heights', new Float64Array(4), [4]), 'small.npz'), /small\.npz: array 'layer1\.heights' holds 4 values, the config implies 15 \(shape \(3, 5\)\)/);
  t.throws(() => decodeFlow(replace('layer1.heights', new Float64Array(15), [5, 3]), 'turned.npz'), /turned\.npz: array 'layer1\.heights' has shape \(5, 3\), the config implies \(3, 5\)/);
  t.throws(() => decodeFlow(npz((es) => [...es, { name: 'W0.npy', data: encodeNpyArray({ data: new Float64Array(9), shape: [3, 3] }) }]), 'extra.npz'), /extra\.npz: unexpected array 'W0'/);

  const st = decodeSafetensors(encodeFlowSafetensors({ config: flow.config, params: flow.paramsToHost() }), 'x');
  delete st.tensors['layer2.W'];
  t.throws(() => decodeFlow(encodeSafetensors(st.tensors, st.metadata), 'cut.safetensors'), /cut\.safetensors: array 'layer2\.W' is missing/);

  const bad = join(dir, 'bad.npz');
  writeFileSync(bad, npz((es) => es.filter((e) => e.name !== 'layer0.shift.npy')));
  const errs: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as typeof process.stderr.write;
  try {
    t.equal((await relgrad('info', '--checkpoint', bad)).code, 1, 'info of a broken export fails');
  } finally {
    process.stderr.write = write;
  }
  t.match(errs.join(''), /array 'layer0\.shift' is missing/);
});
