// Writes a suite's results: bench/results/<name>.json (machine, versions, raw samples, medians),
// <name>.md (a Markdown table) and, when given series, <name>.png (a log-log plot).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot, type LineSeries } from '../../flow/plot/line.js';
import { machineInfo } from './machine.js';

export interface SuiteReport {
  name: string;
  title: string;
  config: Record<string, unknown>;
  results: unknown;
  table: { header: string[]; rows: (string | number)[][] };
  notes?: string[];
  plot?: { series: LineSeries[]; xLabel: string; yLabel: string; logX?: boolean; logY?: boolean };
}

export function resultsDir(): string {
  return process.env.RELGRAD_BENCH_RESULTS ?? join(process.cwd(), 'bench', 'results');
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function writeReport(r: SuiteReport, dir = resultsDir()): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const json = join(dir, `${r.name}.json`);
  writeFileSync(json, JSON.stringify({ suite: r.name, title: r.title, machine: machineInfo(), config: r.config, results: r.results, table: r.table, notes: r.notes ?? [] }, null, 1));
  written.push(json);
  const md = join(dir, `${r.name}.md`);
  writeFileSync(md, `# ${r.title}\n\n${markdownTable(r.table.header, r.table.rows)}\n${(r.notes ?? []).map((n) => `\n- ${n}`).join('')}\n`);
  written.push(md);
  if (r.plot && r.plot.series.some((s) => s.points.length > 0)) {
    const png = join(dir, `${r.name}.png`);
    writeFileSync(png, linePlot({ series: r.plot.series.filter((s) => s.points.length > 0), logX: r.plot.logX ?? true, logY: r.plot.logY ?? true, title: r.title, xLabel: r.plot.xLabel, yLabel: r.plot.yLabel, width: 900, height: 560 }));
    written.push(png);
  }
  return written;
}

export function fmtSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '-';
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`;
  return `${s.toFixed(2)} s`;
}
