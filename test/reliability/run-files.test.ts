// Issue 22, item 2, in-process: the content rules by which a file counts as relgrad's
// (flow/run-files.ts), and the lock holder's identity (flow/process-identity.ts).
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Flow } from '../../flow/model.js';
import { isExperimentResults, isRelgradCheckpoint, isTrainingLog, ownership, recordWritten } from '../../flow/run-files.js';
import { holderGone, parseHolder } from '../../flow/process-identity.js';
import { tempFolder } from './cli-helper.js';

t.test('a checkpoint counts only while its payload matches its header', async (t) => {
  const dir = tempFolder(t, 'ck-rule');
  const path = join(dir, 'model.json');
  await Flow.create({ dim: 2, layers: 1, seed: 0 }).save(path);
  const text = readFileSync(path, 'utf8');
  t.ok(isRelgradCheckpoint(text));
  // one digit of the payload changed: the sha256 no longer matches
  const at = text.indexOf('"seed":0', text.indexOf('\n')) + 7;
  t.ok(at > text.indexOf('\n') + 7, 'the payload holds the seed');
  t.notOk(isRelgradCheckpoint(text.slice(0, at) + '1' + text.slice(at + 1)), 'an edited checkpoint is the user\'s');
  t.notOk(isRelgradCheckpoint('{"my":"model"}'));
  t.notOk(isRelgradCheckpoint('{"format":"relgrad-checkpoint"}\n{}'), 'the marker alone is not enough');
});

t.test('logs and results by their records', async (t) => {
  t.ok(isTrainingLog('{"epoch":1,"trainLoss":2.5,"validationLoss":2.6,"seconds":0.1,"improved":true}\n{"epoch":2,"trainLoss":2.4,"validationLoss":null,"seconds":0.1}\n'));
  t.notOk(isTrainingLog(''), 'an empty log counts only through the manifest');
  t.notOk(isTrainingLog('{"step":1,"loss":3}\n'));
  t.notOk(isTrainingLog('{"epoch":1,"trainLoss":2.5,"validationLoss":2.6,"seconds":0.1}\nmy note\n'), 'a line of the user\'s makes it the user\'s');
  t.ok(isExperimentResults(JSON.stringify({ dataset: 'moons', config: {}, training: {}, validationCurve: [], test: { mean: -2 }, model: 'm.json' })));
  t.notOk(isExperimentResults('{"notes":"my own moons numbers"}'));
});

t.test('the manifest: a listed file counts while its content is unchanged', async (t) => {
  const dir = tempFolder(t, 'manifest');
  writeFileSync(join(dir, 'figure.png'), 'png bytes');
  writeFileSync(join(dir, 'curve.png'), 'png bytes too');
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  recordWritten(dir, [join(dir, 'figure.png'), join(dir, 'curve.png')]);
  t.same(ownership(dir, ['curve.png', 'figure.png', 'notes.txt']), { relgrad: ['curve.png', 'figure.png'], other: ['notes.txt'] });
  writeFileSync(join(dir, 'curve.png'), 'edited');
  t.same(ownership(dir, ['curve.png', 'figure.png']), { relgrad: ['figure.png'], other: ['curve.png'] });
});

t.test('a lock holder is gone when its pid runs another process, another boot, or is ours unrecorded', async (t) => {
  const alive = (): boolean => true;
  t.equal(holderGone(parseHolder('123\n'), () => false), 'no longer runs');
  t.same(parseHolder('77\nstart=12345 boot=-\n'), { pid: 77, start: '12345', boot: null });
  t.equal(holderGone(parseHolder(`${process.pid}\n`), alive), 'is this process\'s pid, reused', 'an old-format lock naming us');
  const own = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
  if (own !== undefined) {
    t.equal(holderGone(parseHolder(`${process.pid}\nstart=${own} boot=-\n`), alive), null, 'this process, same start: held');
    t.match(holderGone(parseHolder(`${process.pid}\nstart=${Number(own) + 1} boot=-\n`), alive) ?? '', /is now another process/);
  }
});
