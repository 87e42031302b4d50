/** The array, or a copy as long as twice what `index` needs (zeros after the old values) when it is too short. */
export function fitted<T extends Float64Array | Uint32Array>(array: T, index: number): T {
  if (index < array.length) return array;
  const grown = new (array.constructor as new (length: number) => T)(Math.max(2 * (index + 1), 64));
  grown.set(array);
  return grown;
}
