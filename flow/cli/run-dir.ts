// The output folder of a run, created on demand and removed again when the run fails before
// writing anything into it, so that a refused run (bad data, a lock held elsewhere) leaves no empty
// folder behind. Only folders this process created, and only while empty, are ever removed.

import { mkdirSync, rmdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface RunDir {
  readonly path: string;
  /** Removes the folders this process created for the run, innermost first, while they are empty. */
  removeIfEmpty(): void;
}

/** Creates `path` (and missing parents) and remembers which of them this process created. */
export function makeRunDir(path: string): RunDir {
  const folder = resolve(path);
  const first = mkdirSync(folder, { recursive: true });
  return {
    path: folder,
    removeIfEmpty(): void {
      if (first === undefined) return;
      for (let dir = folder; ; dir = dirname(dir)) {
        try {
          rmdirSync(dir); // fails on a folder that holds anything
        } catch {
          return;
        }
        if (dir === resolve(first)) return;
      }
    },
  };
}
