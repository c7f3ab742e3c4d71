// A timing suite's result JSON (gradients, browser-gradients, peer) → the line chart drawn from it:
// per series (method × backend, or contender × method) the median seconds against D, a min–max bar
// from the repeats, a marker where the series stopped (a memory or time cap, or an error) and a note
// saying why, a "software rendering" label on GPU series measured without a GPU, and a caption with
// the machine (CPU model and flags), the commit and the command. The suites and `npm run
// bench:replot` both draw through here, so a picture is always the JSON's.

import type { ChartOptions, ChartSeries } from '../../flow/figure/figures.js';
import { isSoftwareRenderer } from '../../demo/label.js';

/** The machine block of a result file (bench/lib/machine.ts); older files lack `flags`. */
export interface SuiteMachine {
  cpu?: string;
  cores?: number;
  flags?: string[];
  node?: string;
  date?: string;
}

/** One measured cell, in either layout the suites write (a `request`, or flat fields). */
export interface SuiteCell {
  request?: { backend?: string; method?: string; dim?: number };
  contender?: string;
  backend?: string;
  method?: string;
  dim?: number;
  status: string;
  median?: number;
  samples?: number[];
  reason?: string;
  implementation?: string;
  /** where a file merges runs: the cell's own machine and commit */
  machine?: SuiteMachine;
  commit?: string;
}

/** The fields of a suite's result JSON this module reads. */
export interface SuiteJson {
  suite?: string;
  title: string;
  command?: string;
  commit?: string;
  dirty?: boolean;
  machine?: SuiteMachine;
  config?: Record<string, unknown>;
  results: SuiteCell[] | { cells: SuiteCell[] };
  plot?: { xLabel?: string; yLabel?: string };
}

const cellsOf = (json: SuiteJson): SuiteCell[] => (Array.isArray(json.results) ? json.results : json.results.cells);
const dimOf = (c: SuiteCell): number | undefined => c.request?.dim ?? c.dim;
const backendOf = (c: SuiteCell): string | undefined => c.request?.backend ?? c.backend;
const keyOf = (c: SuiteCell): string => (c.contender !== undefined ? `${c.contender} ${c.request?.method ?? c.method}` : `${c.request?.method ?? c.method} ${backendOf(c)}`);

/** A reason that only points back at an earlier stop ("not run: … was stopped at D=…", "stopped at a smaller D"). */
const followsEarlierStop = (reason: string): boolean => /was stopped at D=|stopped at a smaller D/.test(reason);
/** A stop at a cap the runner set: memory, time, or a predicted time over the cap. */
const atCap = (c: SuiteCell): boolean => c.status === 'stopped' || (c.status === 'skipped' && /predicted .* > cap|memory|time/.test(c.reason ?? ''));

/**
 * How GPU series were rendered. The machines these suites ran on had no GPU (headless Chromium then
 * draws WebGL with SwiftShader, headless-gl under xvfb with Mesa's llvmpipe: both on the CPU); a
 * file that records a hardware renderer (config.gpuRenderer) is labelled with it instead.
 */
export function gpuRendering(json: SuiteJson): { software: boolean; label: string } {
  const recorded = json.config?.gpuRenderer;
  if (typeof recorded === 'string' && !isSoftwareRenderer(recorded)) return { software: false, label: recorded };
  const browser = typeof json.config?.userAgent === 'string';
  const how = typeof recorded === 'string' ? recorded : browser ? "Chromium's SwiftShader" : "Mesa's llvmpipe under xvfb (headless-gl)";
  return { software: true, label: `software rendering: no GPU on the machine, WebGL drawn on the CPU by ${how}; not a GPU's speed` };
}

/** One chart series per method × backend (or contender × method), with its spread and where it ended. */
export function suiteSeries(json: SuiteJson): { series: ChartSeries[]; notes: string[] } {
  const groups = new Map<string, SuiteCell[]>();
  for (const c of cellsOf(json)) {
    const k = keyOf(c);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)?.push(c);
  }
  const software = gpuRendering(json).software;
  const series: ChartSeries[] = [];
  const notes: string[] = [];
  for (const [key, cells] of groups) {
    const sorted = cells.filter((c) => dimOf(c) !== undefined).sort((a, b) => (dimOf(a) as number) - (dimOf(b) as number));
    const okCells = sorted.filter((c) => c.status === 'ok' && c.median !== undefined);
    const name = software && cells.some((c) => backendOf(c) === 'gpu') ? `${key} (software)` : key;
    const s: ChartSeries = {
      name,
      points: okCells.map((c) => [dimOf(c) as number, c.median as number] as const),
      spread: okCells.map((c) => (c.samples !== undefined && c.samples.length >= 2 ? [Math.min(...c.samples), Math.max(...c.samples)] as const : null)),
    };
    // the first cell past the last measured one that did not run, for its own reason
    const lastOk = okCells.length > 0 ? (dimOf(okCells[okCells.length - 1]) as number) : -Infinity;
    const end = sorted.find((c) => (dimOf(c) as number) > lastOk && c.status !== 'ok' && !followsEarlierStop(c.reason ?? ''));
    if (end !== undefined) {
      const d = dimOf(end) as number;
      const why = (end.reason ?? end.status).replace(/\s+/g, ' ');
      const short = why.length > 110 ? `${why.slice(0, 107)}…` : why;
      if (atCap(end)) notes.push(`× ${name}: ${end.status === 'stopped' ? 'stopped' : 'not run'} at D = ${d}: ${short}`);
      else if (end.status === 'error') notes.push(`□ ${name}: error at D = ${d}: ${short}`);
      else notes.push(`${name}: not run from D = ${d}: ${short}`);
      if ((atCap(end) || end.status === 'error') && okCells.length > 0) {
        s.end = { x: d, y: okCells[okCells.length - 1].median as number, kind: end.status === 'error' ? 'error' : 'stopped' };
      }
    }
    if (s.points.length > 0 || s.end !== undefined) series.push(s);
    else if (end === undefined) notes.push(`${name}: no measurement`);
  }
  return { series, notes };
}

/** "AMD EPYC (2 cores; avx2 fma)"; flags "not recorded" in files written before machine.ts kept them. */
export function machineLine(m: SuiteMachine | undefined): string {
  if (m === undefined) return 'machine not recorded';
  return `${m.cpu ?? 'unknown CPU'} (${m.cores ?? '?'} cores; CPU flags: ${m.flags === undefined ? 'not recorded' : m.flags.join(' ') || 'none of note'})`;
}

/** The caption: where and from what it was measured (saying so when cells come from several machines or commits), how to read it, why series end. */
export function suiteCaption(json: SuiteJson, notes: readonly string[], file: string): string[] {
  const cells = cellsOf(json);
  const machines = new Set([json.machine, ...cells.map((c) => c.machine)].filter((m) => m !== undefined).map((m) => machineLine(m)));
  const commits = new Set([json.commit, ...cells.map((c) => c.commit)].filter((c) => c !== undefined).map((c) => (c as string).slice(0, 12)));
  const where = machines.size > 1
    ? `Mixed machines: the cells of ${file} come from ${machines.size} machines (${[...machines].join('; ')}): compare only within one.`
    : `Measured on ${[...machines][0] ?? 'a machine not recorded'}, Node ${json.machine?.node ?? '?'}, ${json.machine?.date?.slice(0, 10) ?? 'date not recorded'}.`;
  const which = commits.size > 1
    ? `Mixed commits: ${[...commits].join(', ')}.`
    : commits.size === 1 ? `Commit ${[...commits][0]}${json.dirty ? ' (with uncommitted changes)' : ''}; command: ${json.command ?? 'not recorded'}.`
    : 'Commit and command not recorded (the file predates result files naming them).';
  const repeats = cells.map((c) => c.samples?.length ?? 0).filter((n) => n > 0);
  const read = `Points: median seconds of ${repeats.length > 0 ? `${Math.min(...repeats)}–${Math.max(...repeats)}` : 'the'} repeats; bars: their min–max. Redrawn from ${file}.`;
  const gpu = cells.some((c) => backendOf(c) === 'gpu') ? [`gpu: ${gpuRendering(json).label}.`] : [];
  return [where, which, read, ...gpu, ...notes];
}

/** The chart options for a suite's JSON (log-log, x ticks at the measured sizes). */
export function suiteChart(json: SuiteJson, file: string): ChartOptions {
  const { series, notes } = suiteSeries(json);
  const dims = [...new Set(cellsOf(json).map(dimOf).filter((d): d is number => d !== undefined))].sort((a, b) => a - b);
  return {
    series,
    title: json.title,
    xLabel: json.plot?.xLabel ?? 'D',
    yLabel: json.plot?.yLabel ?? 'seconds per gradient',
    logX: true,
    logY: true,
    width: 980,
    height: 560,
    xTicks: dims,
    caption: suiteCaption(json, notes, file),
  };
}

/** Whether a result file holds timing cells this chart can draw (cells with a D, a method and a median). */
export function isTimingSuite(json: unknown): json is SuiteJson {
  const j = json as Partial<SuiteJson> | null;
  if (j === null || typeof j !== 'object' || typeof j.title !== 'string' || j.results === undefined) return false;
  const cells = Array.isArray(j.results) ? j.results : (j.results as { cells?: unknown }).cells;
  return Array.isArray(cells) && cells.some((c: SuiteCell) => dimOf(c) !== undefined && (c.request?.method ?? c.method) !== undefined && typeof c.median === 'number');
}
