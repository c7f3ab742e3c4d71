// `relgrad sample`: draws samples from a saved flow (inverse layer by layer, Newton where needed)
// into a PNG (2-D scatter or an MNIST grid), a CSV or a float64 .npy; prints the file and the
// worst Newton residual as JSON.

import { resolve } from 'node:path';
import { MAX_SEED } from '../../../engine/seed.js';
import { loadCheckpoint } from '../../checkpoint.js';
import type { HostMatrix } from '../../data/dataset.js';
import { unstandardizeInPlace } from '../../data/fit-checks.js';
import { Flow } from '../../model.js';
import { runRecordOf } from '../../run-record.js';
import { parseOrAnswer, UsageError, type FlagSpec } from '../args.js';
import { COMMON_FLAGS, JSON_ALWAYS_FLAG, notice, num, str, useBackend } from '../common.js';
import { CONTEXT_FLAG, sampleConditional } from '../conditional.js';
import { interruptible } from '../interrupt.js';
import { assertSamplesPictureFits, writeSamplesPicture } from '../pictures.js';
import { writeSampleFile } from '../sample-file.js';

const SAMPLE_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file (required)', placeholder: 'file' },
  n: { type: 'int', help: 'number of samples', default: 1000, positive: true },
  seed: { type: 'int', help: 'sampling seed', default: 0, min: 0, max: MAX_SEED },
  out: { type: 'string', help: 'output file: .png (2-D scatter or MNIST grid), .csv or .npy (float64)', default: 'samples.png', placeholder: 'file' },
  context: CONTEXT_FLAG,
  json: JSON_ALWAYS_FLAG,
  backend: COMMON_FLAGS.backend,
};

function hostOf(flow: Flow, t: { dataSync(): Float64Array | Float32Array; shape: readonly number[] }): HostMatrix<Float64Array> {
  return { data: Float64Array.from(t.dataSync()), rows: t.shape[0], cols: flow.dim };
}

/** `relgrad sample [flags]`. */
export async function commandSample(argv: string[]): Promise<void> {
  const parsed = parseOrAnswer('sample', argv, SAMPLE_FLAGS, 'Draws samples from a saved flow (Newton-inverted activations) and writes a PNG, CSV or NumPy .npy file; prints JSON with the file and the worst Newton residual.');
  if (parsed === undefined) return;
  const { flags, given } = parsed;
  const path = str(flags, 'checkpoint');
  if (path === undefined) throw new UsageError('relgrad sample: --checkpoint is required');
  const out = String(flags.out);
  if (!/\.(png|csv|npy)$/i.test(out)) throw new UsageError(`relgrad sample: --out must end in .png, .csv or .npy, got '${out}'`);
  await useBackend(flags);
  const ck = await loadCheckpoint(path);
  const flow = Flow.fromCheckpoint(ck);
  if (flow.contextDim > 0 || flags.context !== undefined) {
    const r = sampleConditional(flow, flags, given);
    console.log(JSON.stringify({ samples: r.samples, out: r.out, maxNewtonResidual: r.maxResidual }));
    return;
  }
  // a standardised run's samples go back to the data's units (model.json does so itself)
  const scaling = ck.meta?.standardizationInModel === true ? null : runRecordOf(ck).dataset?.standardize ?? null;
  const n = num(flags, 'n');
  const seed = num(flags, 'seed');
  if (/\.png$/i.test(out)) {
    assertSamplesPictureFits(n, flow.dim);
    const { x, maxResidual } = flow.sample(n, { seed });
    const host = hostOf(flow, x);
    if (scaling !== null) unstandardizeInPlace(host, scaling);
    await writeSamplesPicture(out, flow.dim, host, undefined, flow);
    console.log(JSON.stringify({ samples: host.rows, out: resolve(out), maxNewtonResidual: maxResidual }));
    return;
  }
  const maxResidual = await interruptible((abort) => writeSampleFile({ flow, n, seed, out, scaling, abort, notice }));
  console.log(JSON.stringify({ samples: n, out: resolve(out), maxNewtonResidual: maxResidual }));
}
