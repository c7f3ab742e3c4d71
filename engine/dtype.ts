// Element types a tensor can hold, and the typed arrays that store them on the host.

/** Element type of a tensor: 'float64' (8 bytes, the CPU default) or 'float32' (4 bytes). */
export type DType = 'float64' | 'float32';
/** Host storage of a tensor's values, flat in row-major (C) order: Float64Array for float64, Float32Array for float32. */
export type TypedArray = Float64Array | Float32Array;

export function isDType(value: unknown): value is DType {
  return value === 'float64' || value === 'float32';
}

/**
 * A host array of `size` zeros of the given dtype. A size that cannot be allocated (negative,
 * fractional, beyond the largest typed array, or out of memory) throws naming `op`, the shape and
 * the bytes it would need, not a bare "Invalid typed array length".
 */
export function allocHost(dtype: DType, size: number, op = 'tensor', shape?: readonly number[]): TypedArray {
  const what = (): string => {
    const bytes = size * (dtype === 'float64' ? 8 : 4);
    const shown = bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${bytes} bytes`;
    return `${shape === undefined ? '' : `shape [${shape.join(',')}]: `}${size} ${dtype} values (${shown})`;
  };
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`${op}: cannot allocate ${what()}: the size must be a non-negative integer`);
  try {
    return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new Error(`${op}: cannot allocate ${what()}: ${err.message}`);
  }
}

/** The dtype a typed array stores. */
export function dtypeOfArray(array: TypedArray): DType {
  return array instanceof Float64Array ? 'float64' : 'float32';
}
