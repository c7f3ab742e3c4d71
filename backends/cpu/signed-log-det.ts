// sign(det A) and log|det A| from an LU factorisation P·A = L·U (unit L), shared by both CPU LU
// families (lu-blocked.ts, lu-ml-matrix.ts). det A = sign(P)·Π U_ii, so
// log|det A| = Σ log|U_ii| (no overflow) and the sign is sign(P) flipped once per negative U_ii.
// Cost O(n). The two LU codes record P differently, so each has its parity function here.

/** Parity of LAPACK-style row swaps (row i was swapped with row piv[i] at step i): +1 even, -1 odd. */
export function swapsSign(piv: ArrayLike<number>): number {
  let sign = 1;
  for (let i = 0; i < piv.length; i++) if (piv[i] !== i) sign = -sign;
  return sign;
}

/** Parity of a permutation given as a vector of images: +1 even, -1 odd (one flip per even-length cycle). */
export function permutationSign(perm: readonly number[]): number {
  const seen = new Array<boolean>(perm.length).fill(false);
  let sign = 1;
  for (let i = 0; i < perm.length; i++) {
    if (seen[i]) continue;
    let length = 0;
    for (let j = i; !seen[j]; j = perm[j]) {
      seen[j] = true;
      length++;
    }
    if (length % 2 === 0) sign = -sign;
  }
  return sign;
}

/**
 * sign(det A) and log|det A| from U's diagonal (`diagonalOf(i)` = U_ii, i < n) and sign(P).
 * A zero U_ii (singular A) gives sign 0 and log|det| -Infinity.
 */
export function signedLogDet(diagonalOf: (i: number) => number, n: number, pivotSign: number): { sign: number; logabsdet: number } {
  let sign = pivotSign;
  let logabsdet = 0;
  for (let i = 0; i < n; i++) {
    const d = diagonalOf(i);
    if (d === 0) return { sign: 0, logabsdet: -Infinity };
    if (d < 0) sign = -sign;
    logabsdet += Math.log(Math.abs(d));
  }
  return { sign, logabsdet };
}
