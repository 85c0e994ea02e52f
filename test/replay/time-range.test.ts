import { describe, expect, it } from 'vitest';
import {
  decide,
  expectedRecords,
  type PartitionOffsets,
  parseRfc3339,
  planRange,
  planRanges,
} from '../../src/replay/time-range.js';

const part = (fields: Partial<PartitionOffsets>): PartitionOffsets => ({
  topic: 'kernel-log-events',
  partition: 0,
  low: 100n,
  high: 1000n,
  fromOffset: null,
  toOffset: null,
  ...fields,
});

describe('parseRfc3339', () => {
  it('reads UTC and offset times as the same instant', () => {
    const utc = parseRfc3339('2026-11-20T12:00:00Z', 'down');
    const plus = parseRfc3339('2026-11-20T13:30:00+01:30', 'down');
    const minus = parseRfc3339('2026-11-20t07:00:00-05:00', 'down');
    expect(utc).toEqual({ ok: true, ms: Date.UTC(2026, 10, 20, 12) });
    expect(plus).toEqual(utc);
    expect(minus).toEqual(utc);
  });

  it('keeps milliseconds and rounds a finer fraction up for a lower bound and down for an upper one', () => {
    expect(parseRfc3339('2026-11-20T12:00:00.250Z', 'down')).toEqual({
      ok: true,
      ms: Date.UTC(2026, 10, 20, 12) + 250,
    });
    expect(parseRfc3339('2026-11-20T12:00:00.250001Z', 'up')).toEqual({
      ok: true,
      ms: Date.UTC(2026, 10, 20, 12) + 251,
    });
    expect(parseRfc3339('2026-11-20T12:00:00.250999999Z', 'down')).toEqual({
      ok: true,
      ms: Date.UTC(2026, 10, 20, 12) + 250,
    });
  });

  it('accepts a space between date and time, as RFC 3339 allows', () => {
    expect(parseRfc3339('2026-11-20 12:00:00Z', 'down')).toEqual({
      ok: true,
      ms: Date.UTC(2026, 10, 20, 12),
    });
  });

  it.each([
    '2026-11-20',
    '2026-11-20T12:00:00',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-20T24:00:00Z',
    '1763640000',
    'yesterday',
  ])('rejects %s with a message naming the expected form', (text) => {
    const r = parseRfc3339(text, 'down');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain('RFC 3339');
  });
});

describe('planRange', () => {
  it('reads from the low watermark to the high watermark without --from and --to', () => {
    expect(planRange(part({}))).toEqual({
      topic: 'kernel-log-events',
      partition: 0,
      start: 100n,
      high: 1000n,
      expectedEnd: 1000n,
    });
  });

  it('starts at the offset found for --from and expects to end at the offset found for --to', () => {
    const r = planRange(part({ fromOffset: 300n, toOffset: 700n }));
    expect(r.start).toBe(300n);
    expect(r.expectedEnd).toBe(700n);
    expect(r.high).toBe(1000n);
  });

  it('reads nothing when no record is at or after --from (Kafka answers -1)', () => {
    const r = planRange(part({ fromOffset: -1n, toOffset: -1n }));
    expect(r.start).toBe(1000n);
    expect(r.expectedEnd).toBe(1000n);
  });

  it('expects the whole rest of the partition when no record is after --to', () => {
    const r = planRange(part({ fromOffset: 400n, toOffset: -1n }));
    expect(r.start).toBe(400n);
    expect(r.expectedEnd).toBe(1000n);
  });

  it('never starts below the low watermark (deleted segments) nor ends before it starts', () => {
    const r = planRange(part({ fromOffset: 20n, toOffset: 10n }));
    expect(r.start).toBe(100n);
    expect(r.expectedEnd).toBe(100n);
  });

  it('orders partitions by topic then partition and sums the expected records', () => {
    const ranges = planRanges([
      part({ topic: 'b', partition: 1, fromOffset: 900n }),
      part({ topic: 'a', partition: 2, low: 0n, high: 10n }),
      part({ topic: 'a', partition: 0, toOffset: 150n }),
    ]);
    expect(ranges.map((r) => `${r.topic}/${r.partition}`)).toEqual(['a/0', 'a/2', 'b/1']);
    expect(expectedRecords(ranges)).toBe(50 + 10 + 100);
  });
});

describe('decide', () => {
  const range = planRange(part({ fromOffset: 200n }));
  const toMs = 1_000_000;

  it('takes a record inside the range whose timestamp is not after --to', () => {
    expect(decide(range, 200n, toMs, toMs)).toBe('take');
    expect(decide(range, 999n, 5, toMs)).toBe('take');
  });

  it('stops at the first record stamped after --to', () => {
    expect(decide(range, 500n, toMs + 1, toMs)).toBe('after-to');
  });

  it('stops at the high watermark captured at start even without --to', () => {
    expect(decide(range, 1000n, 0, null)).toBe('past-high');
  });

  it('ignores a record below the start (fetched before the seek took hold)', () => {
    expect(decide(range, 199n, 0, toMs)).toBe('before-start');
  });
});
