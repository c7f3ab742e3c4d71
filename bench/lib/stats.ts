// Timing helpers: medians of repeated runs after a warm-up, with a time budget per cell.

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]);
}

export interface TimingOptions {
  /** stop repeating once this many seconds were spent (after minRuns) */
  budgetSeconds: number;
  minRuns: number;
  maxRuns: number;
  warmup: number;
  /** awaited after each call, outside the timing (e.g. a turn of the event loop, as train() gives) */
  between?: () => Promise<void>;
}

/** Seconds per call of fn (which must wait for its device before returning), as raw samples. */
export async function timeRuns(fn: () => unknown | Promise<unknown>, o: TimingOptions): Promise<number[]> {
  for (let i = 0; i < o.warmup; i++) {
    await fn();
    await o.between?.();
  }
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < o.maxRuns) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) / 1000);
    await o.between?.();
    if (samples.length >= o.minRuns && (performance.now() - started) / 1000 > o.budgetSeconds) break;
  }
  return samples;
}
