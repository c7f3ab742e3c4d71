// Axis scales (linear or log10) from data to pixels, with "nice" ticks and labels in mixed case and
// Unicode: 0.001 … 99999 as decimals, otherwise m×10ⁿ with a superscript exponent.

/** About `target` "nice" ticks (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, target = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= target + 1) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Ticks for a log axis over [lo, hi] (values > 0): powers of 10, plus 2× and 5× if too few. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const inRange = (v: number): boolean => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  let ticks: number[] = [];
  for (let k = a; k <= b; k++) ticks.push(10 ** k);
  ticks = ticks.filter(inRange);
  if (ticks.length < 3) {
    const more: number[] = [];
    for (let k = a; k <= b; k++) for (const m of [1, 2, 5]) more.push(m * 10 ** k);
    ticks = more.filter(inRange);
  }
  if (ticks.length < 2) ticks = linearTicks(lo, hi).filter((v) => v > 0);
  return ticks.map((v) => Number(v.toPrecision(12)));
}

export interface Scale {
  kind: 'linear' | 'log';
  domain: [number, number];
  range: [number, number];
  map(v: number): number;
  ticks(): number[];
}

const SUPER: Record<string, string> = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/** 1234 → "1234", 0.05 → "0.05", 2e-6 → "2×10⁻⁶", 1e6 → "10⁶", −1.5 → "−1.5". */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  const sign = v < 0 ? '−' : '';
  if (a >= 1e-3 && a < 1e5) return sign + String(Number(a.toPrecision(6)));
  const e = Math.floor(Math.log10(a) + 1e-9);
  const m = Number((a / 10 ** e).toPrecision(3));
  const exp = String(e).split('').map((c) => SUPER[c]).join('');
  return `${sign}${m === 1 ? '' : `${m}×`}10${exp}`;
}

/** Pads a domain that is a single value, so a constant series still gets an axis. */
function padded(lo: number, hi: number, log: boolean): [number, number] {
  if (hi > lo) return [lo, hi];
  return log ? [lo / 2, hi * 2] : [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
}

export function makeScale(kind: 'linear' | 'log', domain: [number, number], range: [number, number]): Scale {
  const log = kind === 'log';
  if (log && !(domain[0] > 0)) throw new Error(`scale: a log axis needs positive values, got ${domain[0]}`);
  const [lo, hi] = padded(domain[0], domain[1], log);
  const f = (v: number): number => (log ? Math.log10(v) : v);
  const [a, b] = [f(lo), f(hi)];
  return {
    kind,
    domain: [lo, hi],
    range,
    map: (v) => range[0] + ((f(v) - a) / (b - a)) * (range[1] - range[0]),
    ticks: () => (log ? logTicks(lo, hi) : linearTicks(lo, hi, 5)).filter((t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)),
  };
}

/**
 * A domain that fits the data: linear widens to the enclosing ticks; log pads each end by 6% of the
 * span in decades (at least 0.1 decade), so the axis ends near the data, never a decade past it.
 */
export function niceDomain(kind: 'linear' | 'log', lo: number, hi: number): [number, number] {
  if (kind === 'log') {
    const [l, h] = padded(lo, hi, true);
    const pad = 10 ** Math.max(0.1, 0.06 * Math.log10(h / l));
    return [l / pad, h * pad];
  }
  const [l, h] = padded(lo, hi, false);
  const t = linearTicks(l, h, 5);
  const step = t.length > 1 ? t[1] - t[0] : 1;
  return [Math.min(l, Math.floor(l / step) * step), Math.max(h, Math.ceil(h / step) * step)];
}
