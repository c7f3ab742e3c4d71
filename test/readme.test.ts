// The README's JavaScript examples run as written (against the built package, imported by its
// name through the exports map) and print what their `// → ` comments say.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const readme = readFileSync('README.md', 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const scratch = resolve('.tap/readme');
mkdirSync(scratch, { recursive: true });
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

t.ok(blocks.length >= 2, `found ${blocks.length} js examples`);
blocks.forEach((code, i) => {
  t.test(`README example ${i + 1}`, async (t) => {
    const expected = code.split('\n').filter((l) => l.includes('// → ')).map((l) => l.split('// → ')[1].trim());
    const file = join(scratch, `example-${i + 1}.mjs`);
    writeFileSync(file, code);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
    t.equal(r.status, 0, r.stderr);
    const printed = r.stdout.trim().split('\n').map((l) => l.trim());
    t.same(printed, expected, 'printed lines match the // → comments');
  });
});
