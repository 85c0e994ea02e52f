import { describe, expect, it } from 'vitest';
import { filterAbortedMessages, readCommittedFixActive } from '../../src/source/kafkajs-read-committed.js';

/** A fetched record as kafkajs decodes it; `marker` makes it a control record (0 abort, 1 commit). */
function rec(offset: number, producerId: string, opts: { txn?: boolean; marker?: 0 | 1 } = {}) {
  return {
    offset: String(offset),
    key: opts.marker === undefined ? Buffer.from(`k${offset}`) : Buffer.from([0, 0, 0, opts.marker]),
    isControlRecord: opts.marker !== undefined,
    batchContext: { producerId, inTransaction: opts.txn ?? true },
  };
}

const offsets = (ms: ReadonlyArray<{ offset: string; isControlRecord: boolean }>) =>
  ms.filter((m) => !m.isControlRecord).map((m) => Number(m.offset));

describe('read_committed filter for kafkajs', () => {
  it('drops two producers’ aborted transactions listed in the order of their abort markers', () => {
    // producer 1 began first (offset 0) but was aborted last: the broker lists it second
    const messages = [
      rec(0, '1'),
      rec(1, '2'),
      rec(2, '1'),
      rec(3, '2', { marker: 0 }),
      rec(4, '1', { marker: 0 }),
      rec(5, '1'),
      rec(6, '1', { marker: 1 }),
    ];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [
        { producerId: '2', firstOffset: '1' },
        { producerId: '1', firstOffset: '0' },
      ],
    });
    expect(offsets(kept)).toEqual([5]);
  });

  it('keeps a producer’s committed transactions before and after its aborted one', () => {
    const messages = [
      rec(10, '7'),
      rec(11, '7', { marker: 1 }),
      rec(12, '7'),
      rec(13, '7'),
      rec(14, '7', { marker: 0 }),
      rec(15, '7'),
      rec(16, '7', { marker: 1 }),
    ];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [{ producerId: '7', firstOffset: '12' }],
    });
    expect(offsets(kept)).toEqual([10, 15]);
  });

  it('keeps records written outside transactions by an aborted producer id, and control records', () => {
    const messages = [rec(0, '3'), rec(1, '3', { txn: false }), rec(2, '3', { marker: 0 })];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [{ producerId: '3', firstOffset: '0' }],
    });
    expect(kept.map((m) => Number(m.offset))).toEqual([1, 2]);
  });

  it('takes an aborted transaction that began before the fetched range from the first record on', () => {
    const messages = [
      rec(100, '5'),
      rec(101, '6', { txn: false }),
      rec(102, '5', { marker: 0 }),
      rec(103, '5'),
    ];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [{ producerId: '5', firstOffset: '40' }],
    });
    expect(offsets(kept)).toEqual([101, 103]);
  });

  it('is what kafkajs’s consumer uses in this process', () => {
    expect(readCommittedFixActive()).toBe(true);
  });
});
