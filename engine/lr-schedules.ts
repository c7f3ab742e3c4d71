// Learning-rate schedules for any optimizer: each is a small state machine whose `next(metric?)`
// advances one step (an epoch or a batch, as the caller decides) and returns the new rate, to be
// assigned to `optimizer.lr`. State is plain numbers, saved and loaded like an optimizer's.
//   cosine:  lr_t = min + (lr − min)·(1 + cos(π·t/T))/2 for t ≤ T, then min (Loshchilov & Hutter 2017)
//   step:    lr_t = lr·γ^⌊t/every⌋
//   plateau: multiply by `factor` after `patience` steps without an improvement of the monitored
//            value by more than `threshold` (relative), as PyTorch's ReduceLROnPlateau in 'min' mode

/** A learning-rate schedule's saved state: plain numbers, JSON round-trips it exactly. */
export interface ScheduleState {
  kind: 'cosine' | 'step' | 'plateau';
  /** Steps taken. */
  t: number;
  lr: number;
  /** plateau: the best value seen and the steps since it. */
  best?: number;
  bad?: number;
}

/**
 * A learning-rate schedule: `next(metric?)` advances one step (an epoch or a batch) and returns
 * the rate to assign to `optimizer.lr`.
 */
export interface Schedule {
  /** The current learning rate. */
  readonly lr: number;
  /** Advances one step and returns the new rate; `plateau` needs the monitored value (lower is better). */
  next(metric?: number): number;
  state(): ScheduleState;
  load(state: ScheduleState): void;
}

function positive(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${op}: ${name} must be a positive number, got ${String(v)}`);
}

function checkLoad(op: string, state: ScheduleState, kind: ScheduleState['kind']): void {
  if (state.kind !== kind) throw new Error(`${op}.load: the state is a ${String(state.kind)} schedule's, not ${kind}'s`);
  if (!Number.isInteger(state.t) || state.t < 0) throw new Error(`${op}.load: t must be a non-negative integer, got ${String(state.t)}`);
}

/** A schedule whose rate is a function of the step count alone (cosine, step). */
function byStep(kind: 'cosine' | 'step', at: (t: number) => number): Schedule {
  let t = 0;
  return {
    get lr() { return at(t); },
    next: () => at(++t),
    state: () => ({ kind, t, lr: at(t) }),
    load(state) {
      checkLoad(kind, state, kind);
      t = state.t;
    },
  };
}

/** Cosine annealing from `lr` to `minLr` (default 0) over `steps` steps. */
export function cosine(options: { lr: number; steps: number; minLr?: number }): Schedule {
  const { lr: base, steps } = options;
  const min = options.minLr ?? 0;
  positive('cosine', 'lr', base);
  if (!Number.isInteger(steps) || steps <= 0) throw new Error(`cosine: steps must be a positive integer, got ${String(steps)}`);
  if (!(min >= 0 && min <= base)) throw new Error(`cosine: minLr must be in [0, lr], got ${String(min)}`);
  return byStep('cosine', (k) => (k >= steps ? min : min + ((base - min) * (1 + Math.cos((Math.PI * k) / steps))) / 2));
}

/** Step decay: `lr` multiplied by `gamma` (default 0.1) every `every` steps. */
export function step(options: { lr: number; every: number; gamma?: number }): Schedule {
  const { lr: base, every } = options;
  const gamma = options.gamma ?? 0.1;
  positive('step', 'lr', base);
  positive('step', 'gamma', gamma);
  if (!Number.isInteger(every) || every <= 0) throw new Error(`step: every must be a positive integer, got ${String(every)}`);
  return byStep('step', (k) => base * Math.pow(gamma, Math.floor(k / every)));
}

/**
 * Reduce on plateau: after more than `patience` (default 10) steps whose value did not beat the
 * best by a relative `threshold` (default 1e-4), multiply the rate by `factor` (default 0.1), never
 * below `minLr` (default 0), and start counting again.
 */
export function plateau(options: { lr: number; factor?: number; patience?: number; threshold?: number; minLr?: number }): Schedule {
  const factor = options.factor ?? 0.1;
  const patience = options.patience ?? 10;
  const threshold = options.threshold ?? 1e-4;
  const minLr = options.minLr ?? 0;
  positive('plateau', 'lr', options.lr);
  if (!(factor > 0 && factor < 1)) throw new Error(`plateau: factor must be in (0, 1), got ${String(factor)}`);
  if (!Number.isInteger(patience) || patience < 0) throw new Error(`plateau: patience must be a non-negative integer, got ${String(patience)}`);
  let lr = options.lr;
  let t = 0;
  let best = Infinity;
  let bad = 0;
  return {
    get lr() { return lr; },
    next(metric) {
      if (typeof metric !== 'number' || Number.isNaN(metric)) {
        throw new Error(`plateau.next: needs the monitored value (e.g. the validation loss), got ${String(metric)}`);
      }
      t++;
      const improved = best === Infinity ? metric < best : metric < best - Math.abs(best) * threshold;
      if (improved) {
        best = metric;
        bad = 0;
      } else if (++bad > patience) {
        lr = Math.max(lr * factor, minLr);
        bad = 0;
      }
      return lr;
    },
    state: () => ({ kind: 'plateau', t, lr, best: Number.isFinite(best) ? best : undefined, bad }),
    load(state) {
      checkLoad('plateau', state, 'plateau');
      positive('plateau.load', 'lr', state.lr);
      t = state.t;
      lr = state.lr;
      best = state.best ?? Infinity;
      bad = state.bad ?? 0;
    },
  };
}
