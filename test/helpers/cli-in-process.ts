// The relgrad CLI run in this process: main(argv) from the TypeScript sources, with a working
// folder, capturing what it writes. No Node start-up, imports or backend start per call, so a test
// can run many commands; checks about the process itself (exit of node, signals, pipes, locks that
// name a pid) spawn the built binary instead.
import { main } from '../../flow/cli/main.js';

/** What a run of the CLI returned: its exit status and everything it wrote to stdout and stderr. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * main(args) in this process with `dir` as the working folder: its exit status (what the binary
 * exits with) and what it wrote to stdout and stderr (console.log/error and stream writes alike).
 * Runs one at a time (the working folder and the streams are the process's).
 */
export async function relgradHere(dir: string, ...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const [cwd, exitCode] = [process.cwd(), process.exitCode];
  const [stdoutWrite, stderrWrite] = [process.stdout.write, process.stderr.write];
  const capture = (into: string[]) => ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
  process.chdir(dir);
  process.exitCode = undefined; // main() reads it as the command's status
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
    process.exitCode = exitCode;
    process.chdir(cwd);
  }
}

