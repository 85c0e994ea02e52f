/**
 * The hash of a host name that the pipeline's host table (src/host-table.ts) is keyed by, computed
 * the same way over a string's UTF-16 code units and over a name's ASCII bytes: FNV-1a over the
 * units taken two at a time (`c0 | c1 << 16`, a last odd unit alone; half the steps of one unit
 * at a time, and still one distinct word per pair), then murmur3's finalizer so that the low bits
 * (the table's slot) mix well. The routine record reader (src/decode/routine-avro.ts) checks the
 * name's bytes for ASCII and hashes them in one pass ({@link asciiHostHash}).
 */

const SEED = 0x811c9dc5;

/** One word (two code units `c0 | c1 << 16`, or the last odd one) into the running hash. */
function step(h: number, word: number): number {
  return Math.imul(h ^ word, 0x01000193);
}

/** The running hash after the last code unit, as the table uses it. */
function finish(h0: number): number {
  let h = h0 ^ (h0 >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Where {@link asciiHostHash} leaves the hash (a typed array: no number boxed per call). */
export const ASCII_HOST_HASH = new Int32Array(1);

/**
 * Whether the bytes `b[start, end)` are 7-bit ASCII; if so their {@link hostHash} (that of the same
 * text as a string) is left in ASCII_HOST_HASH[0].
 */
export function asciiHostHash(b: Uint8Array, start: number, end: number): boolean {
  let h = SEED;
  let i = start;
  for (; i + 1 < end; i += 2) {
    const c0 = b[i] as number;
    const c1 = b[i + 1] as number;
    if ((c0 | c1) > 0x7f) return false;
    h = step(h, c0 | (c1 << 16));
  }
  if (i < end) {
    const c = b[i] as number;
    if (c > 0x7f) return false;
    h = step(h, c);
  }
  ASCII_HOST_HASH[0] = finish(h);
  return true;
}

export function hostHash(key: string): number {
  let h = SEED;
  const n = key.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = step(h, key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16));
  if (i < n) h = step(h, key.charCodeAt(i));
  return finish(h);
}
