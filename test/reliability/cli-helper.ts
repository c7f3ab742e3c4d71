// Runs the relgrad CLI in a folder, for the reliability tests; not a test file itself. Two ways:
// relgradIn spawns the built binary (dist/, built by `npm test` before tap): for checks about the
// process itself (locks naming a pid, signals, a closed pipe, the exit status of node). relgradHere
// calls the CLI's main(argv) in this process (no Node start-up, imports or backend start per call):
// for checks about what a command does, says and writes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliResult } from '../helpers/cli-in-process.js';

export const bin = resolve('dist/flow/cli/main.js');

export { relgradHere, type CliResult } from '../helpers/cli-in-process.js';

/** A fresh temporary folder, removed when the test ends. */
export function tempFolder(t: { teardown(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `relgrad-${prefix}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function relgradIn(dir: string, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The pid of a process that has already exited (for stale locks and temp files). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}
