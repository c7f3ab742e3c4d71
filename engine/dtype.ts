// Element types a tensor can hold, and the typed arrays that store them on the host.

export type DType = 'float64' | 'float32';
export type TypedArray = Float64Array | Float32Array;

export const DTYPES: readonly DType[] = ['float64', 'float32'];

export function isDType(value: unknown): value is DType {
  return value === 'float64' || value === 'float32';
}

/** A host array of `size` zeros of the given dtype. */
export function allocHost(dtype: DType, size: number): TypedArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** The dtype a typed array stores. */
export function dtypeOfArray(array: TypedArray): DType {
  return array instanceof Float64Array ? 'float64' : 'float32';
}

/** Copies (and converts) host values into a fresh typed array of `dtype`. */
export function toHost(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = allocHost(dtype, values.length);
  out.set(values);
  return out;
}
