// relgrad: the engine at the package root; the flow lives at 'relgrad/flow'.
export * from './engine/index.js';
