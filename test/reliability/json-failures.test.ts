// Issue 22, "smaller": a failure under --json is one JSON document { error, code } on stdout (the
// message stays on stderr too); `relgrad` with no command is a usage error; the result of a
// --json run is the only line on stdout (the pictures line goes to stderr).
import t from 'tap';
import { join } from 'node:path';
import { relgradHere, tempFolder } from './cli-helper.js';

t.test('--json failures: one JSON document on stdout with the message and the exit status', async (t) => {
  const dir = tempFolder(t, 'json-fail');
  const cases: [string[], number, RegExp][] = [
    [['train', '--json', '--epochs', '0'], 2, /--epochs expects a positive integer, got '0'/],
    [['eval', '--json', '--checkpoint', 'missing.json'], 1, /checkpoint missing\.json: cannot read it \(ENOENT\)/],
    [['export', '--json', '--checkpoint', 'missing.json', '--out', 'm.npz'], 1, /cannot read it \(ENOENT\)/],
    [['info', '--json=true', '--checkpoint', 'missing.json'], 1, /cannot read it/],
  ];
  for (const [args, code, message] of cases) {
    const r = await relgradHere(dir, ...args);
    t.equal(r.code, code, args.join(' '));
    const lines = r.stdout.trim().split('\n');
    t.equal(lines.length, 1, 'one line on stdout');
    const doc = JSON.parse(lines[0]) as { error: string; code: number };
    t.match(doc.error, message);
    t.equal(doc.code, code, 'code is the exit status');
    t.match(r.stderr, message, 'the message is on stderr as well');
  }
  const plain = await relgradHere(dir, 'eval', '--checkpoint', 'missing.json');
  t.equal(plain.stdout, '', 'without --json nothing goes to stdout');
});

t.test('relgrad with no command exits 2 with the usage on stderr; --help exits 0', async (t) => {
  const dir = tempFolder(t, 'nocmd');
  const none = await relgradHere(dir);
  t.equal(none.code, 2);
  t.equal(none.stdout, '');
  t.match(none.stderr, /^usage: relgrad <command> \[flags\]/);
  const help = await relgradHere(dir, '--help');
  t.equal(help.code, 0);
  t.match(help.stdout, /^usage: relgrad <command>/);
});

t.test('train --json: the result is the only line on stdout, the pictures line is on stderr', async (t) => {
  const dir = tempFolder(t, 'json-pictures');
  const r = await relgradHere(dir, 'train', '--json', '--dataset', 'moons', '--limit', '200', '--epochs', '1', '--out', 'run');
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 1, 'stdout | tail -1 | jq reads the result');
  t.same((JSON.parse(lines[0]) as { pictures: string[] }).pictures.map((p) => p.slice(-10)), ['figure.png', 'ensity.png', 'amples.png', '/curve.png']);
  t.match(r.stderr, new RegExp(`^pictures: ${join(dir, 'run', 'figure.png').replace(/[.]/g, '\\.')}`, 'm'));
});
