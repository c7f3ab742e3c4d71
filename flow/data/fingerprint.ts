// The identity of a data file: its resolved path and the SHA-256 of its bytes. A run records both,
// so that resume and eval can tell the training file from another one, and from the same file
// after its contents changed. Node only. Cost: one sequential read of the file, in 1 MiB chunks.

import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

export interface FileIdentity {
  /** the absolute path, symbolic links resolved */
  path: string;
  /** SHA-256 of the file's bytes, lower-case hex */
  sha256: string;
}

/** The resolved path and content hash of a file. */
export function fileIdentity(file: string): FileIdentity {
  const path = realpathSync(resolve(file));
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, chunk, 0, chunk.length, null); n > 0; n = readSync(fd, chunk, 0, chunk.length, null)) {
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return { path, sha256: hash.digest('hex') };
}
