// Learning-rate schedules for `train`, stepped once per epoch (engine/lr-schedules.ts does the math):
//   constant; cosine from lr to minLr over the run's epochs; step (×gamma every `every` epochs);
//   plateau (×factor after `patience` epochs without a better validation loss).
// The state is plain numbers kept in every checkpoint, so a resumed run continues bit for bit.

import { cosine, plateau, step, type Schedule, type ScheduleState } from '../engine/lr-schedules.js';

/**
 * The learning-rate schedule of `train`, stepped once per epoch: constant, cosine to `minLr`,
 * step (× gamma every `every` epochs) or plateau (× factor after `patience` epochs without a better loss).
 */
export type ScheduleOptions =
  | { kind: 'constant' }
  | { kind: 'cosine'; minLr?: number }
  | { kind: 'step'; every: number; gamma?: number }
  | { kind: 'plateau'; factor?: number; patience?: number; minLr?: number };

/** The names of the schedules `train` accepts (`ScheduleOptions['kind']`). */
export const SCHEDULES = ['constant', 'cosine', 'step', 'plateau'] as const;

export interface EpochSchedule {
  readonly lr: number;
  /** advance one epoch; `metric` is the epoch's watched loss (validation, else training) */
  next(metric: number): void;
  state(): ScheduleState | undefined;
  load(state: ScheduleState): void;
}

/** A stable description of the schedule, recorded in checkpoints and compared on resume. */
export function scheduleKey(options: ScheduleOptions | undefined): string {
  if (options === undefined || options.kind === 'constant') return 'constant';
  const sorted = Object.fromEntries(Object.entries(options).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify(sorted);
}

export function makeSchedule(options: ScheduleOptions, lr: number, epochs: number): EpochSchedule {
  const kind = (options as { kind?: unknown }).kind;
  let inner: Schedule | null;
  switch (kind) {
    case 'constant':
      inner = null;
      break;
    case 'cosine':
      inner = cosine({ lr, steps: epochs, minLr: (options as { minLr?: number }).minLr ?? lr / 100 });
      break;
    case 'step': {
      const o = options as { every: number; gamma?: number };
      inner = step({ lr, every: o.every, gamma: o.gamma ?? 0.5 });
      break;
    }
    case 'plateau': {
      const o = options as { factor?: number; patience?: number; minLr?: number };
      inner = plateau({ lr, factor: o.factor ?? 0.5, patience: o.patience ?? 2, minLr: o.minLr ?? 0, threshold: 0 });
      break;
    }
    default:
      throw new Error(`train: unknown learning-rate schedule ${JSON.stringify(kind)}; expected one of ${SCHEDULES.join(', ')}`);
  }
  if (inner === null) return { lr, next: () => undefined, state: () => undefined, load: () => undefined };
  const s = inner;
  return {
    get lr() {
      return s.lr;
    },
    next: (metric) => void s.next(metric),
    state: () => s.state(),
    load(state) {
      if (state.kind !== kind) throw new Error(`train: the checkpoint holds a ${state.kind} schedule's state, the run asks for ${String(kind)}`);
      s.load(state);
    },
  };
}
