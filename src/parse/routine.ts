/**
 * Routine chatter recognised from a line's bytes, before the record holding it is decoded: the
 * runtime's fast path (src/decode/routine-avro.ts, Pipeline.processRoutine) skips the full decode
 * of a record whose message is one line this says cannot matter.
 *
 * `lineMayMatter` is a sound over-approximation of the per-line stages' own prefilters: when it
 * returns false, the line
 * - starts with none of the hardware recognizers' leads nor the boot banner (hw/rows.ts LEADS,
 *   hw/boot.ts BOOT_BANNER), so `hwPrefilter` and `isBootBanner` reject it;
 * - contains none of the report-start anchors nor the hardware needles anywhere (crash/start.ts
 *   START_ANCHORS, hw/rows.ts NEEDLES), so `prefilter` rejects it and no report starts;
 * - is printable ASCII (bytes 0x20..0x7e): one line, no `\r`, no stamp to strip (a line starting
 *   with `[` or `<` may carry one, so it matters), and its UTF-8 text is its bytes.
 * Anything else "may matter" and takes the full path, which decides exactly.
 */
import { START_ANCHORS } from './crash/start.js';
import { BOOT_BANNER } from './hw/boot.js';
import { LEADS, NEEDLES } from './hw/rows.js';

function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e)
      throw new Error(`routine matcher: literal ${JSON.stringify(s)} is not printable ASCII`);
    b[i] = c;
  }
  return b;
}

/**
 * Literals looked for anywhere in the line, found by their first three bytes: TRIGRAMS maps a
 * hash of three bytes (`trigramSlot`) to 0 or to an index in ANYWHERE, the literals starting
 * with a trigram of that hash. A slot holds ~29 literals in 65,536, so a routine line rarely
 * compares one; a trigram is far rarer in text than a pair of bytes.
 */
const TRIGRAM_BITS = 16;
const TRIGRAMS = new Uint8Array(1 << TRIGRAM_BITS);
const ANYWHERE: Uint8Array[][] = [[]];
const GOLDEN = 0x9e3779b1;

/** The TRIGRAMS slot of the three bytes packed in `key` (first byte highest). */
function trigramSlot(key: number): number {
  return Math.imul(key, GOLDEN) >>> (32 - TRIGRAM_BITS);
}

for (const lit of [...START_ANCHORS, ...NEEDLES]) {
  const b = bytesOf(lit);
  if (b.length < 3)
    throw new Error(`routine matcher: literal ${JSON.stringify(lit)} is shorter than three bytes`);
  const slot = trigramSlot(((b[0] as number) << 16) | ((b[1] as number) << 8) | (b[2] as number));
  if (TRIGRAMS[slot] === 0) {
    if (ANYWHERE.length > 255) throw new Error('routine matcher: more than 255 trigram groups');
    TRIGRAMS[slot] = ANYWHERE.length;
    ANYWHERE.push([]);
  }
  (ANYWHERE[TRIGRAMS[slot] as number] as Uint8Array[]).push(b);
}

/** Literals a line that matters may start with, indexed by their first byte. */
const LEADING: (Uint8Array[] | undefined)[] = new Array(256);
for (const lit of [...LEADS, BOOT_BANNER]) {
  const b = bytesOf(lit);
  const c = b[0] as number;
  const list = LEADING[c] ?? [];
  list.push(b);
  LEADING[c] = list;
}

function literalAt(b: Uint8Array, at: number, end: number, lit: Uint8Array): boolean {
  if (at + lit.length > end) return false;
  for (let k = 0; k < lit.length; k++) if (b[at + k] !== lit[k]) return false;
  return true;
}

function anyAt(b: Uint8Array, at: number, end: number, lits: readonly Uint8Array[]): boolean {
  for (const lit of lits) if (literalAt(b, at, end, lit)) return true;
  return false;
}

/**
 * Whether the line in `b[start, end)` may matter to a per-line stage (see the module comment);
 * false only for one line of printable ASCII that every stage's prefilter rejects. Linear in the
 * line's length; allocates nothing.
 */
export function lineMayMatter(b: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return false;
  const c0 = b[start] as number;
  if (c0 < 0x20 || c0 > 0x7e || c0 === 0x5b /* [ */ || c0 === 0x3c /* < */) return true;
  const leads = LEADING[c0];
  if (leads !== undefined && anyAt(b, start, end, leads)) return true;
  let key = c0;
  for (let i = start + 1; i < end; i++) {
    const c = b[i] as number;
    if (c < 0x20 || c > 0x7e) return true;
    key = ((key << 8) | c) & 0xffffff;
    const group = TRIGRAMS[trigramSlot(key)] as number;
    if (group !== 0 && i >= start + 2 && anyAt(b, i - 2, end, ANYWHERE[group] as Uint8Array[])) {
      return true;
    }
  }
  return false;
}
