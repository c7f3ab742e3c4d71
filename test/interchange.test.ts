// Interchange: .npy/.npz (stored ZIP) and safetensors writers against independent readers
// (CRC-32 check value, parseNpy, Python's numpy and json when present), `relgrad export`, `info`
// and `sample --out x.npy`, and the README's NumPy snippet computing the same log-likelihood as
// relgrad on three rows.

import t from 'tap';
import { relgradInProcess } from './helpers/flow-numeric.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flow } from '../flow/model.js';
import { parseNpy, readNpy } from '../flow/data/files.js';
import { encodeNpyArray } from '../flow/interchange/npy.js';
import { crc32, readStoredZip, writeStoredZip } from '../flow/interchange/zip.js';
import { decodeSafetensors, encodeSafetensors } from '../flow/interchange/safetensors.js';
import { decodeFlow } from '../flow/interchange/export.js';
import type { ModelInfo } from '../flow/cli/commands/info.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-interchange-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const relgrad = relgradInProcess;

t.test('CRC-32 check value and a stored ZIP round trip; corruption is refused', async (t) => {
  t.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926, 'the CRC-32 check value');
  const entries = [{ name: 'a.npy', data: Uint8Array.of(1, 2, 3) }, { name: 'b/ü.txt', data: new Uint8Array(1000).fill(7) }];
  const zip = writeStoredZip(entries);
  t.same(readStoredZip(zip, 'x.zip').map((e) => [e.name, Array.from(e.data)]), entries.map((e) => [e.name, Array.from(e.data)]));
  const bad = zip.slice();
  bad[30 + 5] ^= 0xff; // a data byte of the first entry
  t.throws(() => readStoredZip(bad, 'bad.zip'), /entry 'a\.npy': CRC-32 mismatch/);
  t.throws(() => writeStoredZip([entries[0], entries[0]]), /duplicate entry 'a\.npy'/);
});

t.test('.npy of 1-D and 2-D float64/float32 arrays reads back with parseNpy', async (t) => {
  const v = Float64Array.of(1.5, -2, 3.25, 1e-300, 7);
  const one = encodeNpyArray({ data: v, shape: [5] });
  t.match(new TextDecoder('latin1').decode(one.subarray(10, 80)), /'shape': \(5,\)/, "1-D shape written as (5,)");
  t.equal((10 + new DataView(one.buffer).getUint16(8, true)) % 64, 0, 'data starts on a 64-byte boundary');
  t.same(Array.from(parseNpy(one, 'one.npy').data), Array.from(v));
  const m = parseNpy(encodeNpyArray({ data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] }), 'm.npy');
  t.same([m.rows, m.cols, Array.from(m.data)], [2, 3, [1, 2, 3, 4, 5, 6]]);
  t.throws(() => encodeNpyArray({ data: v, shape: [2, 2] }), /does not hold 5 values/);
});

t.test('safetensors round trip, 8-byte aligned header', async (t) => {
  const bytes = encodeSafetensors({ a: { data: Float64Array.of(1, 2, 3, 4), shape: [2, 2] }, b: { data: Float32Array.of(5), shape: [1] } }, { k: 'v' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  t.equal((8 + n) % 8, 0, 'the data buffer starts 8-byte aligned');
  const d = decodeSafetensors(bytes, 'x.safetensors');
  t.same(d.metadata, { k: 'v' });
  t.same(Array.from(d.tensors.a.data), [1, 2, 3, 4]);
  t.ok(d.tensors.b.data instanceof Float32Array, 'F32 stays float32');
  t.throws(() => decodeSafetensors(bytes.subarray(0, 20), 'cut.safetensors'), /truncated safetensors header/);
});

const python = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
const numpyReason = python.error ? `python3 is not installed (${python.error.message})`
  : python.status !== 0 ? `python3 has no numpy (${python.stderr.trim().split('\n').pop() ?? ''})` : '';

for (const variant of [
  { activation: 'smooth-leaky-relu', base: 'normal', bias: true, layers: 3 },
  { activation: 'leaky-tanh', base: 'hypsecant', bias: false, layers: 2 },
  { activation: 'smooth-leaky-relu', base: 'logistic', bias: true, layers: 2 },
  { activation: 'leaky-tanh', base: 'laplace', bias: true, layers: 1 },
] as const) {
  const label = `${variant.layers} layers, ${variant.activation}, ${variant.base}, bias ${variant.bias}`;
  t.test(`export, info and sample --out .npy (${label}); NumPy computes the same log-likelihood`, async (t) => {
    const sub = mkdtempSync(join(dir, 'run-'));
    const flow = Flow.create({ dim: 4, seed: 3, dtype: 'float64', ...variant });
    // move away from the orthogonal start so every term matters
    const W = flow.params.W.map((w, l) => w.toArray() as number[][]).map((w, l) => w.map((row, i) => row.map((x, j) => x + 0.1 * Math.sin(1 + i + 2 * j + l))));
    const b = variant.bias ? W.map((_, l) => [0.3, -0.2, 0.1 * l, 0.05]) : [];
    flow.setParams({ W, b });
    const ckPath = join(sub, 'model.json');
    await flow.save(ckPath, { meta: { dataset: 'moons', test: { mean: -1.25, err: 0.5, n: 200 } } });

    for (const format of ['npz', 'safetensors'] as const) {
      const out = join(sub, `model.${format}`);
      const r = await relgrad('export', '--checkpoint', ckPath, '--out', out);
      t.equal(r.code, 0, `export ${format}`);
      const back = decodeFlow(readFileSync(out), out);
      t.same(back.W.map((w) => Array.from(w)), flow.params.W.map((w) => Array.from(w.dataSync())), `${format}: W exact`);
      t.same(back.b.map((v) => Array.from(v)), flow.params.b.map((v) => Array.from(v.dataSync())), `${format}: b exact`);
      t.equal(back.config.activation, variant.activation, `${format}: config travels with it`);
    }
    const info = await relgrad('info', '--checkpoint', ckPath);
    t.equal(info.code, 0);
    const summary = JSON.parse(info.stdout) as ModelInfo;
    const D = 4;
    t.same({ layers: summary.layers, denseLayers: summary.denseLayers, parameters: summary.parameters, dtype: summary.dtype, dataset: summary.dataset, ll: summary.testLogLikelihood },
      { layers: 2 * variant.layers - 1, denseLayers: variant.layers, parameters: variant.layers * D * D + (variant.bias ? variant.layers * D : 0), dtype: 'float64', dataset: 'moons', ll: { mean: -1.25, err: 0.5, n: 200 } });
    const infoNpz = JSON.parse((await relgrad('info', '--checkpoint', join(sub, 'model.npz'))).stdout) as ModelInfo;
    t.equal(infoNpz.parameters, summary.parameters, 'info reads the .npz export too');

    const rows = join(sub, 'rows.npy');
    t.equal((await relgrad('sample', '--checkpoint', ckPath, '--n', '3', '--seed', '5', '--out', rows)).code, 0, 'sample --out rows.npy');
    const x = readNpy(rows);
    t.same([x.rows, x.cols], [3, D], 'three rows of dimension D');
    const expected = Array.from(flow.logProb({ data: x.data, rows: 3, cols: D }).dataSync());

    if (numpyReason !== '') {
      t.skip(`README NumPy snippet: ${numpyReason}`, async () => {});
      return;
    }
    const readme = readFileSync('README.md', 'utf8');
    const snippet = /```python\n([\s\S]*?)```/.exec(readme)?.[1];
    if (snippet === undefined) throw new Error('README has no ```python block');
    writeFileSync(join(sub, 'snippet.py'), snippet);
    const py = spawnSync('python3', ['snippet.py'], { cwd: sub, encoding: 'utf8', timeout: 60_000 });
    t.equal(py.status, 0, py.stderr);
    const got = JSON.parse(py.stdout.trim()) as number[];
    t.equal(got.length, 3);
    got.forEach((v, i) => t.ok(Math.abs(v - expected[i]) <= 1e-10 * Math.max(1, Math.abs(expected[i])), `row ${i}: NumPy ${v} vs relgrad ${expected[i]}`));

    // the safetensors file, read with nothing but json and numpy, holds the same arrays
    const check = [
      'import json, struct, numpy as np',
      "raw = open('model.safetensors', 'rb').read()",
      "n = struct.unpack('<Q', raw[:8])[0]; h = json.loads(raw[8:8 + n]); z = np.load('model.npz')",
      "names = [k for k in h if k != '__metadata__']",
      "same = all(np.array_equal(np.frombuffer(raw[8 + n + h[k]['data_offsets'][0]: 8 + n + h[k]['data_offsets'][1]], '<f8').reshape(h[k]['shape']), z[k]) for k in names)",
      "print(json.dumps({'same': same, 'names': sorted(names), 'config': json.loads(h['__metadata__']['config']) == json.loads(bytes(z['config']))}))",
    ].join('\n');
    const st = spawnSync('python3', ['-c', check], { cwd: sub, encoding: 'utf8', timeout: 60_000 });
    t.equal(st.status, 0, st.stderr);
    const names = [...Array.from({ length: variant.layers }, (_, l) => `W${l}`), ...(variant.bias ? Array.from({ length: variant.layers }, (_, l) => `b${l}`) : [])].sort();
    t.same(JSON.parse(st.stdout) as unknown, { same: true, names, config: true }, 'safetensors == npz in NumPy');
  });
}

t.test('export and info refuse bad input with a clear message', async (t) => {
  const errs: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as typeof process.stderr.write;
  try {
    t.equal((await relgrad('export', '--checkpoint', join(dir, 'none.json'), '--out', join(dir, 'x.npz'))).code, 1);
    t.equal((await relgrad('export', '--checkpoint', 'a.json', '--out', join(dir, 'x.bin'))).code, 2);
    t.equal((await relgrad('export', '--checkpoint', 'a.json', '--out', 'x.npz', '--format', 'safetensors')).code, 2);
    t.equal((await relgrad('info')).code, 2);
  } finally {
    process.stderr.write = write;
  }
  t.match(errs.join(''), /cannot read it[\s\S]*cannot tell the format from '.*x\.bin'[\s\S]*--format safetensors does not match[\s\S]*--checkpoint is required/);
});
