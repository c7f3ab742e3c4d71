// Redraws the timing pictures from their committed JSON (no measurement), through the same chart
// the suites draw (bench/lib/suite-chart.ts): <name>.svg and <name>.png (2×) beside each file.
//   npm run bench:replot                       every timing suite under bench/results (not quick/)
//   node dist/bench/replot.js FILE.json [...]  the files named

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, basename, join, relative } from 'node:path';
import { lineChart } from '../flow/figure/figures.js';
import { writeFigure } from '../flow/figure/render.js';
import { committedDir } from './lib/output.js';
import { isTimingSuite, suiteChart, type SuiteJson } from './lib/suite-chart.js';

/** The chart's SVG for one result file; `shown` is the path the caption names. */
export function replotSvg(json: SuiteJson, shown: string): string {
  return lineChart(suiteChart(json, shown));
}

/** Redraws one file's picture; returns the PNG and SVG paths. */
export async function replot(file: string): Promise<string[]> {
  const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!isTimingSuite(json)) throw new Error(`replot: ${file} holds no timing cells (D, method, median) to draw`);
  const shown = relative(join(committedDir(), '..', '..'), file);
  return writeFigure(join(dirname(file), basename(file, '.json')), replotSvg(json, shown), { Software: 'relgrad bench replot', Source: json.command ?? 'not recorded', Comment: `redrawn from ${shown}` }, { scale: 2 });
}

/** The pictures under `dir`, recursively, leaving out quick/ (runs not committed): each timing suite's JSON that asks for a plot or has a picture beside it. */
export function timingFiles(dir: string = committedDir()): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'quick') out.push(...timingFiles(path));
    } else if (name.endsWith('.json')) {
      const json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      if (isTimingSuite(json) && (json.plot !== undefined || existsSync(path.replace(/\.json$/, '.png')))) out.push(path);
    }
  }
  return out;
}

if (process.argv[1]?.endsWith('replot.js')) {
  const named = process.argv.slice(2);
  for (const f of named.length > 0 ? named : timingFiles()) console.log((await replot(f)).join('\n'));
}
