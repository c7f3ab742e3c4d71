// `relgrad sample --out F.csv|F.npy`: samples streamed to a file in chunks, so any n that fits on
// disk works in bounded memory. The file is written as F.partial-<pid>, created exclusively (a
// link planted under that name is refused, never followed), and renamed to F when complete; an
// error or a signal (Ctrl-C, SIGTERM, SIGHUP; checked between chunks) removes it.

import { closeSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Rng } from '../../engine/random.js';
import type { HostMatrix } from '../data/dataset.js';
import { npyHeader } from '../interchange/npy.js';
import { unstandardizeInPlace } from '../data/fit-checks.js';
import type { Flow } from '../model.js';
import { openExclusive, writeError } from '../safe-write.js';
import { Interrupted, yieldToSignals } from './interrupt.js';

/** Rows per chunk (≈ 0.5 MB per column of float64). */
const SAMPLE_CHUNK = 65536;

function toCsv(m: HostMatrix<Float64Array>): string {
  const lines: string[] = [];
  for (let r = 0; r < m.rows; r++) lines.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)).join(','));
  return lines.join('\n') + '\n';
}

/** Free bytes on the file system holding `folder` (Infinity where statfs is unavailable). */
function freeDiskBytes(folder: string): number {
  try {
    const s = statfsSync(folder);
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

/** What writeSampleFile draws and where it writes. */
export interface SampleFile {
  flow: Flow;
  n: number;
  seed: number;
  out: string;
  /** a standardised run's column means and scales: samples go back to the data's units */
  scaling: { mean: number[]; std: number[] } | null;
  /** aborted by a signal: stop after the current chunk and remove the partial file */
  abort: AbortSignal;
  notice: (message: string) => void;
}

/**
 * Writes the samples; returns the worst Newton residual. The base draws come from one Rng(seed)
 * stream in order, so the rows are those of flow.sample(n, { seed }) and the first m rows of a
 * larger request equal a request for m.
 */
export async function writeSampleFile(s: SampleFile): Promise<number> {
  const { flow, n, out } = s;
  const npy = /\.npy$/i.test(out);
  const dim = flow.dim;
  const bytesPerRow = npy ? 8 * dim : 24 * dim; // a CSV cell is at most ~24 characters
  const free = freeDiskBytes(dirname(resolve(out)));
  if (n * bytesPerRow > free) {
    throw new Error(`sample: ${n} rows of dim ${dim} need up to ${(n * bytesPerRow / 2 ** 30).toFixed(1)} GiB on disk; ${(free / 2 ** 30).toFixed(1)} GiB are free there`);
  }
  const partial = `${out}.partial-${process.pid}`;
  const fd = openExclusive(partial);
  // a second signal exits at once: the partial file goes then too
  const removePartial = (): void => rmSync(partial, { force: true });
  process.on('exit', removePartial);
  let open = true;
  let maxResidual = 0;
  let written = 0;
  try {
    const write = (bytes: Uint8Array | string): void => {
      try {
        writeFileSync(fd, bytes); // all of it, at the file's position
      } catch (err) {
        throw writeError(partial, err);
      }
    };
    if (npy) write(npyHeader('<f8', [n, dim]));
    const rng = new Rng(s.seed);
    const started = Date.now();
    for (let start = 0; start < n; start += SAMPLE_CHUNK) {
      await yieldToSignals(s.abort);
      const rows = Math.min(SAMPLE_CHUNK, n - start);
      const z = new Float64Array(rows * dim);
      for (let i = 0; i < z.length; i++) z[i] = flow.base.sample(rng);
      const inv = flow.inverse({ data: z, rows, cols: dim });
      maxResidual = Math.max(maxResidual, inv.maxResidual);
      const host: HostMatrix<Float64Array> = { data: Float64Array.from(inv.x.dataSync()), rows, cols: dim };
      inv.x.dispose();
      if (s.scaling !== null) unstandardizeInPlace(host, s.scaling);
      write(npy ? new Uint8Array(host.data.buffer, host.data.byteOffset, host.data.byteLength) : toCsv(host));
      written += rows;
      if (n > SAMPLE_CHUNK) s.notice(`sample: ${start + rows} / ${n} rows (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    open = false;
    closeSync(fd);
    renameSync(partial, out);
  } catch (err) {
    if (open) closeSync(fd);
    rmSync(partial, { force: true });
    if (err instanceof Interrupted) {
      throw new Interrupted(err.signal, `sample: interrupted by ${err.signal} after ${written} of ${n} rows; removed ${partial} (${out} not written)`);
    }
    throw err;
  } finally {
    process.off('exit', removePartial);
  }
  return maxResidual;
}
