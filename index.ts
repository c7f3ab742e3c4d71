// relgrad: the engine at the package root, with its backends; the flow lives at 'relgrad/flow'.
// This is where the backends are chosen: the engine (engine/) knows only the Backend interface,
// so the root passes it the CPU backend and a loader for the GPU backend. GPU.js (an optional
// peer dependency) is imported only by setBackend('gpu').

import { createCpuBackend } from './backends/cpu/index.js';
import { provideBackends } from './engine/state.js';

provideBackends({
  cpu: () => createCpuBackend({ tier: 'auto' }),
  gpu: async (options) => (await import('./backends/gpu/index.js')).createGpuBackend(options),
});

export * from './engine/index.js';
