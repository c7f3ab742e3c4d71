// The GEMM worker's job slot (backends/cpu/threads/worker.ts): one job layout derived from GemmArgs'
// scalar fields. A job carries every scalar argument of the product (the arrays replaced by
// offsets), the words writeJob stores are the documented layout, and the worker's reader gives
// the job back.

import t from 'tap';
import { GEMM_SCALARS, type GemmArgs } from '../backends/cpu/gemm.js';
import { gemmJob, JOB_BYTES_AT, JOB_FIELDS, JOB_WORDS, readJob, writeJob } from '../backends/cpu/threads/worker.js';

// distinct values, so a field stored in another field's word shows
const g: GemmArgs = {
  transA: true, transB: false, m: 3, n: 5, k: 7, alpha: 0.25, beta: -2,
  a: new Float64Array(4), aOffset: 11, lda: 13,
  b: new Float64Array(4), bOffset: 17, ldb: 19,
  c: new Float64Array(4), cOffset: 23, ldc: 29,
};
const offsets = { aOffset: 101, bOffset: 103, cOffset: 107 };

t.test('a job carries every scalar argument of the product, its arrays as offsets', async (t) => {
  const job = gemmJob(g, true, offsets, 3, 4);
  const scalars = Object.keys(g).filter((f) => f !== 'a' && f !== 'b' && f !== 'c').sort();
  t.same([...GEMM_SCALARS].sort(), scalars, "GEMM_SCALARS names GemmArgs' scalar fields");
  for (const f of scalars) {
    const want = f in offsets ? offsets[f as keyof typeof offsets] : g[f as keyof GemmArgs];
    t.equal(job[f as keyof typeof job], want, f);
  }
  t.same([job.f64, job.chunks, job.unit], [true, 3, 4], 'dtype flag and split');
});

t.test('writeJob stores the documented word layout, readJob reads it back', async (t) => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const job = gemmJob(g, false, offsets, 0, 8);
  writeJob(memory, 1, job);
  const words = new Float64Array(memory.buffer, JOB_BYTES_AT + JOB_WORDS * 8, JOB_WORDS);
  // written out by hand: f64, transA, transB, m, n, k, alpha, beta, aOffset, lda, bOffset, ldb, cOffset, ldc, chunks, unit
  t.same(Array.from(words.subarray(0, 16)), [0, 1, 0, 3, 5, 7, 0.25, -2, 101, 13, 103, 19, 107, 29, 0, 8]);
  t.equal(words[17], 0, 'the kind word says GEMM');
  t.same(new Float64Array(memory.buffer, JOB_BYTES_AT, JOB_WORDS), new Float64Array(JOB_WORDS), "slot 0's words untouched");
  t.same(readJob(words, JOB_FIELDS), job, "the worker's reader returns the job");
});
