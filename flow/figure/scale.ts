// Axis scales (linear or log10) from data to pixels, with "nice" ticks and labels in mixed case and
// Unicode: 0.001 … 99999 as decimals, otherwise m×10ⁿ with a superscript exponent.

import { linearTicks, logTicks } from '../plot/line.js';

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

/** A domain widened to the enclosing ticks (linear) or decades (log), for tidy axes. */
export function niceDomain(kind: 'linear' | 'log', lo: number, hi: number): [number, number] {
  if (kind === 'log') {
    const [l, h] = padded(lo, hi, true);
    return [10 ** Math.floor(Math.log10(l) + 1e-9), 10 ** Math.ceil(Math.log10(h) - 1e-9)];
  }
  const [l, h] = padded(lo, hi, false);
  const t = linearTicks(l, h, 5);
  const step = t.length > 1 ? t[1] - t[0] : 1;
  return [Math.min(l, Math.floor(l / step) * step), Math.max(h, Math.ceil(h / step) * step)];
}
