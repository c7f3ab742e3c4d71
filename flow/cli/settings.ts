// The settings of a training run from its flags: a flag given on the command line wins; when
// resuming, a flag left out takes the checkpoint's value; otherwise its default. Shared by
// `relgrad train` and `relgrad experiment`, with the model config and training options they imply
// and the refusal of flags the chosen model would ignore.

import type { Checkpoint } from '../checkpoint.js';
import type { FlowConfig, ResolvedFlowConfig } from '../config.js';
import { ACTIVATIONS } from '../activations.js';
import { BASES } from '../bases.js';
import { deepStack } from '../layers/specs.js';
import { GRADIENT_METHODS } from '../model.js';
import { recordedCount } from '../run/prepare.js';
import { runRecordOf, type RunRecord } from '../run-record.js';
import { SCHEDULES, scheduleKey, type ScheduleOptions } from '../epoch-schedule.js';
import { UsageError, type FlagValues } from './args.js';
import { num } from './common.js';
import { recordedDataName } from './data-identity.js';
import { assertSplineRange } from './spline-range.js';

/**
 * The settings of a run: a flag given on the command line wins; when resuming, a flag left out
 * takes the checkpoint's value (so `--resume ck.json` alone continues that run); otherwise its
 * default. train() then refuses a checkpoint that disagrees with the result, naming the field.
 */
export function runSettings(flags: FlagValues, given: Set<string>, ck: Checkpoint | undefined) {
  const rec: RunRecord | undefined = ck && runRecordOf(ck);
  const c = ck?.config;
  const pick = <T>(flag: string, recorded: T | null | undefined): T =>
    given.has(flag) || recorded === undefined || recorded === null ? (flags[flag] as T) : recorded;
  const limit = given.has('limit') || ck === undefined ? (flags.limit as number | undefined) : (rec?.dataset?.limit ?? undefined);
  return {
    dataset: pick<string>('dataset', recordedDataName(rec?.dataset ?? null)),
    seed: pick<number>('seed', rec?.dataset?.splitSeed ?? c?.seed),
    limit,
    layers: pick<number>('layers', c?.layers),
    activation: pick<(typeof ACTIVATIONS)[number]>('activation', c?.activation),
    alpha: pick<number>('alpha', c?.alpha),
    base: pick<(typeof BASES)[number]>('base', c?.base),
    bias: pick<boolean>('bias', c?.bias),
    dtype: pick<'float64' | 'float32' | undefined>('dtype', c?.dtype),
    header: pick<'auto' | 'yes' | 'no'>('header', rec?.dataset?.header as 'auto' | 'yes' | 'no' | null | undefined),
    standardize: pick<boolean>('standardize', rec?.dataset ? (rec.dataset.standardize ?? null) !== null : undefined),
    batchSize: pick<number>('batch-size', rec?.optimizer?.batchSize),
    lr: pick<number>('lr', rec?.optimizer?.lr),
    optimizer: pick<'adam' | 'sgd'>('optimizer', rec?.optimizer?.name as 'adam' | 'sgd' | undefined),
    method: pick<(typeof GRADIENT_METHODS)[number]>('method', rec?.optimizer?.method as (typeof GRADIENT_METHODS)[number] | undefined),
    model: pick<'deep' | 'paper'>('model', c === undefined ? undefined : c.stack === undefined ? 'paper' : 'deep'),
    stack: modelStack(flags, given, c),
    // a checkpoint from before schedules ran at a constant rate
    schedule: scheduleOf(pick<string>('schedule', rec?.optimizer ? scheduleName(rec.optimizer.schedule ?? 'constant') : null)),
    clipNorm: pick<number | undefined>('clip-norm', rec?.optimizer?.clipNorm ?? undefined),
    weightDecay: pick<number>('weight-decay', rec?.optimizer?.weightDecay),
    // the run's length and early stopping: a resumed run ends where the recorded one would have
    epochs: pick<number>('epochs', recordedCount(ck?.training?.options.epochs)),
    patience: pick<number>('patience', recordedCount(ck?.training?.options.patience)),
  };
}


/** The deep model's stack from --depth/--bins/--bound, or a resumed checkpoint's own stack when none is given. */
function modelStack(flags: FlagValues, given: Set<string>, c: ResolvedFlowConfig | undefined): FlowConfig['stack'] {
  const fromFlags = ['model', 'depth', 'bins', 'bound'].some((f) => given.has(f)) || c === undefined;
  if (!fromFlags) return c.stack;
  if (flags.model === 'paper') return undefined;
  return deepStack({ depth: Number(flags.depth), bins: Number(flags.bins), bound: Number(flags.bound) });
}

/** --schedule NAME as train's schedule options (the defaults of each kind; docs/method.md, "Descent"). */
function scheduleOf(name: string): ScheduleOptions {
  switch (name) {
    case 'cosine':
      return { kind: 'cosine' };
    case 'step':
      return { kind: 'step', every: 10, gamma: 0.5 };
    case 'plateau':
      return { kind: 'plateau', factor: 0.5, patience: 2 };
    default:
      return { kind: 'constant' };
  }
}

/** The --schedule name a checkpoint's recorded schedule came from (null: not recorded). */
function scheduleName(recorded: string | null | undefined): string | null {
  if (recorded === undefined || recorded === null) return null;
  return SCHEDULES.find((name) => scheduleKey(scheduleOf(name)) === recorded) ?? null;
}
/** A run's settings (runSettings). */
export type RunSettings = ReturnType<typeof runSettings>;

/** The flow config the settings describe, for data of `dim` columns. */
export function flowConfigOf(st: RunSettings, dim: number): FlowConfig {
  if (st.stack !== undefined) return { dim, stack: st.stack, base: st.base, seed: st.seed, dtype: st.dtype };
  return { dim, layers: st.layers, activation: st.activation, alpha: st.alpha, base: st.base, bias: st.bias, seed: st.seed, dtype: st.dtype };
}

/** Training options that come from the run settings (schedule, clipping, weight decay). */
export function trainExtras(st: RunSettings): { schedule: ScheduleOptions; clipNorm?: number; weightDecay: number } {
  return { schedule: st.schedule, ...(st.clipNorm === undefined ? {} : { clipNorm: st.clipNorm }), weightDecay: st.weightDecay };
}

/** Refuses flags that the chosen settings would ignore, and a spline range the splines cannot use. */
export function refuseIgnored(command: string, given: Set<string>, st: RunSettings, flags: FlagValues): void {
  if (st.stack !== undefined && (given.has('bound') || given.has('bins'))) assertSplineRange(command, num(flags, 'bins'), num(flags, 'bound'));
  if (given.has('alpha') && st.activation !== 'smooth-leaky-relu') {
    throw new UsageError(`relgrad ${command}: --alpha applies to smooth-leaky-relu only; the activation is ${st.activation}`);
  }
  const deep = st.stack !== undefined;
  for (const flag of deep ? ['layers', 'activation', 'alpha', 'bias'] : ['depth', 'bins', 'bound']) {
    if (given.has(flag)) {
      throw new UsageError(`relgrad ${command}: --${flag} applies to the ${deep ? 'paper' : 'deep'} model; this run uses the ${deep ? 'deep' : 'paper'} model${deep ? ' (--model paper for the paper\'s; --depth sets the deep model\'s dense layers)' : ' (--model deep)'}`);
    }
  }
}


/** What to do about data far from the origin (fit-checks.ts assertCentredEnough). */
export const CENTRE_ADVICE = 'subtract each column\'s mean from the data (a shift leaves every log-likelihood unchanged)';
