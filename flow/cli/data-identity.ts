// Which data file a run was trained on, and whether a file named now is that one: by content hash
// (SHA-256, so a copy elsewhere matches) and resolved path, never by the literal string given on the
// command line ('x.csv', './x.csv' and its absolute path are one file). Built-in sets match by name.

import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileIdentity } from '../data/fingerprint.js';
import type { DatasetRecord } from '../run-record.js';
import { datasetKind } from './datasets.js';

/** What a run records about its data's identity: a file's resolved path and hash; nulls for a built-in set. */
export function dataIdentity(name: string): { path: string | null; sha256: string | null } {
  return datasetKind(name) === 'file' && existsSync(name) ? fileIdentity(name) : { path: null, sha256: null };
}

/** The data set a checkpoint names: its recorded name, or its recorded path when that name does not resolve from here. */
export function recordedDataName(recorded: DatasetRecord | null): string | undefined {
  if (recorded === null || recorded.name === null) return undefined;
  const moved = datasetKind(recorded.name) === 'file' && !existsSync(recorded.name);
  return moved && recorded.path != null && existsSync(recorded.path) ? recorded.path : recorded.name;
}

const realPath = (name: string): string => (existsSync(name) ? realpathSync(name) : resolve(name));

/**
 * Whether `given` is the data set `recorded` describes (so its split seed, limit and header apply).
 * A file with the recorded hash is; the training file's path with other contents is refused (its
 * split would mix training rows into the scored ones); an older record without a hash matches by
 * resolved path, with a notice that the contents were not checked.
 */
export function isTrainingData(recorded: DatasetRecord, given: string, notice: (message: string) => void): boolean {
  if (recorded.name === null) return false;
  if (datasetKind(given) !== 'file' || datasetKind(recorded.name) !== 'file') return recorded.name === given;
  if (!existsSync(given)) return false;
  const now = fileIdentity(given);
  const samePath = recorded.path != null ? recorded.path === now.path : realPath(recorded.name) === now.path;
  if (recorded.sha256 == null) {
    if (samePath) notice(`the checkpoint records no content hash of its data file (an older file): ${given} matched by path, its contents not checked`);
    return samePath;
  }
  if (recorded.sha256 === now.sha256) return true;
  if (samePath) {
    throw new Error(
      `${given} is the file the checkpoint was trained on (${now.path}), but its contents changed: ` +
        `sha256 ${recorded.sha256} when trained, ${now.sha256} now; its split would not be the training run's (restore the file, or score a copy under another name)`,
    );
  }
  return false;
}
