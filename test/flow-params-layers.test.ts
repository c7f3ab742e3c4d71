// One parameter representation (issue 19 item 3): host parameters are one list per layer, for the
// paper's model as for any stack; `{ W, b }` is only a view at the API edge. A version-1
// checkpoint (W/b lists, Adam moments ordered all W then all b) written here by hand, byte by byte
// as that format was, loads converted to per-layer lists with its moments re-ordered by layer.
import { createHash } from 'node:crypto';
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flow } from '../flow/index.js';
import { loadCheckpoint } from '../flow/checkpoint.js';
import { denseViews } from '../flow/layers/specs.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-params-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (values: number[]): string => Buffer.from(Float64Array.from(values).buffer).toString('base64');

t.test('the paper model\'s host parameters: one list per layer, W/b a view of the same arrays', async (t) => {
  const flow = Flow.create({ dim: 2, layers: 2, seed: 3, dtype: 'float64' });
  const host = flow.paramsToHost();
  t.same(Object.keys(host), ['layers'], 'one representation: per-layer lists only');
  t.same(host.layers.map((l) => l.length), [2, 0, 2], 'dense [W, b], activation [], dense [W, b]');
  const W = flow.params.W.map((w) => Array.from(w.dataSync()));
  const b = flow.params.b.map((v) => Array.from(v.dataSync()));
  t.same(host.layers[0].map((a) => Array.from(a)), [W[0], b[0]], 'layer 0 holds the first dense layer\'s W and b');
  t.same(host.layers[2].map((a) => Array.from(a)), [W[1], b[1]], 'layer 2 holds the second');
  const view = denseViews(flow.stack, host.layers);
  t.equal(view.W[1], host.layers[2][0], 'the W view is the same array, not a copy');
  // the paper view is still accepted at the edge
  const other = Flow.create({ dim: 2, layers: 2, seed: 9, dtype: 'float64' });
  other.paramsFromHost({ W: view.W, b: view.b });
  t.same(other.paramsToHost().layers.map((l) => l.map((a) => Array.from(a))), host.layers.map((l) => l.map((a) => Array.from(a))), 'paramsFromHost({ W, b }) sets the same parameters');
});

t.test('a version-1 checkpoint (W/b lists, moments all W then all b) loads as per-layer lists', async (t) => {
  // D = 2, two dense layers with biases; values chosen so that every array is distinct
  const W0 = [2, 0.5, -0.25, 1.5];
  const W1 = [1, -0.75, 0.125, 3];
  const b0 = [0.1, -0.2];
  const b1 = [0.3, 0.4];
  const mW0 = [1, 2, 3, 4];
  const mW1 = [5, 6, 7, 8];
  const mb0 = [9, 10];
  const mb1 = [11, 12];
  const config = { dim: 2, layers: 2, activation: 'smooth-leaky-relu', alpha: 0.3, beta: 1, gamma: 0.1, base: 'normal', bias: true, seed: 0, init: 'orthogonal', dtype: 'float64' };
  const payload = JSON.stringify({
    config,
    params: { W: [b64(W0), b64(W1)], b: [b64(b0), b64(b1)] },
    training: {
      epoch: 3,
      optimizer: { name: 'adam', step: 30, m: [mW0, mW1, mb0, mb1].map(b64), v: [mW0, mW1, mb0, mb1].map((a) => b64(a.map((x) => x * 10))) },
      best: { epoch: 2, validationLoss: 1.5, params: { W: [b64(W1), b64(W0)], b: [b64(b1), b64(b0)] } },
      badEpochs: 1,
      history: [],
      options: {},
    },
    meta: {},
  });
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const path = join(dir, 'v1.json');
  writeFileSync(path, `${JSON.stringify({ format: 'relgrad-checkpoint', version: 1, bytes: Buffer.byteLength(payload), sha256 })}\n${payload}`);

  const ck = await loadCheckpoint(path);
  const arr = (l: Float64Array[][]): number[][][] => l.map((list) => list.map((a) => Array.from(a)));
  t.same(arr(ck.params.layers), [[W0, b0], [], [W1, b1]], 'params: [W0, b0], [], [W1, b1]');
  t.same(arr(ck.training?.best?.params.layers ?? []), [[W1, b1], [], [W0, b0]], 'best params converted the same way');
  t.same(ck.training?.optimizer.m.map((a) => Array.from(a)), [mW0, mb0, mW1, mb1], 'moments re-ordered by layer: W0, b0, W1, b1');
  t.same(ck.training?.optimizer.v.map((a) => Array.from(a)), [mW0, mb0, mW1, mb1].map((a) => a.map((x) => x * 10)), 'second moments too');

  const flow = await Flow.load(path);
  t.same(flow.params.W.map((w) => Array.from(w.dataSync())), [W0, W1], 'Flow.load: the dense layers hold W0, W1');
  t.same(flow.params.b.map((v) => Array.from(v.dataSync())), [b0, b1], 'and b0, b1');
  // saved again, the file is written per layer (version 2) and reads back the same
  const again = join(dir, 'v2.json');
  await flow.save(again);
  t.same(arr((await loadCheckpoint(again)).params.layers), [[W0, b0], [], [W1, b1]], 'written per layer and read back unchanged');
});
