// The worker side of trainInWorker (train-in-worker.ts): rebuilds the flow from its config and
// parameters on this thread's default backend, runs train() on it, and posts progress, notices,
// per-epoch parameter snapshots and the final parameters back. A start message naming a backend
// selects it first (GPU.js runs in a Web Worker on an OffscreenCanvas); the flow is rebuilt in its
// own dtype where that backend has it, else in the backend's default (GPU.js: float32). An 'abort' message aborts the run's
// signal; train() sees it at the next batch boundary (it yields between batches).
// Runs under Node's worker_threads (parentPort) and as a browser module Web Worker (self).
import { getBackend, setBackend } from '../engine/state.js';
import { Flow } from './model.js';
import { train } from './train.js';
import type { FromWorker, ToWorker } from './train-worker-protocol.js';

interface Port {
  post: (message: FromWorker) => void;
  listen: (handler: (message: ToWorker) => void) => void;
}

interface NodePort {
  postMessage(value: unknown): void;
  on(event: 'message', listener: (value: unknown) => void): void;
}

/** parentPort under worker_threads, else the Web Worker's global scope. */
function connect(): Port {
  const wt = typeof process !== 'undefined' && typeof process.getBuiltinModule === 'function'
    ? (process.getBuiltinModule('node:worker_threads') as { parentPort: NodePort | null })
    : undefined;
  const parent = wt?.parentPort;
  if (parent) return { post: (m) => parent.postMessage(m), listen: (h) => parent.on('message', (m) => h(m as ToWorker)) };
  const scope = globalThis as unknown as { postMessage: (m: unknown) => void; addEventListener: (t: 'message', l: (e: { data: unknown }) => void) => void };
  return { post: (m) => scope.postMessage(m), listen: (h) => scope.addEventListener('message', (e) => h(e.data as ToWorker)) };
}

const port = connect();
const controller = new AbortController();
port.listen((message) => {
  if (message.kind === 'abort') controller.abort();
  else void run(message);
});

async function run(start: Extract<ToWorker, { kind: 'start' }>): Promise<void> {
  try {
    if (start.backend !== undefined) await setBackend(start.backend.name, start.backend.options);
    port.post({ kind: 'backend', info: getBackend().describe() });
    const flow = Flow.fromCheckpoint({ config: start.config, params: start.params });
    const result = await train(flow, start.data, {
      ...start.options,
      signal: controller.signal,
      onNotice: (message) => port.post({ kind: 'notice', message }),
      onProgress: (event) => {
        port.post({ kind: 'progress', event });
        if (start.snapshots && event.kind === 'epoch') port.post({ kind: 'snapshot', epoch: event.epoch, params: flow.paramsToHost() });
      },
    });
    port.post({ kind: 'done', result, params: flow.paramsToHost() });
  } catch (err) {
    port.post({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}
