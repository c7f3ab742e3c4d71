// What every command shares: the --backend and --data-dir flags, the --json flag (stdout carries
// one JSON document, human lines go to stderr), flag readers, choosing the backend, and notices.

import { BACKEND_NAMES, setBackend, type BackendName } from '../../index.js';
import type { FlagSpec, FlagValues } from './args.js';

/** --backend and --data-dir, taken by the commands that compute on data. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  backend: { type: 'string', help: 'compute backend', default: 'cpu', choices: BACKEND_NAMES },
  'data-dir': { type: 'string', help: 'folder of the MAF data files (power, gas, hepmass, miniboone, bsds300)', placeholder: 'dir' },
};

/** --json: stdout carries exactly one JSON document, every human line goes to stderr. */
export const JSON_FLAG: FlagSpec = { type: 'boolean', help: 'print only the result, as one JSON document, on stdout (human lines go to stderr)', default: false };

/** --json of a command whose result is one JSON document anyway (accepted for scripts). */
export const JSON_ALWAYS_FLAG: FlagSpec = { ...JSON_FLAG, help: 'the result is one JSON document on stdout (it always is; accepted for scripts)' };

/** A flag's value as a string (undefined when absent). */
export const str = (f: FlagValues, k: string): string | undefined => (f[k] === undefined ? undefined : String(f[k]));

/** A flag's value as a number. */
export const num = (f: FlagValues, k: string): number => Number(f[k]);

/** Selects the --backend (its value is one of BACKEND_NAMES: the flag's choices) and names it when not the default. */
export async function useBackend(flags: FlagValues): Promise<void> {
  const backend = await setBackend(str(flags, 'backend') as BackendName);
  if (backend.name !== 'cpu') process.stderr.write(`backend: ${backend.describe().implementation}\n`);
}

/** A notice on stderr (a closed stderr is tolerated like a closed stdout). */
export function notice(message: string): void {
  process.stderr.write(`relgrad: ${message}\n`);
}
