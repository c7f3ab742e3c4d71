// The current backend, chosen by name from a table someone else provides, or given as a Backend
// object. The engine knows only the Backend interface, neither the names nor their options: the
// package root (index.ts) passes backends/index.ts's table with provideBackends(BACKENDS). Its
// 'cpu' entry creates the default backend on first use; every other entry runs only when asked
// for, so a factory that imports its code on demand (the GPU backend) never loads it otherwise.

import type { Backend } from './backend.js';

/** A named backend's factory: its options → the backend (a promise where it loads code or opens a device). */
export type BackendFactory<O> = (options: O) => Backend | Promise<Backend>;

/** Backends by name. 'cpu' is the default, created synchronously on first use. */
export interface BackendTable {
  /** Creates the default backend: on first use, and on each setBackend('cpu'). */
  readonly cpu: () => Backend;
  readonly [name: string]: BackendFactory<never>;
}

let providers: BackendTable | undefined;
let current: Backend | undefined;
let hostCpu: Backend | undefined;

/**
 * Gives the engine the table of named backends. The package root ('relgrad') does this when it
 * loads; call it only when using the engine without the root. The backend in use is kept.
 */
export function provideBackends(given: BackendTable): void {
  providers = given;
}

function providersFor(caller: string): BackendTable {
  if (providers === undefined) {
    throw new Error(
      `${caller}: no backends provided to the engine; import relgrad from its package root ('relgrad', which provides ` +
        "the CPU and GPU backends), call provideBackends({ cpu, gpu }) first, or pass a Backend object to setBackend",
    );
  }
  return providers;
}

/** The backend in use; the CPU backend is created on the first call unless `setBackend` chose another. */
export function getBackend(): Backend {
  if (current === undefined) current = providersFor('getBackend').cpu();
  return current;
}

/**
 * A backend that computes in float64, for host-side numerics (orthogonal initialisation, a
 * covariance): the one in use when it stores float64, else the table's 'cpu' backend (created
 * once, on first need).
 */
export function float64Backend(): Backend {
  const backend = getBackend();
  if (backend.describe().dtypes.includes('float64')) return backend;
  hostCpu ??= providersFor('float64Backend').cpu();
  return hostCpu;
}

/**
 * Selects the backend for tensors created from now on: a name from the provided table (its factory
 * gets `options`), or a Backend object used as given. Resolves to the backend in use; a name
 * not in the table, or a factory that cannot run (e.g. 'gpu' without a working GPU.js kernel),
 * rejects with an error that says so. The package root's setBackend types the names and options.
 */
export async function setBackend(choice: string | Backend, options: object = {}): Promise<Backend> {
  if (typeof choice === 'object') {
    current = choice;
    return choice;
  }
  const table = providersFor(`setBackend('${String(choice)}')`);
  if (typeof choice !== 'string' || !Object.hasOwn(table, choice)) {
    const names = Object.keys(table).map((n) => `'${n}'`).join(', ');
    throw new Error(`setBackend: unknown backend '${String(choice)}'; expected one of ${names}`);
  }
  const factory = table[choice] as (options: object) => Backend | Promise<Backend>;
  current = await factory(options);
  return current;
}
