// Compiles test/fixtures/engine-types.ts with the TypeScript compiler (strict and
// noUncheckedIndexedAccess, as a strict consumer project would): gradient tuples are typed from
// the function's parameters, arity mismatches and unknown toy set names are compile errors.
// tap runs TypeScript without type-checking, so this is where those guarantees are tested.

import t from 'tap';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/engine-types.ts', import.meta.url));

t.test('the typed autodiff contract compiles exactly as the fixture says', async (t) => {
  const program = ts.createProgram([fixture], {
    strict: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    skipLibCheck: true,
    esModuleInterop: true,
    resolveJsonModule: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === fixture);
  const text = diagnostics.map((d) => {
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
  t.same(text, [], 'no errors, and every @ts-expect-error line is an error');
});
