/**
 * The offset range of each input partition that `poisonlink replay --from --to` reads. Pure: the
 * caller asks Kafka for the low/high watermarks and the offsets by timestamp, this decides.
 *
 * Kafka indexes record timestamps (CreateTime as the shipper set it, or LogAppendTime), not the
 * events' own `ts`, so `--from` / `--to` select records by record timestamp:
 * - start = the first offset whose timestamp is at or after `--from` (ListOffsets by time), else
 *   the partition's low watermark;
 * - stop = the first record after start whose timestamp is after `--to`, or the high watermark
 *   captured when the replay started, whichever comes first. Records appended after the start are
 *   never read, so a replay of a live topic ends.
 * Records between start and stop are all read, even one whose timestamp is out of order (a late
 * shipper): the live run saw them in that order too.
 */

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** low and high watermark at the start of the replay */
  low: bigint;
  high: bigint;
  /** ListOffsets(--from): first offset with timestamp >= from; null without --from */
  fromOffset: bigint | null;
  /** ListOffsets(--to + 1 ms): first offset with timestamp > to; null without --to */
  toOffset: bigint | null;
}

export interface PartitionRange {
  topic: string;
  partition: number;
  /** first offset to read */
  start: bigint;
  /** hard stop: the high watermark at start (exclusive) */
  high: bigint;
  /** expected end (exclusive), for progress only: the --to lookup clamped to [start, high] */
  expectedEnd: bigint;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const minOffset = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const min = minOffset;

/**
 * Kafka answers -1 for "no record at or after this time"; kafkajs turns that into the high
 * watermark, other clients do not: both mean "nothing from here", i.e. the high watermark.
 */
function lookedUp(offset: bigint | null, high: bigint): bigint | null {
  if (offset === null) return null;
  return offset < 0n ? high : offset;
}

export function planRange(p: PartitionOffsets): PartitionRange {
  const from = lookedUp(p.fromOffset, p.high);
  const start = min(max(from ?? p.low, p.low), p.high);
  const to = lookedUp(p.toOffset, p.high);
  const expectedEnd = min(max(to ?? p.high, start), p.high);
  return { topic: p.topic, partition: p.partition, start, high: p.high, expectedEnd };
}

export function planRanges(parts: readonly PartitionOffsets[]): PartitionRange[] {
  return parts
    .map(planRange)
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/** records the plan expects to read (exact without --to; an estimate with it) */
export function expectedRecords(ranges: readonly PartitionRange[]): number {
  let n = 0n;
  for (const r of ranges) n += r.expectedEnd - r.start;
  return Number(n);
}

export type RecordDecision = 'take' | 'before-start' | 'past-high' | 'after-to';

/** What to do with the record at `offset` (timestamp `timestampMs`) of a partition. */
export function decide(
  range: PartitionRange,
  offset: bigint,
  timestampMs: number,
  toMs: number | null,
): RecordDecision {
  if (offset < range.start) return 'before-start';
  if (offset >= range.high) return 'past-high';
  if (toMs !== null && timestampMs > toMs) return 'after-to';
  return 'take';
}

/**
 * RFC 3339 date-time (`2026-11-25T18:10:23Z`, `2026-11-25 18:10:23.5+01:00`) → ms since the epoch.
 * `round` says which way a sub-millisecond fraction goes: up for an inclusive lower bound (a record
 * stamped in whole ms is at or after `...00.0005` only from `...00.001`), down for an upper one.
 */
export function parseRfc3339(
  text: string,
  round: 'up' | 'down',
): { ok: true; ms: number } | { ok: false; message: string } {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(
      text.trim(),
    );
  const bad = {
    ok: false as const,
    message: `expected an RFC 3339 time like 2026-11-25T18:10:23Z, found '${text}'`,
  };
  if (m === null) return bad;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return bad;
  const base = Date.UTC(Number(y), month - 1, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls 2026-02-30 over into March: a day the month does not have is an error
  if (new Date(base).getUTCDate() !== day) return bad;
  let offsetMin = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 23 || zm > 59) return bad;
    offsetMin = sign * (zh * 60 + zm);
  }
  const digits = (frac ?? '').padEnd(9, '0');
  const wholeMs = Number(digits.slice(0, 3));
  const rest = Number(digits.slice(3));
  const ms = base - offsetMin * 60_000 + wholeMs + (round === 'up' && rest > 0 ? 1 : 0);
  return { ok: true, ms };
}
