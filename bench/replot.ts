// Redraws a committed suite's plot from its JSON (no measurement): the median seconds per cell
// against D, one line per backend/contender and method, as the suite itself plots them, drawn by
// flow/figure (SVG beside the PNG). For plots made before the figure rework.
//   node dist/bench/replot.js bench/results/gradients.json [more.json ...]

import { readFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { lineChart, type ChartSeries } from '../flow/figure/figures.js';
import { writeFigure } from '../flow/figure/render.js';

interface AnyCell {
  request?: { backend: string; method: string; dim: number };
  contender?: string;
  backend?: string;
  method?: string;
  dim?: number;
  status: string;
  median?: number;
}

interface SuiteJson {
  suite?: string;
  title: string;
  machine?: { cpu?: string; cores?: number; node?: string; date?: string };
  command?: string;
  commit?: string;
  results: AnyCell[] | { cells: AnyCell[] };
}

/** Series "<method> <backend>" (gradients, browser) or "<contender> <method>" (peer), as the suites name them. */
export function seriesOf(json: SuiteJson): ChartSeries[] {
  const cells = Array.isArray(json.results) ? json.results : json.results.cells;
  const groups = new Map<string, [number, number][]>();
  for (const c of cells) {
    const method = c.request?.method ?? c.method;
    const dim = c.request?.dim ?? c.dim;
    const key = c.contender !== undefined ? `${c.contender} ${method}` : `${method} ${c.request?.backend ?? c.backend}`;
    if (!groups.has(key)) groups.set(key, []);
    if (c.status === 'ok' && c.median !== undefined && dim !== undefined) groups.get(key)?.push([dim, c.median]);
  }
  return [...groups].filter(([, p]) => p.length > 0).map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) }));
}

export async function replot(file: string): Promise<string[]> {
  const json = JSON.parse(readFileSync(file, 'utf8')) as SuiteJson;
  const m = json.machine ?? {};
  const source = json.command === undefined ? 'measurements recorded before result files named their command' : `${json.command} at ${json.commit ?? '?'}`;
  const line = `Redrawn from ${file} (${source}); measured on ${m.cpu ?? '?'} (${m.cores ?? '?'} cores), Node ${m.node ?? '?'}, ${m.date ?? '?'}.`;
  const svg = lineChart({ series: seriesOf(json), logX: true, logY: true, title: json.title, xLabel: 'D', yLabel: 'seconds per gradient', width: 900, height: 560 })
    .replace('</title>', `</title><desc>${line.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</desc>`);
  return writeFigure(join(dirname(file), basename(file, '.json')), svg, { Software: 'relgrad bench replot', Comment: line });
}

const files = process.argv.slice(2);
if (files.length > 0 && process.argv[1]?.endsWith('replot.js')) {
  for (const f of files) console.log((await replot(f)).join('\n'));
}
