/**
 * The hash of a host name that the pipeline's host table (src/host-table.ts) is keyed by, computed
 * the same way over a string's UTF-16 code units and over a name's ASCII bytes: FNV-1a, then
 * murmur3's finalizer so that the low bits (the table's slot) mix well. The routine record reader
 * (src/decode/routine-avro.ts) folds it into its ASCII check of the name's bytes.
 */

export const HOST_HASH_SEED = 0x811c9dc5;

/** One code unit (or byte) into the running hash. */
export function hostHashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** The running hash after the last code unit, as the table uses it. */
export function hostHashFinish(h0: number): number {
  let h = h0 ^ (h0 >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

export function hostHash(key: string): number {
  let h = HOST_HASH_SEED;
  for (let i = 0; i < key.length; i++) h = hostHashStep(h, key.charCodeAt(i));
  return hostHashFinish(h);
}
