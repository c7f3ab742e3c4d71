// Run folders hold one run each. A lock file (the holder's pid, start time and boot id) keeps two
// processes from writing the same folder at once; a lock whose process is gone, or whose pid now
// belongs to another process (flow/process-identity.ts), is taken over with a notice. Node only.

import { linkSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from './checkpoint.js';
import { MANIFEST } from './run-files.js';
import { holderGone, holderText, parseHolder } from './process-identity.js';

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
  // the pid is written to a private file first and hard-linked to the lock name, which fails if the
  // name exists: a reader never sees a lock without its pid (an empty one would look stale)
  const own = join(folder, `${name}.${process.pid}.tmp`);
  rmSync(own, { force: true }); // left by an earlier process with this pid (rm does not follow a link)
  writeFileSync(own, holderText(), { flag: 'wx' });
  try {
    return takeLock(folder, path, own, notice);
  } finally {
    rmSync(own, { force: true });
  }
}

function takeLock(folder: string, path: string, own: string, notice: (message: string) => void): RunLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      createLock(own, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue; // removed meanwhile: try again
      }
      const holder = parseHolder(text);
      const pid = holder.pid;
      const gone = holderGone(holder, processAlive);
      if (gone === null) {
        throw new Error(`run folder ${folder} is in use by process ${pid} (lock file ${path}): wait for that run to end or stop it`);
      }
      // move the stale lock aside (atomic) and check what was moved: if another process took the
      // lock over between our read and our rename, it is live, so put it back and stop
      const aside = `${own}.stale`;
      try {
        renameSync(path, aside);
      } catch {
        continue; // removed meanwhile
      }
      const movedText = readFileSync(aside, 'utf8');
      const moved = parseHolder(movedText).pid;
      if (movedText !== text && holderGone(parseHolder(movedText), processAlive) === null) {
        try {
          linkSync(aside, path);
        } catch {
          // a third process holds the name now; it will be refused or refuse us on its own
        }
        rmSync(aside, { force: true });
        throw new Error(`run folder ${folder} is in use by process ${moved} (lock file ${path}): wait for that run to end or stop it`);
      }
      rmSync(aside, { force: true });
      notice(`taking over the lock ${path}: its process ${Number.isNaN(pid) ? '(unreadable pid)' : pid} ${gone}`);
      continue;
    }
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

/** Links `own` to `path`; where hard links are unsupported, creates `path` exclusively and writes the pid. */
function createLock(own: string, path: string): void {
  try {
    linkSync(own, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    writeFileSync(path, holderText(), { flag: 'wx' });
  }
}

/** Entries of a run folder other than lock files, checkpoint temp files and the manifest of relgrad's files. */
export function runEntries(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names.filter((n) => n !== MANIFEST && !n.endsWith('.lock') && !/\.lock\.\d+\.tmp(\.stale)?$/.test(n) && !/\.tmp-\d+-\d+$/.test(n)).sort();
}
