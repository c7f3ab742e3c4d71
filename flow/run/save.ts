// The model file a finished run leaves: the flow with the run's record and results in its meta.
// A run trained on standardised rows saves its standardisation as a leading affine layer
// (flow/standardized.ts), so Flow.load, export and the NumPy reader give densities in the data's
// units; meta.standardizationInModel says so (eval and sample then leave the rows as they are).

import type { Flow } from '../model.js';
import type { RunRecord } from '../run-record.js';
import { withStandardization } from '../standardized.js';

/** What saveRunModel writes beside the parameters. */
export interface RunModelOptions {
  precision: 'float64' | 'float32';
  /** what the run recorded (flow/run/prepare.ts) */
  run: RunRecord;
  /** the per-column mean and std the rows were standardised with (null: none) */
  scaling?: { mean: number[]; std: number[] } | null;
  /** the caller's fields (data set, seed, test score, result…) */
  meta: Record<string, unknown>;
}

/** Saves a run's model to `path` (atomic, flow.save) with `meta`, the run record and, when given, its standardisation. */
export async function saveRunModel(path: string, flow: Flow, o: RunModelOptions): Promise<void> {
  const scaling = o.scaling ?? null;
  const saved = scaling === null ? flow : withStandardization(flow, scaling);
  const standardized = o.scaling === undefined ? {} : { standardizationInModel: scaling !== null };
  await saved.save(path, { precision: o.precision, meta: { ...o.meta, run: o.run, ...standardized } });
}
