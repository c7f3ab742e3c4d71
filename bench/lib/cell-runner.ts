// Runs one cell in its own child process and enforces the caps: an evaluation that runs past the
// time cap, or a process that grows past the memory cap, is killed and recorded as stopped.
// CPU cells ran as worker threads of the bench process until the deep suite showed them
// disturbing each other: after the D = 100 cells the first D = 784 float32 gradient cell took
// 51-68 ms against 38-39 ms for the gradient plus Adam step right after it (`--suites deep --quick
// --dims 100,784`, four runs); one process per cell gave 32.9 / 36.9 and 46.6 / 45.8 ms.

import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CellMessage, CellRequest } from '../cell-worker.js';
import { median } from './stats.js';

export interface Caps {
  /** seconds one evaluation may take */
  timeSeconds: number;
  /** MB the process may grow by during the cell */
  memoryMB: number;
}

export interface CellResult {
  request: CellRequest;
  status: 'ok' | 'stopped' | 'error' | 'skipped';
  reason?: string;
  samples?: number[];
  median?: number;
  implementation?: string;
  peakRssGrowthMB?: number;
  allocation?: { peakLiveBytes: number; bytesPerRun: number; allocationsPerRun: number } | null;
  paramBytes?: number;
}

/** A running cell: a child process (headless-gl loads once per process; CPU cells do not share a process either). */
interface CellHost {
  on(event: 'message', fn: (m: CellMessage) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  on(event: 'exit', fn: (code: number | null) => void): void;
  stop(): void;
  /** resident memory of what the cell adds, in bytes */
  rss(): number;
}

function startCell(request: CellRequest): CellHost {
  const script = new URL('../cell-worker.js', import.meta.url);
  const child = fork(fileURLToPath(script), [JSON.stringify(request)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return {
    on: (event: string, fn: (x: never) => void) => void child.on(event, fn as (x: unknown) => void),
    stop: () => void child.kill('SIGKILL'),
    rss: () => {
      try {
        const pages = Number(readFileSync(`/proc/${child.pid}/statm`, 'utf8').split(' ')[1]);
        return process.memoryUsage.rss() + pages * 4096;
      } catch {
        return process.memoryUsage.rss();
      }
    },
  };
}

export function runCell(request: CellRequest, caps: Caps): Promise<CellResult> {
  return new Promise((resolve) => {
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    let runs = 0;
    let settled = false;
    const worker = startCell(request);
    let runTimer: NodeJS.Timeout | undefined;
    const finish = (r: Omit<CellResult, 'request' | 'peakRssGrowthMB'>): void => {
      if (settled) return;
      settled = true;
      clearInterval(memoryTimer);
      if (runTimer) clearTimeout(runTimer);
      worker.stop();
      resolve({ request, peakRssGrowthMB: (peak - baseline) / 2 ** 20, ...r });
    };
    const memoryTimer = setInterval(() => {
      const rss = worker.rss();
      peak = Math.max(peak, rss);
      const growth = (rss - baseline) / 2 ** 20;
      if (growth > caps.memoryMB) {
        finish({ status: 'stopped', reason: `memory: the process grew by ${growth.toFixed(0)} MB > cap ${caps.memoryMB} MB during evaluation ${runs}` });
      }
    }, 25);
    worker.on('message', (m: CellMessage) => {
      if (m.kind === 'run-start') {
        runs = m.run + 1;
        if (runTimer) clearTimeout(runTimer);
        runTimer = setTimeout(() => {
          finish({ status: 'stopped', reason: `time: one evaluation ran past the cap of ${caps.timeSeconds} s (evaluation ${runs})` });
        }, caps.timeSeconds * 1000);
      } else if (m.kind === 'done') {
        finish({ status: 'ok', samples: m.samples, median: median(m.samples), implementation: m.implementation, allocation: m.allocation, paramBytes: m.paramBytes });
      } else {
        const oom = /allocation failed|Array buffer allocation|Invalid typed array length|out of memory/i.test(m.message);
        finish({ status: oom ? 'stopped' : 'error', reason: oom ? `memory: ${m.message}` : m.message });
      }
    });
    worker.on('error', (err) => {
      const oom = /allocation failed|Array buffer allocation|out of memory|heap/i.test(err.message);
      finish({ status: oom ? 'stopped' : 'error', reason: `${oom ? 'memory: ' : ''}${err.message}` });
    });
    worker.on('exit', (code) => finish({ status: 'error', reason: `worker exited with code ${code} before reporting` }));
  });
}
