// Where benchmark results go, and what each result file records about the run that made it.
// The committed results (bench/results/) change only from a full run asked for with --full;
// --quick and ad-hoc runs write to bench/results/quick/ (git-ignored), --out DIR anywhere.
// The choice travels to child processes in RELGRAD_BENCH_RESULTS, which resultsDir() reads.

import { spawnSync } from 'node:child_process';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError, type FlagSpec } from '../../flow/cli/args.js';
import { machineInfo, type MachineInfo } from './machine.js';

export const RESULTS_ENV = 'RELGRAD_BENCH_RESULTS';

/** The repository root: the working directory npm scripts run in. */
const root = (): string => process.cwd();
export const committedDir = (): string => join(root(), 'bench', 'results');
export const quickDir = (): string => join(committedDir(), 'quick');

export interface OutputChoice {
  dir: string;
  kind: 'full' | 'quick' | 'custom';
}

/**
 * --out DIR wins; --full writes the committed results (refused with --quick, whose tiny grid
 * would replace them); anything else goes to bench/results/quick/. An inherited
 * RELGRAD_BENCH_RESULTS (a parent runner's choice, or a test's) counts as --out.
 */
export function chooseOutput(o: { full?: boolean; quick?: boolean; out?: string }, runner: string): OutputChoice {
  if (o.full && o.quick) throw new UsageError(`${runner}: --full and --quick exclude each other (--full writes the committed results in bench/results/)`);
  const out = o.out ?? process.env[RESULTS_ENV];
  if (out !== undefined && out !== '') return { dir: resolve(out), kind: 'custom' };
  return o.full ? { dir: committedDir(), kind: 'full' } : { dir: quickDir(), kind: 'quick' };
}

/** The flags every runner takes for chooseOutput, in the CLI's flag-table form (flow/cli/args.ts). */
export const OUTPUT_FLAGS: Record<string, FlagSpec> = {
  full: { type: 'boolean', help: 'write the committed results, bench/results/ (only with the full grid)', default: false },
  out: { type: 'string', help: 'write the results to this folder (default: bench/results/quick/, git-ignored; also $RELGRAD_BENCH_RESULTS)', placeholder: 'dir' },
};

/** Applies a choice to this process and its children, and says where the results go. */
export function useOutput(choice: OutputChoice, log: (line: string) => void = (l) => console.log(l)): void {
  process.env[RESULTS_ENV] = choice.dir;
  const shown = isAbsolute(choice.dir) && !relative(root(), choice.dir).startsWith('..') ? relative(root(), choice.dir) : choice.dir;
  const note = choice.kind === 'quick' ? ' (not the committed results: pass --full for those, or --out DIR)' : '';
  log(`results go to ${shown}${note}`);
}

export interface Provenance {
  /** how the run was started: the script (relative to the repository) and its arguments */
  command: string;
  commit: string;
  /** uncommitted changes in the working tree when the run started */
  dirty: boolean;
  machine: MachineInfo;
}

function git(args: string[], cwd: string): string | undefined {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The commit a checkout is at and whether its tracked files differ from it, bench/results/ aside
 * (the suites of one run write there one after another, so that the later ones would otherwise
 * report the earlier ones' results as uncommitted changes).
 */
export function checkoutState(dir: string = root()): { commit: string; dirty: boolean } {
  const status = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results'], dir);
  return { commit: git(['rev-parse', 'HEAD'], dir) ?? 'unknown (not a git checkout)', dirty: status !== undefined && status !== '' };
}

let cached: Omit<Provenance, 'machine'> | undefined;

/** The command, commit and machine of this run (git is asked once per process). */
export function provenance(): Provenance {
  if (cached === undefined) {
    const [, script = '', ...args] = process.argv;
    const rel = isAbsolute(script) ? relative(root(), script) : script;
    cached = {
      command: ['node', rel, ...args].map((a) => (/^[\w./,:=@+-]+$/.test(a) ? a : JSON.stringify(a))).join(' '),
      ...checkoutState(),
    };
  }
  return { ...cached, machine: machineInfo() };
}

/** One Markdown line for the foot of a result file. */
export function provenanceLine(p: Provenance): string {
  const m = p.machine;
  return `Produced by \`${p.command}\` at commit ${p.commit.slice(0, 12)}${p.dirty ? ' (with uncommitted changes)' : ''} ` +
    `on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB; CPU flags ${m.flags.join(' ') || 'not read'}), ${m.platform}, Node ${m.node}, ${m.date}.`;
}
