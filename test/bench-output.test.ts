// Benchmark output: quick and ad-hoc runs never write the committed bench/results/ (only --full
// does), --out and RELGRAD_BENCH_RESULTS redirect, and every result file (JSON, Markdown, PNG)
// records the command, commit and machine. Runs no benchmark: writeReport on a made-up suite.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { parseFlags } from '../flow/cli/args.js';
import { checkoutState, chooseOutput, OUTPUT_FLAGS, provenance, RESULTS_ENV, useOutput } from '../bench/lib/output.js';
import { resultsDir, writeReport } from '../bench/lib/report.js';

const dir = mkdtempSync(join(tmpdir(), 'relgrad-bench-out-'));
const saved = process.env[RESULTS_ENV];
t.teardown(() => {
  rmSync(dir, { recursive: true, force: true });
  if (saved === undefined) delete process.env[RESULTS_ENV];
  else process.env[RESULTS_ENV] = saved;
});

t.test('where results go', async (t) => {
  delete process.env[RESULTS_ENV];
  const committed = resolve('bench/results');
  t.same(chooseOutput({ quick: true }, 'bench'), { dir: join(committed, 'quick'), kind: 'quick' }, '--quick: bench/results/quick');
  t.same(chooseOutput({}, 'bench'), { dir: join(committed, 'quick'), kind: 'quick' }, 'no flag (ad hoc): bench/results/quick');
  t.same(chooseOutput({ full: true }, 'bench'), { dir: committed, kind: 'full' }, '--full: the committed results');
  t.throws(() => chooseOutput({ full: true, quick: true }, 'bench'), /--full and --quick exclude each other/);
  t.same(chooseOutput({ out: 'x/y', full: true }, 'bench'), { dir: resolve('x/y'), kind: 'custom' }, '--out wins');
  t.equal(resultsDir(), join(committed, 'quick'), 'writeReport\'s default is the quick folder');
  process.env[RESULTS_ENV] = join(dir, 'env');
  t.same(chooseOutput({ quick: true }, 'bench'), { dir: join(dir, 'env'), kind: 'custom' }, 'an inherited choice counts as --out');
  // a runner's flags beside OUTPUT_FLAGS, through the one parser (flow/cli/args.ts)
  const spec = { ...OUTPUT_FLAGS, dims: { type: 'int-list' as const, help: 'grid' }, quick: { type: 'boolean' as const, help: 'small', default: false } };
  const prog = { name: 'r', helpHint: 'r --help' };
  const { flags } = parseFlags(prog, ['--dims', '4', '--out', join(dir, 'o'), '--quick'], spec);
  t.same(flags, { full: false, out: join(dir, 'o'), dims: [4], quick: true }, 'the runner\'s own flags and --out');
  useOutput(chooseOutput({ full: flags.full === true, quick: true, out: flags.out as string }, 'r'), () => undefined);
  t.equal(resultsDir(), join(dir, 'o'), 'and --out applies');
  t.throws(() => parseFlags(prog, ['--out'], spec), /^r: --out needs a value$/);
});

/** tEXt chunks of a PNG, read with the chunk layout (pngjs has checked every CRC before). */
function pngText(bytes: Uint8Array): Record<string, string> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, string> = {};
  for (let p = 8; p < bytes.length;) {
    const len = v.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    if (type === 'tEXt') {
      const body = Buffer.from(bytes.subarray(p + 8, p + 8 + len)).toString('latin1');
      const nul = body.indexOf('\0');
      out[body.slice(0, nul)] = body.slice(nul + 1);
    }
    p += 12 + len;
  }
  return out;
}

t.test('every result file records command, commit and machine', async (t) => {
  const out = join(dir, 'report');
  process.env[RESULTS_ENV] = out;
  const files = writeReport({
    name: 'demo', title: 'A made-up suite', config: { dims: [1, 2] }, results: [1, 2],
    table: { header: ['D', 'seconds'], rows: [[1, 0.5], [2, 1]] },
    plot: { series: [{ name: 'made up', points: [[1, 0.5], [2, 1]] }], xLabel: 'D', yLabel: 'seconds' },
  });
  t.same(files.map((f) => f.slice(out.length + 1)).sort(), ['demo.json', 'demo.md', 'demo.png', 'demo.svg']);
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const run = provenance();
  t.equal(run.commit, head, 'the commit is git HEAD');
  t.match(run.command, /^node \S+/, `the command (${run.command})`);
  const json = JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8')) as { command: string; commit: string; machine: { cores: number; cpu: string } };
  t.equal(json.commit, head, 'JSON: commit');
  t.equal(json.command, run.command, 'JSON: command');
  t.ok(json.machine.cores > 0 && json.machine.cpu.length > 0, 'JSON: machine');
  const md = readFileSync(join(out, 'demo.md'), 'utf8');
  t.ok(md.includes(`at commit ${head.slice(0, 12)}`) && md.includes(run.command), 'Markdown: the provenance line');
  const png = readFileSync(join(out, 'demo.png'));
  const decoded = PNG.sync.read(png); // checks every chunk CRC, the inserted ones included
  t.ok(decoded.width > 100, 'the PNG still decodes');
  const text = pngText(png);
  t.equal(text.Source, run.command, 'PNG: the command in a tEXt chunk');
  t.match(text.Comment, new RegExp(`commit ${head.slice(0, 12)}`), 'PNG: commit and machine');
  t.match(readFileSync(join(out, 'demo.svg'), 'utf8'), new RegExp(`<desc>Produced by .*commit ${head.slice(0, 12)}`), 'SVG: the provenance in <desc>');
});

t.test('the checkout counts as changed for any tracked file but the bench results', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relgrad-checkout-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]): void => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  mkdirSync(join(dir, 'bench', 'results'), { recursive: true });
  writeFileSync(join(dir, 'bench', 'results', 'deep.md'), 'a\n');
  writeFileSync(join(dir, 'code.ts'), 'a\n');
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'start');
  t.equal(checkoutState(dir).dirty, false, 'clean');
  writeFileSync(join(dir, 'bench', 'results', 'deep.md'), 'b\n');
  t.equal(checkoutState(dir).dirty, false, 'a result file written by an earlier suite of the run: still the commit');
  writeFileSync(join(dir, 'code.ts'), 'b\n');
  t.equal(checkoutState(dir).dirty, true, 'a changed source file: uncommitted changes');
});
