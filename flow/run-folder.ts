// Run folders hold one run each. A lock file (the holder's pid) keeps two processes from writing
// the same folder at once; a lock whose process is gone is taken over with a notice. Node only.

import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from './checkpoint.js';

export interface RunLock {
  readonly path: string;
  /** Removes the lock file (idempotent; also done when the process exits). */
  release(): void;
}

/**
 * Creates `<folder>/<name>` exclusively with this process's pid. Throws naming the holder when a
 * live process holds it; takes over (with `notice`) a lock left by a process that no longer runs.
 */
export function acquireLock(folder: string, name: string, notice: (message: string) => void): RunLock {
  const path = join(folder, name);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue; // removed meanwhile: try again
      }
      const pid = Number.parseInt(text, 10);
      if (processAlive(pid)) {
        throw new Error(`run folder ${folder} is in use by process ${pid} (lock file ${path}): wait for that run to end or stop it`);
      }
      notice(`taking over the lock ${path}: its process ${Number.isNaN(pid) ? '(unreadable pid)' : pid} no longer runs`);
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      process.off('exit', release);
      try {
        if (Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid) rmSync(path, { force: true });
      } catch {
        // already gone
      }
    };
    process.on('exit', release);
    return { path, release };
  }
  throw new Error(`run folder ${folder}: could not take the lock ${path}`);
}

/** Entries of a run folder other than lock files and checkpoint temp files. */
export function runEntries(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names.filter((n) => !n.endsWith('.lock') && !/\.tmp-\d+-\d+$/.test(n)).sort();
}
