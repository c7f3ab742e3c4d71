// Shared tap assertions for a GPU path's check report (see checks.ts): the kernel class that ran,
// and every comparison passing, each as its own assertion so a failure names the op.

import type { Test } from 'tap';
import type { EntryReport } from './entry.js';

export function assertReport(t: Test, report: EntryReport, kernelClass: string): void {
  t.same(report.viaSetBackend, { kernelClass, dtype: 'float32', values: [1, 4, 9] }, "setBackend('gpu') loads the backend");
  t.equal(report.kernelClass, kernelClass, `kernels ran on ${kernelClass}`);
  t.match(report.implementation, new RegExp(`GPU\\.js ${kernelClass}`), 'describe() names the kernel class');
  t.ok(report.results.length >= 50, `${report.results.length} comparisons ran`);
  for (const r of report.results) {
    t.ok(r.pass, `${r.name} (max |gpu - cpu| = ${r.maxErr})`, r.error === undefined ? {} : { diagnostic: true, error: r.error });
  }
}
