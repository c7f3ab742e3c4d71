// The TensorFlow.js benchmark peer (bench/peers/tfjs.ts) computes the same gradients as relgrad:
// on a small problem (D = 5, B = 7, L = 2) its relative and ordinary gradients match relgrad's
// float64 flow to float32 tolerance on both tfjs backends (cpu, wasm), with explicit transposes
// and with tf.matMul's transpose flags; its autodiff baseline
// either matches the ordinary gradient or says, in words, why tfjs could not compute it.
import t, { type Test } from 'tap';
import * as tf from '@tensorflow/tfjs-core';
import { Flow } from '../flow/index.js';
import { peerProblemData } from '../bench/peers/problem.js';
import { createTfjsPeer, type Peer, type PeerProblem, type TfjsBackendName } from '../bench/peers/tfjs.js';

const problem: PeerProblem = { dim: 5, batch: 7, layers: 2, seed: 3, activation: 'smooth-leaky-relu', alpha: 0.3, base: 'normal' };


function rows(a: Float32Array, r: number, c: number): number[][] {
  return Array.from({ length: r }, (_, i) => Array.from(a.subarray(i * c, (i + 1) * c)));
}

const data = peerProblemData(problem);
const flow = Flow.create({ dim: problem.dim, layers: problem.layers, activation: problem.activation, alpha: problem.alpha, base: problem.base, seed: problem.seed, dtype: 'float64' });
flow.setParams({ W: data.W.map((w) => rows(w, problem.dim, problem.dim)), b: data.b.map((v) => Array.from(v)) });
const xHost = { data: data.x, rows: problem.batch, cols: problem.dim };

function reference(method: 'relative' | 'ordinary'): { dW: Float64Array[]; db: Float64Array[] } {
  const g = flow.gradient(xHost, method);
  const out = { dW: g.dW.map((v) => Float64Array.from(v.dataSync())), db: g.db.map((v) => Float64Array.from(v.dataSync())) };
  for (const v of [...g.dW, ...g.db]) v.dispose();
  return out;
}
const ref = { relative: reference('relative'), ordinary: reference('ordinary') };
t.teardown(() => flow.dispose());

/** max |a - b| / max(1, max |b|) */
function relErr(a: Float32Array, b: Float64Array): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return a.length === b.length ? err / scale : Infinity;
}

function matches(t: Test, got: { dW: Float32Array[]; db: Float32Array[] }, want: { dW: Float64Array[]; db: Float64Array[] }, what: string): void {
  t.equal(got.dW.length, problem.layers, `${what}: ${problem.layers} dW`);
  t.equal(got.db.length, problem.layers, `${what}: ${problem.layers} db`);
  for (let l = 0; l < problem.layers; l++) {
    const eW = relErr(got.dW[l], want.dW[l]);
    const eb = relErr(got.db[l], want.db[l]);
    t.ok(eW < 1e-4, `${what}: dW[${l}] relative error ${eW.toExponential(2)} < 1e-4`);
    t.ok(eb < 1e-4, `${what}: db[${l}] relative error ${eb.toExponential(2)} < 1e-4`);
  }
}

for (const [backend, transposeFlags] of [['cpu', false], ['wasm', false], ['cpu', true], ['wasm', true]] as [TfjsBackendName, boolean][]) {
  t.test(`tfjs-${backend} peer${transposeFlags ? ' (tf.matMul transpose flags)' : ''}`, async (t) => {
    const peer: Peer = await createTfjsPeer(backend, { transposeFlags });
    t.teardown(() => peer.dispose());
    t.equal(peer.name, `tfjs-${backend}${transposeFlags ? '-tflags' : ''}`);
    t.equal(peer.info.backend, backend);
    t.equal(typeof peer.info['tfjs-core'], 'string');
    peer.setup(problem, data.W, data.b, data.x);

    const rel = peer.relative();
    matches(t, rel, ref.relative, 'relative');
    t.ok(rel.dW.every((v) => v instanceof Float32Array), 'relative returns Float32Array');

    const ord = peer.ordinary();
    if ('unsupported' in ord) t.fail(`ordinary unsupported: ${ord.unsupported}`);
    else matches(t, ord, ref.ordinary, 'ordinary');

    const auto = peer.autodiff();
    if ('unsupported' in auto) {
      t.ok(auto.unsupported.trim().length > 0, `autodiff unsupported, with a reason: ${auto.unsupported}`);
    } else {
      matches(t, auto, ref.ordinary, 'autodiff (== ordinary)');
    }

    // a second call gives the same numbers, and no call leaves tensors behind
    const live = tf.memory().numTensors;
    const again = peer.relative();
    t.same(Array.from(again.dW[0]), Array.from(rel.dW[0]), 'relative is repeatable');
    peer.ordinary();
    peer.autodiff();
    t.equal(tf.memory().numTensors, live, 'no tfjs tensors leaked by relative/ordinary/autodiff');
  });
}

t.test('two peers on different backends interleave (each call selects its backend)', async (t) => {
  const cpu = await createTfjsPeer('cpu');
  const wasm = await createTfjsPeer('wasm');
  cpu.setup(problem, data.W, data.b, data.x);
  wasm.setup(problem, data.W, data.b, data.x);
  const a = cpu.relative();
  const b = wasm.relative();
  t.equal(tf.getBackend(), 'wasm');
  const c = cpu.relative();
  t.equal(tf.getBackend(), 'cpu');
  t.same(Array.from(c.dW[1]), Array.from(a.dW[1]), 'cpu result unchanged after a wasm call');
  matches(t, b, ref.relative, 'wasm interleaved');
  const live = tf.memory().numTensors;
  cpu.dispose();
  wasm.dispose();
  t.equal(tf.memory().numTensors, live - 2 * (2 * problem.layers + 1), 'dispose frees W, b and x of both peers');
});

t.test('bad setup input is refused with a message', async (t) => {
  const peer = await createTfjsPeer('cpu');
  t.throws(() => peer.setup(problem, data.W.slice(0, 1), data.b, data.x), /expected 2 weight matrices/);
  t.throws(() => peer.setup(problem, data.W, data.b, data.x.subarray(1)), /x has 34 values/);
  t.throws(() => peer.relative(), /call setup\(\) first/);
  peer.dispose();
});
