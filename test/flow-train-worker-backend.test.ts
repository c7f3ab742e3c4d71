// trainInWorker's backend choice: the worker says which backend it trains on (onBackend), takes
// setBackend's name there, and refuses a wrong name or options without a name before starting.
// (GPU.js in a browser Web Worker is driven by test/demo.test.ts.)
import t from 'tap';
import { Flow, deepStack, toySplits, trainInWorker, type TrainInWorkerOptions } from '../dist/flow/index.js';

const data = toySplits('moons', { train: 200, validation: 100, test: 10, seed: 4 });
const make = (): Flow => Flow.fromLayers(deepStack({ depth: 1, bins: 4 }), { dim: 2, seed: 7, dtype: 'float64' });

t.test("onBackend reports the worker's backend; backend: 'cpu' selects it there", async (t) => {
  const seen: string[] = [];
  const r = await trainInWorker(make(), data, { epochs: 1, backend: 'cpu', onBackend: (info) => seen.push(`${info.name} | ${info.implementation}`) });
  t.equal(r.status, 'completed');
  t.equal(seen.length, 1, 'once');
  t.match(seen[0], /^cpu \| typed arrays; gemm: (wasm|js)/);
  t.notMatch(seen[0], /custom/);
});

t.test('a wrong backend name, or options without one, is refused before a worker starts', async (t) => {
  await t.rejects(trainInWorker(make(), data, { epochs: 1, backend: 'tpu' } as unknown as TrainInWorkerOptions), { message: `trainInWorker: backend must be 'cpu' or 'gpu', got "tpu"` });
  await t.rejects(trainInWorker(make(), data, { epochs: 1, backendOptions: { mode: 'webgl2' } }), { message: "trainInWorker: backendOptions needs backend ('cpu' or 'gpu') beside it" });
  await t.rejects(trainInWorker(make(), data, { epochs: 1, onBackends: () => undefined } as unknown as TrainInWorkerOptions), /trainInWorker: unknown option 'onBackends' \(did you mean 'onBackend'\?\)/);
});
