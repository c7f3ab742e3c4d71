// Writes a suite's results: <dir>/<name>.json (command, commit, machine, versions, raw samples,
// medians), <name>.md (a Markdown table, the same provenance at its foot) and, when asked to plot,
// <name>.png (2×) and <name>.svg drawn from that JSON (bench/lib/suite-chart.ts). <dir> is resultsDir(): bench/results/quick/ unless the runner chose
// otherwise (bench/lib/output.ts: --full for the committed bench/results/, --out DIR).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { lineChart, type ChartSeries } from '../../flow/figure/figures.js';
import { writeFigureSync } from '../../flow/figure/render.js';
import { committedDir, provenance, provenanceLine, quickDir, RESULTS_ENV } from './output.js';
import { isTimingSuite, suiteChart } from './suite-chart.js';

export interface SuiteReport {
  name: string;
  title: string;
  config: Record<string, unknown>;
  results: unknown;
  table: { header: string[]; rows: (string | number)[][] };
  notes?: string[];
  /** draw <name>.png: a timing suite's from the JSON just written (bench/lib/suite-chart.ts: spread, stops, caption), another's from `series` */
  plot?: { series?: ChartSeries[]; xLabel: string; yLabel: string };
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
  const doc = { suite: r.name, title: r.title, command: run.command, commit: run.commit, dirty: run.dirty, machine: run.machine, config: r.config, results: r.results, table: r.table, notes: r.notes ?? [], ...(r.plot ? { plot: { xLabel: r.plot.xLabel, yLabel: r.plot.yLabel } } : {}) };
  writeFileSync(json, JSON.stringify(doc, null, 1));
  written.push(json);
  const md = join(dir, `${r.name}.md`);
  writeFileSync(md, `# ${r.title}\n\n${markdownTable(r.table.header, r.table.rows)}\n${(r.notes ?? []).map((n) => `\n- ${n}`).join('')}\n\n${provenanceLine(run)}\n`);
  written.push(md);
  if (r.plot) {
    // a timing suite's picture is its JSON's, drawn as `npm run bench:replot` redraws it; another
    // suite's plot draws the series it gave. Provenance in the SVG's <desc> and the PNG's tEXt.
    const chart = isTimingSuite(doc)
      ? suiteChart(doc, relative(join(committedDir(), '..', '..'), json))
      : { series: (r.plot.series ?? []).filter((s) => s.points.length > 0), logX: true, logY: true, title: r.title, xLabel: r.plot.xLabel, yLabel: r.plot.yLabel, width: 900, height: 560 };
    if (chart.series.length > 0) {
      const svg = lineChart({ ...chart, description: provenanceLine(run) });
      written.push(...writeFigureSync(join(dir, r.name), svg, { Software: 'relgrad bench', Source: run.command, Comment: provenanceLine(run) }, { scale: 2 }));
    }
  }
  return written;
}

export function fmtSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '-';
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`;
  return `${s.toFixed(2)} s`;
}
