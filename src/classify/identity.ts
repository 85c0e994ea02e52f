/**
 * Identity fields of a verdict: `crash_id`, `signature` and the bounded `excerpt`.
 * All are pure functions of the report, so a replay produces the same keys as the live run.
 */
import { createHash } from 'node:crypto';

export const EXCERPT_MAX_LINES = 24;
export const EXCERPT_MAX_CHARS = 240;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Hash of host, boot_id and the report's first record: its kmsg `seq` when known, else its event
 * time. 32 hex digits (128 bits) so that collisions across a fleet's lifetime are negligible.
 * `ordinal` > 0 tells apart reports whose first records share seq or time (two reports in one
 * multi-line record; a shipper stamping whole seconds, where an oops and the WARNING its task's
 * exit prints fall in the same second): the correlator gives the later one the next ordinal.
 */
export function crashId(
  host: string,
  bootId: string | null,
  firstSeq: number | null,
  ts: number,
  ordinal = 0,
): string {
  const first = firstSeq !== null ? `seq:${firstSeq}` : `ts:${ts}`;
  const nth = ordinal > 0 ? `\u0000#${ordinal}` : '';
  return sha256Hex(`${host}\u0000${bootId ?? ''}\u0000${first}${nth}`).slice(0, 32);
}

/**
 * The title with the parts that vary between occurrences of one bug removed: hex numbers,
 * free-standing decimal numbers (line numbers, CPU numbers, sizes, counters) and runs of spaces.
 * Digits inside identifiers (`ip6_route`, `sha256_update`) are kept, since they name functions.
 */
export function normalizeTitle(title: string): string {
  return title
    .slice(0, 512)
    .replace(/\b0x[0-9a-fA-F]+\b/g, 'X')
    .replace(/\b[0-9a-f]{8,}\b/g, 'X')
    .replace(/(^|[^A-Za-z0-9_])\d+/g, '$1N')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Stable grouping key: first 16 hex digits of sha256 of the normalized title. */
export function titleSignature(title: string): string {
  return sha256Hex(normalizeTitle(title)).slice(0, 16);
}

/** The first lines of the report, each cut to a bounded length. */
export function excerptOf(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (out.length >= EXCERPT_MAX_LINES) break;
    out.push(line.length > EXCERPT_MAX_CHARS ? line.slice(0, EXCERPT_MAX_CHARS) : line);
  }
  return out;
}
