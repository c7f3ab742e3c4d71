// Writes a suite's results: <dir>/<name>.json (command, commit, machine, versions, raw samples,
// medians), <name>.md (a Markdown table, the same provenance at its foot) and, when given series,
// <name>.png (a log-log plot, composed as <name>.svg and rendered by resvg, flow/figure). <dir> is resultsDir(): bench/results/quick/ unless the runner chose
// otherwise (bench/lib/output.ts: --full for the committed bench/results/, --out DIR).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart, type ChartSeries } from '../../flow/figure/figures.js';
import { writeFigureSync } from '../../flow/figure/render.js';
import { provenance, provenanceLine, quickDir, RESULTS_ENV } from './output.js';

export interface SuiteReport {
  name: string;
  title: string;
  config: Record<string, unknown>;
  results: unknown;
  table: { header: string[]; rows: (string | number)[][] };
  notes?: string[];
  plot?: { series: ChartSeries[]; xLabel: string; yLabel: string; logX?: boolean; logY?: boolean };
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
    const svg = lineChart({ series: r.plot.series.filter((s) => s.points.length > 0), logX: r.plot.logX ?? true, logY: r.plot.logY ?? true, title: r.title, xLabel: r.plot.xLabel, yLabel: r.plot.yLabel, width: 900, height: 560 });
    // the provenance also goes into the SVG (as its <desc>) and the PNG's tEXt chunks
    const described = svg.replace('</title>', `</title><desc>${escapeXml(provenanceLine(run))}</desc>`);
    written.push(...writeFigureSync(join(dir, r.name), described, { Software: 'relgrad bench', Source: run.command, Comment: provenanceLine(run) }));
  }
  return written;
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function fmtSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '-';
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`;
  return `${s.toFixed(2)} s`;
}
