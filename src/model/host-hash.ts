/**
 * The hash of a host name that the pipeline's host table (src/host-table.ts) is keyed by, computed
 * the same way over a string's UTF-16 code units and over a name's ASCII bytes: FNV-1a over the
 * units taken two at a time (`c0 | c1 << 16`, a last odd unit alone; half the steps of one unit
 * at a time, and still one distinct word per pair), then murmur3's finalizer so that the low bits
 * (the table's slot) mix well. The routine record reader (src/decode/routine-avro.ts) folds it
 * into its ASCII check of the name's bytes.
 */

export const HOST_HASH_SEED = 0x811c9dc5;

/** One word (two code units `c0 | c1 << 16`, or the last odd one) into the running hash. */
export function hostHashStep(h: number, word: number): number {
  return Math.imul(h ^ word, 0x01000193);
}

/** The running hash after the last code unit, as the table uses it. */
export function hostHashFinish(h0: number): number {
  let h = h0 ^ (h0 >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** {@link hostHash} of the string whose code units are the bytes `b[start, end)`. */
export function hostHashOfBytes(b: Uint8Array, start: number, end: number): number {
  let h = HOST_HASH_SEED;
  let i = start;
  for (; i + 1 < end; i += 2) h = hostHashStep(h, (b[i] as number) | ((b[i + 1] as number) << 16));
  if (i < end) h = hostHashStep(h, b[i] as number);
  return hostHashFinish(h);
}

export function hostHash(key: string): number {
  let h = HOST_HASH_SEED;
  const n = key.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = hostHashStep(h, key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16));
  if (i < n) h = hostHashStep(h, key.charCodeAt(i));
  return hostHashFinish(h);
}
