// How a failed command ends: the message on stderr; under --json also one JSON document on stdout,
// { "error": message, "code": exit status }, so `relgrad … --json | jq` reads a failure as well as
// a result. Exit status: 2 for a usage error, 128 + the signal's number when a signal stopped the
// work, 1 for anything else.

import { UsageError } from './args.js';
import { Interrupted, signalExitCode } from './interrupt.js';

/** The exit status of a command that threw `err`. */
function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return 2;
  if (err instanceof Interrupted) return signalExitCode(err.signal);
  return 1;
}

/** Whether the command line asks for --json (also `--json=true`; `--json=false` does not). */
const wantsJson = (argv: readonly string[]): boolean => argv.some((a) => a === '--json' || a === '--json=true');

/** Prints the failure (stderr, and stdout under --json) and returns the exit status. */
export function reportFailure(err: unknown, argv: readonly string[]): number {
  const message = err instanceof Error ? err.message : String(err);
  const code = exitCodeOf(err);
  process.stderr.write(`${message.startsWith('relgrad') ? '' : 'relgrad: error: '}${message}\n`);
  if (wantsJson(argv)) process.stdout.write(`${JSON.stringify({ error: message, code })}\n`);
  return code;
}
