// Issue 22, "smaller": an .npz with two entries of one name is refused (numpy.load keeps the later,
// so `info` reported parameters nobody could tell apart), and an empty .npz (or an empty file) is
// called what it is, not "not a safetensors file".
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Flow } from '../../flow/model.js';
import { decodeFlow } from '../../flow/interchange/export.js';
import { decodeSafetensors } from '../../flow/interchange/safetensors.js';
import { readStoredZip, writeStoredZip } from '../../flow/interchange/zip.js';
import { relgradHere, tempFolder } from './cli-helper.js';

/** Replaces every occurrence of the bytes of `from` by those of `to` (same length). */
function renameBytes(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const [a, b] = [Buffer.from(from), Buffer.from(to)];
  const out = Buffer.from(bytes);
  for (let at = out.indexOf(a); at >= 0; at = out.indexOf(a, at + 1)) b.copy(out, at);
  return out;
}

t.test('a ZIP with a duplicate entry name is refused, naming the entry', async (t) => {
  const one = new Uint8Array([1, 2, 3]);
  const two = new Uint8Array([4, 5, 6]);
  // the writer refuses duplicates, so rename the second entry in the finished bytes
  const zip = renameBytes(writeStoredZip([{ name: 'W0.npy', data: one }, { name: 'X0.npy', data: two }]), 'X0.npy', 'W0.npy');
  t.throws(() => readStoredZip(zip, 'dup.npz'), /^dup\.npz: entry 'W0\.npy' appears twice \(entries 0 and 1\); each array must be stored once$/);
  t.same(readStoredZip(writeStoredZip([{ name: 'W0.npy', data: one }, { name: 'X0.npy', data: two }]), 'ok.npz').map((e) => [e.name, [...e.data]]),
    [['W0.npy', [1, 2, 3]], ['X0.npy', [4, 5, 6]]], 'distinct names still read back');
});

t.test('decodeFlow and info refuse an export with a duplicated array', async (t) => {
  const dir = tempFolder(t, 'npz-dup');
  const flow = Flow.create({ dim: 2, layers: 2, dtype: 'float64' });
  await flow.save(join(dir, 'm.json'));
  t.equal((await relgradHere(dir, 'export', '--checkpoint', 'm.json', '--out', 'm.npz')).code, 0);
  const entries = readStoredZip(readFileSync(join(dir, 'm.npz')), 'm.npz');
  t.ok(entries.some((e) => e.name === 'W1.npy'), 'the export holds W1');
  // W1 stored twice: the second copy (read last, so numpy.load's choice) holds other values
  const w1 = entries.find((e) => e.name === 'W1.npy');
  const twice = writeStoredZip([...entries, { name: 'Q1.npy', data: w1?.data ?? new Uint8Array() }]);
  const dup = renameBytes(twice, 'Q1.npy', 'W1.npy');
  t.throws(() => decodeFlow(dup, 'dup.npz'), /dup\.npz: entry 'W1\.npy' appears twice/);
  writeFileSync(join(dir, 'dup.npz'), dup);
  const info = await relgradHere(dir, 'info', '--checkpoint', 'dup.npz');
  t.equal(info.code, 1);
  t.match(info.stderr, /dup\.npz: entry 'W1\.npy' appears twice/);
});

t.test('an empty .npz and an empty file get their own messages', async (t) => {
  const empty = writeStoredZip([]);
  t.equal(empty.length, 22, 'only the end-of-central-directory record, as numpy.savez() writes it');
  t.same(readStoredZip(empty, 'e.npz'), [], 'the ZIP reader reads no entries');
  t.throws(() => decodeFlow(empty, 'e.npz'), /^e\.npz: an empty \.npz \(a ZIP archive holding no arrays\)$/);
  t.throws(() => decodeFlow(new Uint8Array(0), 'zero.npz'), /^zero\.npz: empty file \(0 bytes\)$/);
  t.throws(() => decodeSafetensors(new Uint8Array(0), 'zero.safetensors'), /^zero\.safetensors: empty file \(0 bytes\)$/);

  const dir = tempFolder(t, 'npz-empty');
  writeFileSync(join(dir, 'e.npz'), empty);
  writeFileSync(join(dir, 'zero.npz'), new Uint8Array(0));
  writeFileSync(join(dir, 'text.npz'), 'hello, not an archive');
  const e = await relgradHere(dir, 'info', '--checkpoint', 'e.npz');
  t.equal(e.code, 1);
  t.match(e.stderr, /e\.npz: an empty \.npz \(a ZIP archive holding no arrays\)/);
  t.notMatch(e.stderr, /safetensors/);
  const zero = await relgradHere(dir, 'info', '--checkpoint', 'zero.npz');
  t.match(zero.stderr, /relgrad info: zero\.npz: not a \.npz file \(empty, 0 bytes\)/);
  t.notMatch(zero.stderr, /safetensors/);
  const text = await relgradHere(dir, 'info', '--checkpoint', 'text.npz');
  t.match(text.stderr, /relgrad info: text\.npz: not a \.npz file \(no ZIP signature\)/);
});
