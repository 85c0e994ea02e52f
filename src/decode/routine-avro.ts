/**
 * The fast path for routine chatter (issue 9): reads a raw Avro KernelLogEvent body written with
 * today's schema (schemas/kernel-log-event.avsc) far enough to tell whether its message is one
 * line of routine chatter, without decoding the record. For such a record it fills a
 * RoutineRecord (where the host and the boot id lie, event time, uptime) and the caller hands it to
 * `Pipeline.processRoutine`; for any other record, and for every record the full decoder would
 * refuse or read differently, it returns false and the caller decodes the record in full.
 *
 * So it accepts only what `createAvroCodec` + `checkKernelLogEvent` accept, and reads it as they do:
 * - the body fills its bytes exactly, within `maxBytes`; unions are index 0 (null) or 1;
 * - strings are 7-bit ASCII (valid UTF-8, same text byte for byte), the host not empty (the boot
 *   id is left to `sameAscii`, which accepts only ASCII equal to the id the host holds);
 * - longs are exact integers (varints of at most 8 bytes, below 2^53 once zigzag-encoded),
 *   uptime and seq ≥ 0, priority 0..7;
 * - the message is one line `lineMayMatter` rejects (printable ASCII, no stage's prefilter).
 */
import type { RoutineRecord } from '../model/event.js';
import { ASCII_HOST_HASH, asciiHostHash } from '../model/host-hash.js';

/** A line test over bytes, src/parse/routine.ts `lineMayMatter`. */
export type LineMayMatter = (b: Uint8Array, start: number, end: number) => boolean;

/** The value of the last long read (a typed array: no context variable on the hot path). */
const VAL = new Float64Array(1);

/**
 * An Avro long (zigzag varint) at `p` into VAL[0]; the position after it, or -1 past `end`, beyond
 * 8 bytes or when the encoded value reaches 2^53 (the full decoder then decides).
 */
function readLong(b: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  const x0 = b[p] as number;
  if (x0 < 0x80) {
    // one byte (lengths, small numbers): integer arithmetic
    VAL[0] = (x0 & 1) === 0 ? x0 >> 1 : -((x0 + 1) >> 1);
    return p + 1;
  }
  let n = x0 & 0x7f;
  let mul = 128;
  for (let k = 1; k < 8; k++) {
    if (p + k >= end) return -1;
    const x = b[p + k] as number;
    n += (x & 0x7f) * mul;
    if (x < 0x80) {
      if (n > Number.MAX_SAFE_INTEGER) return -1;
      // zigzag without `%` on a double (a call to fmod)
      const half = Math.floor(n / 2);
      VAL[0] = n === half * 2 ? half : -half - 1;
      return p + k + 1;
    }
    mul *= 128;
  }
  return -1;
}

/** A string's length at `p` into VAL[0]; the position of its first byte, or -1. */
function readLength(b: Uint8Array, p: number, end: number): number {
  const q = readLong(b, p, end);
  if (q < 0) return -1;
  const len = VAL[0] as number;
  return len >= 0 && q + len <= end ? q : -1;
}

function ascii(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((b[i] as number) > 0x7f) return false;
  return true;
}

/** An optional string at `p`, skipped: the position after it, or -1. */
function skipOptionalString(b: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  const branch = b[p];
  if (branch === 0) return p + 1;
  if (branch !== 2) return -1;
  const q = readLength(b, p + 1, end);
  return q < 0 ? -1 : q + (VAL[0] as number);
}

/** An optional long ≥ 0 at `p` into VAL[0] (-1 for null); the position after it, or -1. */
function readOptionalCount(b: Uint8Array, p: number, end: number): number {
  if (p >= end) return -1;
  const branch = b[p];
  if (branch === 0) {
    VAL[0] = -1;
    return p + 1;
  }
  if (branch !== 2) return -1;
  const q = readLong(b, p + 1, end);
  return q >= 0 && (VAL[0] as number) >= 0 ? q : -1;
}

/**
 * Fills `out` and returns true when `body` is a KernelLogEvent whose message is one routine line
 * (see the module comment); false when the record must be decoded in full.
 */
export function readRoutineRecord(
  body: Buffer,
  maxBytes: number,
  lineMayMatter: LineMayMatter,
  out: RoutineRecord,
): boolean {
  const end = body.length;
  if (end === 0 || end > maxBytes) return false;
  // host
  let p = readLength(body, 0, end);
  if (p < 0 || VAL[0] === 0) return false;
  const hostStart = p;
  const hostEnd = p + (VAL[0] as number);
  // the ASCII check and the host table's hash in one pass over the name
  if (!asciiHostHash(body, hostStart, hostEnd)) return false;
  const hostHash = ASCII_HOST_HASH[0] as number;
  p = hostEnd;
  // boot_id
  if (p >= end) return false;
  let bootIdStart = -1;
  let bootIdEnd = -1;
  const idBranch = body[p];
  if (idBranch === 2) {
    p = readLength(body, p + 1, end);
    if (p < 0) return false;
    bootIdStart = p;
    bootIdEnd = p + (VAL[0] as number);
    // not checked for ASCII here: the pipeline only compares it with an ASCII id it holds
    // (`sameAscii`, which fails on any other byte)
    p = bootIdEnd;
  } else if (idBranch === 0) p++;
  else return false;
  // ts
  p = readLong(body, p, end);
  if (p < 0) return false;
  const ts = VAL[0] as number;
  // uptime_us, seq
  p = readOptionalCount(body, p, end);
  if (p < 0) return false;
  const uptimeUs = VAL[0] as number;
  p = readOptionalCount(body, p, end);
  if (p < 0) return false;
  // priority: null or 0..7 (an int: one byte, zigzag 0..14)
  if (p >= end) return false;
  const prBranch = body[p++];
  if (prBranch === 2) {
    if (p >= end) return false;
    const pr = body[p++] as number;
    if (pr > 14 || pr % 2 !== 0) return false;
  } else if (prBranch !== 0) return false;
  // message
  p = readLength(body, p, end);
  if (p < 0) return false;
  const msgStart = p;
  const msgEnd = p + (VAL[0] as number);
  p = msgEnd;
  // arch, kernel_release, source, caller, and nothing after them; their bytes in one pass (the
  // union branches and lengths below 64 are ASCII bytes too: a longer string falls back)
  if (!ascii(body, msgEnd, end)) return false;
  p = skipOptionalString(body, p, end);
  if (p >= 0) p = skipOptionalString(body, p, end);
  if (p >= 0) p = skipOptionalString(body, p, end);
  if (p >= 0) p = skipOptionalString(body, p, end);
  if (p !== end) return false;
  if (lineMayMatter(body, msgStart, msgEnd)) return false;
  out.bytes = body;
  out.hostStart = hostStart;
  out.hostEnd = hostEnd;
  out.hostHash = hostHash;
  out.ts = ts;
  out.uptimeUs = uptimeUs < 0 ? null : uptimeUs;
  out.bootIdStart = bootIdStart;
  out.bootIdEnd = bootIdEnd;
  return true;
}
