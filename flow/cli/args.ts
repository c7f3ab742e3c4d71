// A strict command-line flag parser: every flag is declared with its type; unknown flags, missing
// values and bad values are errors that say which flag and what was expected.

export type FlagType = 'string' | 'int' | 'number' | 'boolean';

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  /** for int/number: the value must be > 0 */
  positive?: boolean;
  /** for int/number: inclusive bounds */
  min?: number;
  max?: number;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;

export class UsageError extends Error {}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `given`: the flags that appeared on the command line (the rest hold their defaults). */
export function parseFlags(command: string, argv: readonly string[], spec: Record<string, FlagSpec>): { flags: FlagValues; given: Set<string>; help: boolean } {
  const flags: FlagValues = {};
  const given = new Set<string>();
  for (const [name, s] of Object.entries(spec)) flags[name] = s.default;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`relgrad ${command}: unexpected argument '${arg}' (flags start with --; see relgrad ${command} --help)`);
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (name.startsWith('no-') && spec[name.slice(3)]?.type === 'boolean' && inline === undefined) {
      name = name.slice(3);
      inline = 'false';
    }
    const s = spec[name];
    if (s === undefined) throw new UsageError(`relgrad ${command}: unknown flag --${name} (see relgrad ${command} --help)`);
    if (given.has(name)) throw new UsageError(`relgrad ${command}: --${name} is given twice`);
    given.add(name);
    if (s.type === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`relgrad ${command}: --${name} takes no value other than true/false, got '${inline}'`);
      flags[name] = inline === undefined ? true : inline === 'true';
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || (inline === undefined && raw.startsWith('--'))) throw new UsageError(`relgrad ${command}: --${name} needs a value`);
    flags[name] = convert(command, name, s, raw);
  }
  return { flags, given, help };
}

function convert(command: string, name: string, s: FlagSpec, raw: string): string | number {
  if (s.type === 'string') {
    if (s.choices && !s.choices.includes(raw)) throw new UsageError(`relgrad ${command}: --${name} must be one of ${s.choices.join(', ')}; got '${raw}'`);
    return raw;
  }
  // decimal notation only: Number() would also read '0x3', '0b11', ' 3 ' and '' (as 0)
  const v = DECIMAL.test(raw) ? Number(raw) : NaN;
  const intOk = s.type !== 'int' || Number.isInteger(v);
  if (!Number.isFinite(v) || !intOk || (s.positive && v <= 0)) {
    const what = `${s.positive ? 'a positive ' : 'an '}${s.type === 'int' ? 'integer' : 'number'}`.replace('an number', 'a number');
    throw new UsageError(`relgrad ${command}: --${name} expects ${what}, got '${raw}'`);
  }
  if ((s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)) {
    throw new UsageError(`relgrad ${command}: --${name} must be from ${s.min ?? '-∞'} to ${s.max ?? '∞'}, got '${raw}'`);
  }
  return v;
}

export function usage(command: string, summary: string, spec: Record<string, FlagSpec>): string {
  const lines = [`usage: relgrad ${command} [flags]`, '', summary, '', 'flags:'];
  for (const [name, s] of Object.entries(spec)) {
    const value = s.type === 'boolean' ? '' : s.choices ? ` <${s.choices.join('|')}>` : ` <${s.type}>`;
    const def = s.default === undefined ? '' : ` (default: ${String(s.default)})`;
    lines.push(`  --${name}${value}`.padEnd(34) + `${s.help}${def}`);
  }
  lines.push(`  --help`.padEnd(34) + 'show this help');
  return lines.join('\n');
}
