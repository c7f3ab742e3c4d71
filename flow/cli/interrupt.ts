// Ctrl-C, SIGTERM and SIGHUP as a request to stop. While `interruptible` runs, those signals abort
// an AbortSignal instead of killing the process, so the work stops at its next check (a sample
// chunk, a training batch), removes its temp files, releases its lock and says what it left; the
// command then exits with 128 + the signal's number. A second signal ends the process at once
// ('exit' handlers still run, so locks are released). JavaScript runs to its next `await` before
// a handler can: work that wants to stop promptly yields now and then (`yieldToSignals`).

import { constants } from 'node:os';

const SIGNALS: readonly NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The exit status of a process ended by `signal` (the shell's convention, 128 + its number). */
export const signalExitCode = (signal: NodeJS.Signals): number => 128 + (constants.signals[signal] ?? 0);

/** Work stopped by a signal; `message` says what was kept (a checkpoint to resume) or removed. */
export class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals, message = `interrupted by ${signal}`) {
    super(message);
  }
}

/** Runs `work` with an AbortSignal that the signals above abort (its reason: an Interrupted). */
export async function interruptible<T>(work: (abort: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signalExitCode(signal));
    process.stderr.write(`relgrad: ${signal}: stopping (again to stop at once)…\n`);
    controller.abort(new Interrupted(signal));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}

/** Lets pending signal handlers run (one turn of the event loop), then throws if `abort` fired. */
export async function yieldToSignals(abort: AbortSignal): Promise<void> {
  await new Promise<void>((done) => setImmediate(done));
  abort.throwIfAborted();
}
