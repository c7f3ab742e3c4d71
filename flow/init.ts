// The dense layers' orthogonal initialisation is the engine's (engine/random.ts orthogonalHost:
// BCGS2 on the engine's gemm). This name remains only because flow/layers/dense.ts imports it;
// delete the file once that import names engine/random.ts.

export { orthogonalHost as orthogonalFast } from '../engine/random.js';
