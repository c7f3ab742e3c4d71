// Writing files without exposing or half-writing them: temp files are created exclusively
// (O_CREAT|O_EXCL, plus O_NOFOLLOW where the platform has it), so a symlink planted under a temp
// name is refused instead of followed; a finished file is renamed into place; a failed write
// removes its temp file and its error names the file (Node's own `ENOSPC: no space left on
// device, write` names none). Node only.

import { closeSync, constants, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** open(2) flags of a new file: write-only, created here or refused, never through a link. */
const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such folder',
  EIO: 'input/output error',
  EEXIST: 'it already exists (a left-over file or a planted link; it is not followed): remove it',
  ELOOP: 'it is a symbolic link (not followed)',
};

/** An error for a failed write of `path` that names the file and the reason; the cause is kept. */
export function writeError(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? String(err instanceof Error ? err.message : err) : `${REASONS[code] ?? (err as Error).message} (${code})`;
  return new Error(`cannot write ${path}: ${reason}`, { cause: err });
}

/** Creates `path` exclusively for writing (refused when anything, a link included, is there); returns the fd. */
export function openExclusive(path: string): number {
  try {
    return openSync(path, EXCLUSIVE, 0o666);
  } catch (err) {
    throw writeError(path, err);
  }
}

/** The temp name beside `path`: `<path>.tmp-<pid>-<ms>` (removeStaleTemps recognises it). */
const tempName = (path: string): string => `${path}.tmp-${process.pid}-${Date.now()}`;

/**
 * Writes `data` to `path` through an exclusively created temp file and a rename, so `path` holds
 * either its old content or the whole new one. On failure the temp file is removed and the error
 * names `path`.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = tempName(path);
  const fd = openExclusive(tmp);
  try {
    try {
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw writeError(path, err);
  }
}
