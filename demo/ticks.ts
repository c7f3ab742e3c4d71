// Axis ticks for the page's charts: 1-2-5 steps on a linear axis, decades (with 2 and 5 between
// when the range spans at most three decades) on a log axis, and labels with just enough digits to
// tell neighbouring ticks apart.

/** About `target` ticks at 1, 2 or 5 × 10^k steps covering [lo, hi] (lo = hi gives a unit range around it). */
export function niceTicks(lo: number, hi: number, target = 5): { ticks: number[]; step: number } {
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
  const raw = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  // k·step rounded to 12 significant digits (2.8, not 2.8000000000000003)
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return { ticks, step };
}

/**
 * Ticks of a log axis over [lo, hi] (both > 0): 10^k, plus 2·10^k and 5·10^k when the range spans
 * at most three decades; a range too short for two of those gets niceTicks' linear steps (with `step`).
 */
export function logTicks(lo: number, hi: number): { ticks: number[]; step?: number } {
  const [a, b] = [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
  const mantissas = Math.log10(hi / lo) <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let k = a; k <= b; k++) {
    for (const m of mantissas) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks.length >= 2 ? { ticks } : niceTicks(lo, hi, 4);
}

/** A tick label: the decimals that `step` needs (0.05 → 2), never more than 6; log ticks use toPrecision. */
export function formatTick(v: number, step?: number): string {
  if (step === undefined) return Number(v.toPrecision(3)).toString();
  const decimals = Math.min(6, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals).replace(/^-0(\.0*)?$/, '0$1');
}
