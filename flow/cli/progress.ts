// Progress within an epoch on stderr: a cli-progress bar when stderr is a terminal, otherwise
// plain lines (`epoch 3/50  batch 120/500  12.3 s  validation loss …`) at most every
// intervalMs (default 10 s; RELGRAD_PROGRESS_INTERVAL_MS overrides it, e.g. for tests), so a
// run whose output goes to a file, a pipe or CI shows it is alive without control characters.

import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../train.js';

const PROGRESS_INTERVAL_ENV = 'RELGRAD_PROGRESS_INTERVAL_MS';
const DEFAULT_INTERVAL_MS = 10_000;

export interface ProgressOptions {
  /** total epochs asked for (the batch events do not carry it) */
  epochs: number;
  /** default: process.stderr.isTTY */
  tty?: boolean;
  /** default: $RELGRAD_PROGRESS_INTERVAL_MS, else 10 000 */
  intervalMs?: number;
  /** where plain lines go (default: stderr) */
  write?: (line: string) => void;
}

export interface Progress {
  /** feed every batch event; an epoch event ends the bar of that epoch */
  event(e: ProgressEvent, lastLoss: string): void;
  /** remove the bar (before another line is printed, and at the end) */
  stop(): void;
}

function intervalFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[PROGRESS_INTERVAL_ENV];
  if (raw === undefined || raw === '') return DEFAULT_INTERVAL_MS;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${PROGRESS_INTERVAL_ENV} must be a number of milliseconds ≥ 0, got '${raw}'`);
  return v;
}

export function createProgress(o: ProgressOptions): Progress {
  const tty = o.tty ?? process.stderr.isTTY === true;
  if (tty) {
    const bar = new cliProgress.SingleBar({ format: 'epoch {epoch} |{bar}| {percentage}% | ETA {eta_formatted} | val loss {loss}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
    let running = false;
    return {
      event(e, lastLoss) {
        if (e.kind !== 'batch') return void this.stop();
        if (!running || e.batch === 1) {
          bar.start(e.batches, 0, { epoch: e.epoch, loss: lastLoss });
          running = true;
        }
        bar.update(e.batch, { epoch: e.epoch, loss: lastLoss });
      },
      stop() {
        if (running) bar.stop();
        running = false;
      },
    };
  }
  const interval = o.intervalMs ?? intervalFromEnv();
  const write = o.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let last = performance.now();
  return {
    event(e, lastLoss) {
      const now = performance.now();
      if (e.kind === 'epoch') {
        last = now;
        return;
      }
      if (now - last < interval) return;
      last = now;
      write(`epoch ${e.epoch}/${o.epochs}  batch ${e.batch}/${e.batches}  ${e.elapsed.toFixed(1)} s  last validation loss ${lastLoss}`);
    },
    stop() {},
  };
}
