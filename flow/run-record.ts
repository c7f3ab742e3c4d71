// What a checkpoint records about the run that made it (data set, split seed, sizes, model config,
// dtype, optimiser settings) and the comparison that refuses a resume disagreeing on any of them,
// naming the field and both values. Files written before these records existed lack some fields:
// those read as unknown and are accepted with a notice, never refused. Browser-safe (no node:*).

import type { ResolvedFlowConfig } from './config.js';

/** The data a run was trained on. `null` fields were not recorded (an older file). */
export interface DatasetRecord {
  /** a built-in name or the file path as given */
  name: string | null;
  /** seed of the train/validation/test split (and of a toy set's draws) */
  splitSeed: number | null;
  /** --limit of the run (null: none) */
  limit: number | null;
  rows: { train: number | null; validation: number | null; test: number | null };
  cols: number | null;
  /** per-column mean and std the data was standardised with (null: not standardised) */
  standardize?: { mean: number[]; std: number[] } | null;
  /** --header of a CSV data set ('auto' | 'yes' | 'no'; null: not recorded) */
  header?: string | null;
  /** a data file's absolute path, links resolved (null or absent: a built-in set, or an older file) */
  path?: string | null;
  /** SHA-256 of a data file's bytes (null or absent: a built-in set, or an older file) */
  sha256?: string | null;
}

/** The optimiser settings that decide the sequence of updates. */
export interface OptimizerRecord {
  name: string;
  lr: number;
  batchSize: number;
  method: string;
  /** seed of the batch order */
  seed: number;
  /** the learning-rate schedule as JSON ('constant' when none); absent in older files */
  schedule?: string | null;
  /** global gradient-norm clip (null: none); absent in older files */
  clipNorm?: number | null;
  /** Adam/SGD weight decay; absent in older files */
  weightDecay?: number | null;
}

export interface RunRecord {
  dataset: DatasetRecord | null;
  optimizer: OptimizerRecord | null;
}

/** A checkpoint as far as this module reads it. */
export interface RecordedCheckpoint {
  config: ResolvedFlowConfig;
  training?: { options: Record<string, unknown> };
  meta?: Record<string, unknown>;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The run record of a checkpoint: `meta.run` when written by this version; otherwise what older
 * files hold (the CLI's `meta.dataset/seed/limit`, the training options), the rest unknown.
 */
export function runRecordOf(ck: RecordedCheckpoint): RunRecord {
  const meta = ck.meta ?? {};
  const run = meta.run as { dataset?: Partial<DatasetRecord>; optimizer?: Partial<OptimizerRecord> } | undefined;
  const d = run?.dataset;
  const rows = (d?.rows ?? {}) as Partial<DatasetRecord['rows']>;
  const dataset: DatasetRecord | null =
    d !== undefined
      ? {
          name: str(d.name),
          splitSeed: num(d.splitSeed),
          limit: num(d.limit),
          rows: { train: num(rows.train), validation: num(rows.validation), test: num(rows.test) },
          cols: num(d.cols),
          standardize: readStandardization(d.standardize),
          header: str(d.header),
          path: str(d.path),
          sha256: str(d.sha256),
        }
      : str(meta.dataset) !== null
        ? {
            name: str(meta.dataset),
            splitSeed: num(meta.seed),
            limit: num(meta.limit),
            rows: { train: null, validation: null, test: null },
            cols: ck.config.dim,
          }
        : null;
  // this version writes run.optimizer; older training checkpoints hold the same in training.options
  const o = run?.optimizer;
  const legacy = ck.training?.options;
  const optimizer: OptimizerRecord | null =
    o !== undefined && str(o.name) !== null
      ? {
          name: String(o.name),
          lr: Number(o.lr),
          batchSize: Number(o.batchSize),
          method: String(o.method),
          seed: Number(o.seed),
          ...(o.schedule === undefined ? {} : { schedule: str(o.schedule) }),
          ...(o.clipNorm === undefined ? {} : { clipNorm: num(o.clipNorm) }),
          ...(o.weightDecay === undefined ? {} : { weightDecay: num(o.weightDecay) }),
        }
      : legacy !== undefined && str(legacy.optimizer) !== null
        ? { name: String(legacy.optimizer), lr: Number(legacy.lr), batchSize: Number(legacy.batchSize), method: String(legacy.method), seed: Number(legacy.seed) }
        : null;
  return { dataset, optimizer };
}

/** What a resumed run asks for; absent parts are not compared. */
export interface ResumeRequest {
  config?: ResolvedFlowConfig;
  dataset?: Partial<DatasetRecord>;
  optimizer?: OptimizerRecord;
}

export interface ResumeCheck {
  /** "field: the checkpoint has A, this run has B" */
  mismatches: string[];
  /** fields the checkpoint does not record (an older file) */
  unknown: string[];
}

function readStandardization(v: unknown): { mean: number[]; std: number[] } | null {
  const s = v as { mean?: unknown; std?: unknown } | null | undefined;
  if (!s || !Array.isArray(s.mean) || !Array.isArray(s.std)) return null;
  return { mean: s.mean.map(Number), std: s.std.map(Number) };
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));

/** Compares a checkpoint's record with a resumed run's settings, field by field. */
function checkResume(ck: RecordedCheckpoint, want: ResumeRequest): ResumeCheck {
  const mismatches: string[] = [];
  const unknown: string[] = [];
  const compare = (field: string, recorded: unknown, requested: unknown): void => {
    if (requested === undefined || requested === null) return;
    if (recorded === undefined || recorded === null) {
      unknown.push(field);
      return;
    }
    if (recorded !== requested) mismatches.push(`${field}: the checkpoint has ${show(recorded)}, this run has ${show(requested)}`);
  };
  if (want.config !== undefined) {
    const c = ck.config;
    const w = want.config;
    const fields: (keyof ResolvedFlowConfig)[] = ['dim', 'layers', 'activation', 'base', 'bias', 'init', 'dtype', 'seed'];
    if (w.activation === 'smooth-leaky-relu') fields.push('alpha');
    if (w.activation === 'leaky-tanh') fields.push('beta', 'gamma');
    for (const f of fields) compare(f === 'seed' ? 'model seed' : f, c[f], w[f]);
    const stack = (cfg: ResolvedFlowConfig): string => (cfg.stack === undefined ? 'the paper\'s model' : JSON.stringify(cfg.stack));
    if (stack(c) !== stack(w)) mismatches.push(`layer stack: the checkpoint has ${stack(c)}, this run has ${stack(w)}`);
  }
  const run = runRecordOf(ck);
  if (want.dataset !== undefined) {
    const d = run.dataset;
    const w = want.dataset;
    if (d === null) {
      unknown.push('data set');
    } else {
      // a data file with the recorded hash is the same data, whatever name reaches it
      if (d.sha256 == null || w.sha256 == null || d.sha256 !== w.sha256) compare('data set', d.name, w.name);
      compare('split seed', d.splitSeed, w.splitSeed);
      if (w.limit !== undefined && (d.limit !== null || w.limit !== null)) {
        if ((d.limit ?? null) !== (w.limit ?? null)) mismatches.push(`limit: the checkpoint has ${d.limit ?? 'none'}, this run has ${w.limit ?? 'none'}`);
      }
      compare('training rows', d.rows.train, w.rows?.train);
      compare('validation rows', d.rows.validation, w.rows?.validation);
      compare('test rows', d.rows.test, w.rows?.test);
      compare('columns', d.cols, w.cols);
      if (w.standardize !== undefined) compare('standardize', (d.standardize ?? null) !== null, w.standardize !== null);
      // the same file name with other contents is another data set; an older record has no hash
      compare('data file content (sha256)', d.sha256 ?? null, w.sha256);
    }
  }
  if (want.optimizer !== undefined) {
    const o = run.optimizer;
    const w = want.optimizer;
    if (o === null) {
      unknown.push('optimizer');
    } else {
      compare('optimizer', o.name, w.name);
      compare('learning rate', o.lr, w.lr);
      compare('batch size', o.batchSize, w.batchSize);
      compare('method', o.method, w.method);
      compare('batch-order seed', o.seed, w.seed);
      // fields newer than the record: a file without them is read as the defaults they stood for
      compare('learning-rate schedule', o.schedule ?? 'constant', w.schedule);
      compare('gradient clipping', o.clipNorm === undefined ? 'none' : (o.clipNorm ?? 'none'), w.clipNorm === undefined ? undefined : (w.clipNorm ?? 'none'));
      compare('weight decay', o.weightDecay ?? 0, w.weightDecay);
    }
  }
  return { mismatches, unknown };
}

/** Throws when a resume disagrees with its checkpoint; reports unrecorded fields through `notice`. */
export function assertResumable(where: string, ck: RecordedCheckpoint, want: ResumeRequest, notice: (message: string) => void): void {
  const { mismatches, unknown } = checkResume(ck, want);
  if (mismatches.length > 0) {
    throw new Error(`${where}: cannot resume: the settings differ from the checkpoint's: ${mismatches.join('; ')}`);
  }
  if (unknown.length > 0) {
    notice(`${where}: the checkpoint does not record ${unknown.join(', ')} (an older file): read as unknown and accepted`);
  }
}
