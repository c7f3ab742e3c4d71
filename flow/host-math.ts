// Scalar softplus and sigmoid on the host, in the forms that neither overflow nor lose the small
// tail: softplus(x) = max(x, 0) + log1p(e^{-|x|}); sigmoid from e^{-|x|} on either side of 0.
// (The CPU backend's kernels inline the same formulas in loops the worker threads also run.)

export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}
