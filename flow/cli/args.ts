// The one command-line flag parser of the relgrad CLI and the bench runners: every flag is
// declared in a table (type, help, default, choices, bounds), one line per flag; unknown flags,
// missing values and bad values are UsageErrors (exit status 2) that name the flag and the value.
// Tokenising is node:util.parseArgs's; the checks and messages are ours (see parseFlags).

import { parseArgs } from 'node:util';
import { packageVersion } from './version.js';
import { closest } from '../option-keys.js';

/** Edit distance and the nearest candidate, for 'did you mean' (flow/option-keys.ts). */
export { closest, editDistance } from '../option-keys.js';

/** 'list': comma-separated strings (each one of `choices` when given); 'int-list': comma-separated integers. */
export type FlagType = 'string' | 'int' | 'number' | 'boolean' | 'list' | 'int-list';

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean | readonly string[] | readonly number[];
  choices?: readonly string[];
  /** for int/number/int-list: the value must be > 0 */
  positive?: boolean;
  /** for int/number/int-list: inclusive bounds */
  min?: number;
  max?: number;
  /** the valid values named in --help when `choices` cannot list them (e.g. the data set names) */
  values?: string;
  /** the value's name in --help, e.g. 'dir' (default: the choices, or the type) */
  placeholder?: string;
}

export type FlagValue = string | number | boolean | readonly string[] | readonly number[] | undefined;
export type FlagValues = Record<string, FlagValue>;

/** A wrong command line: the program exits with status 2 and this message. */
export class UsageError extends Error {}

/** Who parses: `name` prefixes every message ('relgrad train', 'bench'); `helpHint` is how to ask for help. */
export interface Program {
  name: string;
  helpHint: string;
}

/** A relgrad subcommand ('train') or a whole program. */
const programOf = (p: string | Program): Program => (typeof p === 'string' ? { name: `relgrad ${p}`, helpHint: `relgrad ${p} --help` } : p);

export interface ParsedFlags {
  flags: FlagValues;
  /** the flags that appeared on the command line (the rest hold their defaults) */
  given: Set<string>;
  help: boolean;
  version: boolean;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BUILTIN = ['help', 'version'];

/**
 * Parses argv against `spec`. parseArgs (non-strict, with tokens) splits the arguments, knowing
 * which flags take a value; the strict checks are done here rather than by its strict mode,
 * because that mode refuses a negative value given as its own argument (`--lr -1` is "ambiguous"
 * there, while a bound check should say "expects a positive number, got '-1'"), has no `--no-x`
 * in Node 20, and its messages do not name the program or say how to get help.
 */
export function parseFlags(p: string | Program, argv: readonly string[], spec: Record<string, FlagSpec>): ParsedFlags {
  const prog = programOf(p);
  const flags: FlagValues = {};
  const given = new Set<string>();
  for (const [name, s] of Object.entries(spec)) flags[name] = s.default;
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } };
  for (const [name, s] of Object.entries(spec)) options[name] = { type: s.type === 'boolean' ? 'boolean' : 'string' };
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  let help = false;
  let version = false;
  for (const token of tokens) {
    if (token.kind !== 'option') {
      const raw = token.kind === 'positional' ? token.value : '--';
      throw new UsageError(`${prog.name}: unexpected argument '${raw}' (flags start with --; see ${prog.helpHint})`);
    }
    let name = token.name;
    let inline = token.inlineValue === true ? token.value : undefined;
    if (BUILTIN.includes(name) && spec[name] === undefined) {
      if (token.value !== undefined) throw new UsageError(`${prog.name}: --${name} takes no value, got '${token.value}'`);
      if (name === 'help') help = true;
      else version = true;
      continue;
    }
    if (name.startsWith('no-') && spec[name] === undefined && spec[name.slice(3)]?.type === 'boolean' && inline === undefined) {
      name = name.slice(3);
      inline = 'false';
    }
    const s = spec[name];
    if (s === undefined) {
      const known = [...Object.keys(spec), ...BUILTIN];
      const guess = closest(token.name, known);
      const hint = guess === undefined ? '' : `did you mean --${guess}? `;
      throw new UsageError(`${prog.name}: unknown flag ${token.rawName} (${hint}see ${prog.helpHint})`);
    }
    if (given.has(name)) throw new UsageError(`${prog.name}: --${name} is given twice`);
    given.add(name);
    if (s.type === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`${prog.name}: --${name} takes no value other than true/false, got '${inline}'`);
      flags[name] = inline === undefined ? true : inline === 'true';
      continue;
    }
    const raw = token.value;
    if (raw === undefined || (token.inlineValue !== true && raw.startsWith('--'))) throw new UsageError(`${prog.name}: --${name} needs a value`);
    flags[name] = convert(prog.name, name, s, raw);
  }
  return { flags, given, help, version };
}

function convert(prog: string, name: string, s: FlagSpec, raw: string): string | number | string[] | number[] {
  if (s.type === 'string') {
    // an empty path would resolve to the current folder (--out ""): never what was meant
    if (raw.trim() === '') throw new UsageError(`${prog}: --${name} needs a non-empty value, got '${raw}'`);
    if (s.choices && !s.choices.includes(raw)) throw new UsageError(`${prog}: --${name} must be one of ${s.choices.join(', ')}; got '${raw}'`);
    return raw;
  }
  if (s.type === 'list' || s.type === 'int-list') {
    const items = raw.split(',').map((x) => x.trim());
    if (items.some((x) => x === '')) throw new UsageError(`${prog}: --${name} expects a comma-separated list, got '${raw}'`);
    if (s.type === 'int-list') return items.map((x) => number(prog, name, { ...s, type: 'int' }, x, raw));
    for (const x of items) {
      if (s.choices && !s.choices.includes(x)) throw new UsageError(`${prog}: --${name} takes any of ${s.choices.join(', ')}; got '${x}'`);
    }
    return items;
  }
  return number(prog, name, s, raw, raw);
}

/** A decimal number checked against the spec; `whole` is the flag's whole value (for the message). */
function number(prog: string, name: string, s: FlagSpec, raw: string, whole: string): number {
  // decimal notation only: Number() would also read '0x3', '0b11', ' 3 ' and '' (as 0)
  const v = DECIMAL.test(raw) ? Number(raw) : NaN;
  const intOk = s.type !== 'int' || Number.isInteger(v);
  const items = whole === raw ? '' : ' items';
  if (!Number.isFinite(v) || !intOk || (s.positive && v <= 0)) {
    const what = `${s.positive ? 'a positive ' : 'an '}${s.type === 'int' ? 'integer' : 'number'}`.replace('an number', 'a number');
    throw new UsageError(`${prog}: --${name} expects ${what}${items && ' in each item'}, got '${whole}'`);
  }
  if ((s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)) {
    throw new UsageError(`${prog}: --${name} must be from ${s.min ?? '-∞'} to ${s.max ?? '∞'}, got '${whole}'`);
  }
  return v;
}

/** Width of the help text; the flag column is at most FLAG_COLUMN wide, longer flags get a line of their own. */
const WIDTH = 100;
const FLAG_COLUMN = 34;

function placeholder(s: FlagSpec): string {
  if (s.type === 'boolean') return '';
  if (s.placeholder !== undefined) return ` <${s.placeholder}>`;
  if (s.choices && s.type === 'string') return ` <${s.choices.join('|')}>`;
  if (s.type === 'list') return ' <a,b,…>';
  if (s.type === 'int-list') return ' <n,n,…>';
  return ` <${s.type}>`;
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function defaultText(v: FlagSpec['default']): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

/**
 * The flag table of --help: flags in one column padded to one width, descriptions (with the
 * default, wrapped) starting at the same offset; a flag longer than the column (long <choices>)
 * stands on its own line with its description below it; `values` go on their own indented line.
 */
export function flagTable(spec: Record<string, FlagSpec>): string[] {
  const rows: [string, string[]][] = [];
  for (const [name, s] of Object.entries(spec)) {
    const negatable = s.type === 'boolean' && s.default === true;
    const flag = `  --${negatable ? '[no-]' : ''}${name}${placeholder(s)}`;
    // a switch that is off unless given needs no default shown
    const def = s.default === undefined || s.default === false ? '' : ` (default: ${defaultText(s.default)})`;
    const desc = [`${s.help}${def}`];
    if (s.values !== undefined) desc.push(s.values);
    else if (s.choices && s.type === 'list') desc.push(`any of: ${s.choices.join(', ')}`);
    rows.push([flag, desc]);
  }
  rows.push(['  --help, -h', ['show this help']], ['  --version', ['print the relgrad version']]);
  const fitting = rows.map(([f]) => f.length + 2).filter((w) => w <= FLAG_COLUMN);
  const column = Math.max(...fitting, 16);
  const indent = ' '.repeat(column);
  const lines: string[] = [];
  for (const [flag, desc] of rows) {
    const text = desc.flatMap((d) => wrap(d, WIDTH - column));
    if (flag.length + 2 <= column) lines.push(flag.padEnd(column) + (text.shift() ?? ''));
    else lines.push(flag);
    for (const t of text) lines.push(indent + t);
  }
  return lines;
}

/** The whole --help text of a command or runner. */
function usage(p: string | Program, summary: string, spec: Record<string, FlagSpec>, usageLine?: string): string {
  const prog = programOf(p);
  return [`usage: ${usageLine ?? `${prog.name} [flags]`}`, '', ...wrap(summary, WIDTH), '', 'flags:', ...flagTable(spec)].join('\n');
}

/**
 * parseFlags, then the built-in flags: --help prints the usage and --version the package version
 * (both on stdout); returns undefined when one of them was answered and the command should stop.
 */
export function parseOrAnswer(p: string | Program, argv: readonly string[], spec: Record<string, FlagSpec>, summary: string, usageLine?: string): ParsedFlags | undefined {
  const parsed = parseFlags(p, argv, spec);
  if (parsed.help) console.log(usage(p, summary, spec, usageLine));
  else if (parsed.version) console.log(packageVersion());
  else return parsed;
  return undefined;
}

/**
 * For a script that parses at its top level: as parseOrAnswer, but it ends the process itself,
 * with status 0 after --help/--version and status 2 with the message after a usage error.
 */
export function parseOrExit(p: Program, argv: readonly string[], spec: Record<string, FlagSpec>, summary: string, usageLine?: string): ParsedFlags {
  try {
    const parsed = parseOrAnswer(p, argv, spec, summary, usageLine);
    if (parsed !== undefined) return parsed;
    process.exit(0);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}
