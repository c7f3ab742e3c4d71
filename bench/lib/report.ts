// Writes a suite's results: <dir>/<name>.json (command, commit, machine, versions, raw samples,
// medians), <name>.md (a Markdown table, the same provenance at its foot) and, when given series,
// <name>.png (a log-log plot). <dir> is resultsDir(): bench/results/quick/ unless the runner chose
// otherwise (bench/lib/output.ts: --full for the committed bench/results/, --out DIR).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot, type LineSeries } from '../../flow/plot/line.js';
import { addPngText } from '../../flow/plot/png-text.js';
import { provenance, provenanceLine, quickDir, RESULTS_ENV } from './output.js';

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
  const chosen = process.env[RESULTS_ENV];
  return chosen !== undefined && chosen !== '' ? chosen : quickDir();
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function writeReport(r: SuiteReport, dir = resultsDir()): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const json = join(dir, `${r.name}.json`);
  const run = provenance();
  writeFileSync(json, JSON.stringify({ suite: r.name, title: r.title, command: run.command, commit: run.commit, dirty: run.dirty, machine: run.machine, config: r.config, results: r.results, table: r.table, notes: r.notes ?? [] }, null, 1));
  written.push(json);
  const md = join(dir, `${r.name}.md`);
  writeFileSync(md, `# ${r.title}\n\n${markdownTable(r.table.header, r.table.rows)}\n${(r.notes ?? []).map((n) => `\n- ${n}`).join('')}\n\n${provenanceLine(run)}\n`);
  written.push(md);
  if (r.plot && r.plot.series.some((s) => s.points.length > 0)) {
    const png = join(dir, `${r.name}.png`);
    writeFileSync(png, withProvenance(linePlot({ series: r.plot.series.filter((s) => s.points.length > 0), logX: r.plot.logX ?? true, logY: r.plot.logY ?? true, title: r.title, xLabel: r.plot.xLabel, yLabel: r.plot.yLabel, width: 900, height: 560 }), run));
    written.push(png);
  }
  return written;
}

/** A PNG with the run's command, commit and machine in tEXt chunks. */
function withProvenance(png: Uint8Array, run: ReturnType<typeof provenance>): Uint8Array {
  return addPngText(png, { Software: 'relgrad bench', Source: run.command, Comment: provenanceLine(run) });
}

export function fmtSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '-';
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`;
  return `${s.toFixed(2)} s`;
}
