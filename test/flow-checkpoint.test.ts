// Checkpoints: atomic, checksummed, refused when truncated, tampered or inconsistent; resuming
// gives the same parameters as an uninterrupted run; divergence stops cleanly and keeps the last
// good checkpoint.
import { createHash } from 'node:crypto';
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Flow } from '../flow/index.js';
import { train } from '../flow/train.js';
import { loadCheckpoint, removeStaleTemps, saveCheckpoint } from '../flow/checkpoint.js';
import { encodeCheckpointText } from '../flow/checkpoint-web.js';
import { toySplits } from '../flow/data/toy.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-ckpt-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const data = toySplits('moons', { seed: 2, train: 600, validation: 200, test: 200 });

t.test('save/load round trip; the write leaves no temp file', async (t) => {
  const flow = Flow.create({ dim: 2, layers: 3, seed: 5 });
  const path = join(dir, 'a.json');
  await flow.save(path);
  t.same(readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temp files left');
  const back = await Flow.load(path);
  t.same(back.paramsToHost(), flow.paramsToHost());
  await flow.save(join(dir, 'a32.json'), { precision: 'float32' });
  const small = await Flow.load(join(dir, 'a32.json'));
  const w = small.paramsToHost().layers[0][0]; // the first dense layer's W
  t.ok(Math.abs(w[0] - flow.paramsToHost().layers[0][0][0]) < 1e-6, 'float32 checkpoint close to float64');
});

t.test("the browser's writer and saveCheckpoint write the same file: one module owns the format", async (t) => {
  const flow = Flow.create({ stack: [{ type: 'dense' }, { type: 'activation' }, { type: 'spline', bins: 4 }, { type: 'dense' }], dim: 3, seed: 9 });
  const meta = { note: 'both writers', n: 2 };
  const path = join(dir, 'node-writer.json');
  await saveCheckpoint(path, { config: flow.config, params: flow.paramsToHost(), meta });
  const web = await encodeCheckpointText(flow.config, flow.paramsToHost(), meta);
  t.equal(web, readFileSync(path, 'utf8'), 'byte for byte');
  // the header as the format documents it, checked against node:crypto here
  const [header, payload] = [web.slice(0, web.indexOf('\n')), web.slice(web.indexOf('\n') + 1)];
  t.same(JSON.parse(header), { format: 'relgrad-checkpoint', version: 2, bytes: Buffer.byteLength(payload), sha256: createHash('sha256').update(payload).digest('hex') });
  t.same(Object.keys(JSON.parse(payload) as object), ['config', 'precision', 'params', 'meta'], 'payload fields in order');
  t.same((await loadCheckpoint(path)).params, flow.paramsToHost(), 'loads back');
  // the format's name and version are written down in one module only
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const naming = ['checkpoint.ts', 'checkpoint-web.ts', 'checkpoint-format.ts', 'run-files.ts']
    .filter((f) => readFileSync(join(root, 'flow', f), 'utf8').includes("'relgrad-checkpoint'"));
  t.same(naming, ['checkpoint-format.ts'], "the literal 'relgrad-checkpoint' appears in flow/checkpoint-format.ts alone");
});

t.test('truncated, tampered, foreign and inconsistent files are refused', async (t) => {
  const flow = Flow.create({ dim: 2, seed: 1 });
  const path = join(dir, 'b.json');
  await flow.save(path);
  const text = readFileSync(path, 'utf8');
  writeFileSync(join(dir, 'trunc.json'), text.slice(0, text.length - 40));
  await t.rejects(Flow.load(join(dir, 'trunc.json')), /truncated or extended: payload has \d+ bytes, header says \d+/);
  const tampered = text.replace(/"seed":1/, '"seed":2');
  writeFileSync(join(dir, 'tampered.json'), tampered);
  await t.rejects(Flow.load(join(dir, 'tampered.json')), /checksum mismatch/);
  writeFileSync(join(dir, 'foreign.json'), '{"hello": 1}\n{}');
  await t.rejects(Flow.load(join(dir, 'foreign.json')), /not a relgrad checkpoint/);
  await t.rejects(Flow.load(join(dir, 'missing.json')), /cannot read it \(ENOENT\)/);
  // the writer refuses parameters that disagree with the config
  const ck = await loadCheckpoint(path);
  await t.rejects(saveCheckpoint(join(dir, 'shape.json'), { config: { ...ck.config, dim: 3 }, params: ck.params }), /layer 0 \(dense\) needs W of 9 values, got 4/);
  // a consistent checksum over a payload whose shapes disagree with its config (written by hand)
  writeFileSync(join(dir, 'shape.json'), resigned(text, (p) => ((p.config as { dim: number }).dim = 3)));
  await t.rejects(Flow.load(join(dir, 'shape.json')), /params\.layers\[0\]\.W holds 4 values, the config implies 9/);
  writeFileSync(join(dir, 'layers.json'), resigned(text, (p) => ((p.config as { layers: number }).layers = 3)));
  await t.rejects(Flow.load(join(dir, 'layers.json')), /params has 3 layers, the config describes 5/);
  writeFileSync(join(dir, 'type.json'), resigned(text, (p) => (((p.params as { layers: { type: string; spec: { type: string } }[] }).layers[0].spec.type = 'conv'))));
  await t.rejects(Flow.load(join(dir, 'type.json')), /params\.layers\[0\]: unknown layer type "conv"; the built-in types are dense, activation, affine, spline, leaky; for a user-defined type pass its definition/);
  // a precision relgrad never writes, and parameters that are not base64 or not whole values, name the field
  writeFileSync(join(dir, 'f16.json'), resigned(text, (p) => (p.precision = 'float16')));
  await t.rejects(Flow.load(join(dir, 'f16.json')), /field "precision" is "float16"; this relgrad reads "float64" and "float32"/);
  const layer0 = (p: Record<string, unknown>): Record<string, string> => (p.params as { layers: { params: Record<string, string> }[] }).layers[0].params;
  writeFileSync(join(dir, 'b64.json'), resigned(text, (p) => (layer0(p).W = `${layer0(p).W.slice(0, -4)}AB$`)));
  await t.rejects(Flow.load(join(dir, 'b64.json')), /field params\.layers\[0\]\.W is not valid base64/);
  writeFileSync(join(dir, 'odd.json'), resigned(text, (p) => (layer0(p).W = Buffer.alloc(12).toString('base64'))));
  await t.rejects(Flow.load(join(dir, 'odd.json')), /field params\.layers\[0\]\.W holds 12 bytes, not a whole number of float64 values \(8 bytes each\)/);
});

t.test('a symlink planted at the temp name is refused, not followed; the file is named', async (t) => {
  const flow = Flow.create({ dim: 2, seed: 1 });
  const path = join(dir, 'linked.json');
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious');
  const now = Date.now;
  const fixed = now(); // after this process started: the planted name looks like this writer's own
  Date.now = () => fixed;
  try {
    symlinkSync(victim, `${path}.tmp-${process.pid}-${fixed}`);
    await t.rejects(flow.save(path), /cannot write checkpoint .*linked\.json/);
  } finally {
    Date.now = now;
  }
  t.equal(readFileSync(victim, 'utf8'), 'precious', 'the link target is untouched');
});

t.test('a temp file whose pid now belongs to a later process is stale; a live writer\'s is kept', async (t) => {
  const path = join(dir, 'reused.json');
  // this process is alive and started long after 2001-09-09 (1e12 ms): that writer is gone
  const old = `${path}.tmp-${process.pid}-1000000000000`;
  const current = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(old, 'x');
  writeFileSync(current, 'x');
  const removed = await removeStaleTemps(path);
  t.same(removed, [old], 'only the temp file named before this process started');
  t.ok(readdirSync(dir).includes(basename(current)), 'the live writer\'s temp file stays');
});

/** A checkpoint's text with its payload changed and the header's size and checksum recomputed. */
function resigned(text: string, mutate: (payload: Record<string, unknown>) => void): string {
  const newline = text.indexOf('\n');
  const header = JSON.parse(text.slice(0, newline)) as Record<string, unknown>;
  const payload = JSON.parse(text.slice(newline + 1)) as Record<string, unknown>;
  mutate(payload);
  const body = JSON.stringify(payload);
  const sha256 = createHash('sha256').update(body).digest('hex');
  return `${JSON.stringify({ ...header, bytes: Buffer.byteLength(body), sha256 })}\n${body}`;
}

t.test('resuming from a checkpoint gives the parameters of an uninterrupted run', async (t) => {
  const options = { epochs: 6, batchSize: 50, lr: 5e-3, seed: 3 };
  const full = Flow.create({ dim: 2, seed: 9 });
  const fullRun = await train(full, data, options);
  const first = Flow.create({ dim: 2, seed: 9 });
  const path = join(dir, 'resume.json');
  await train(first, data, { ...options, epochs: 3, checkpointPath: path });
  const ck = await loadCheckpoint(path);
  t.equal(ck.training?.epoch, 3, 'checkpoint records 3 epochs');
  const resumed = Flow.fromCheckpoint(ck);
  const resumedRun = await train(resumed, data, { ...options, resume: ck });
  t.equal(resumedRun.epochs, 6);
  t.same(resumed.paramsToHost(), full.paramsToHost(), 'identical parameters (bit for bit)');
  t.same(resumedRun.history.map((h) => h.validationLoss), fullRun.history.map((h) => h.validationLoss), 'identical history');
});

t.test('early stopping restores the best validation parameters', async (t) => {
  const flow = Flow.create({ dim: 2, seed: 4 });
  const result = await train(flow, data, { epochs: 40, lr: 0.3, optimizer: 'sgd', patience: 2 });
  t.equal(result.status, 'early-stopped', result.message);
  const best = Math.min(...result.history.map((h) => h.validationLoss ?? Infinity));
  t.equal(result.bestValidationLoss, best);
  const { evaluate } = await import('../flow/evaluate.js');
  t.ok(Math.abs(-evaluate(flow, data.validation).mean - best) < 1e-12, 'the flow holds the best parameters');
});

t.test('a diverging run stops cleanly and keeps the last good checkpoint', async (t) => {
  const flow = Flow.create({ dim: 2, seed: 4 });
  const path = join(dir, 'diverge.json');
  const result = await train(flow, data, { epochs: 20, lr: 1e4, optimizer: 'sgd', checkpointPath: path });
  t.equal(result.status, 'diverged');
  t.match(result.message, /diverged in epoch \d+/);
  const ck = await loadCheckpoint(path);
  t.ok(ck.params.layers.flat().every((w) => w.every(Number.isFinite)), 'checkpoint parameters are finite');
  t.ok(flow.paramsToHost().layers.flat().every((w) => w.every(Number.isFinite)), 'the flow keeps finite parameters');
});

t.test('bad training input is refused with a clear error', async (t) => {
  const flow = Flow.create({ dim: 2 });
  await t.rejects(train(flow, { train: { data: new Float64Array([1, 2, 3, Infinity]), rows: 2, cols: 2 } }), /training data: value Infinity at row 1, column 1 is not finite/);
  await t.rejects(train(flow, { train: { data: new Float64Array(6), rows: 2, cols: 3 } }), /training data has 3 columns, the flow has dim 2/);
  await t.rejects(train(flow, data, { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  await t.rejects(train(flow, data, { lr: -1 }), /learning rate must be a positive number/);
});
