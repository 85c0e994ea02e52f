/**
 * A fix for kafkajs 2.2.4's read_committed filter, installed before kafkajs loads.
 *
 * A fetch response lists the partition's aborted transactions in the order of their abort markers
 * (the broker's transaction index), not of their first offsets. kafkajs
 * (`src/consumer/filterAbortedMessages.js`) takes them as sorted by first offset and starts
 * skipping a producer only when the head of that list is reached, one entry per record: when
 * several producers write to a partition and their transactions are aborted in another order than
 * they began (the open transactions of a killed instance's producers, aborted one by one as a new
 * instance takes the partitions over), records of an aborted transaction are delivered as if
 * committed. The Java consumer keeps the list in a priority queue by first offset and takes every
 * entry at or below the record's offset; this does the same.
 *
 * Poisonlink reads transactional topics itself (the changelog, the repartition topic, an input
 * written by a transactional producer), and a record delivered from an aborted transaction there
 * is a record applied twice. The module replaces kafkajs's filter in Node's module cache when it
 * is imported, which must happen before kafkajs's consumer is loaded: every entry point imports
 * it first, and `createKafkaClient` refuses to build a client when the fix is not in effect.
 */
import { createRequire } from 'node:module';

interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

/** Control record type of an abort marker (the key is version int16, type int16). */
const ABORT = 0;

function isAbortMarker(m: FetchedMessage): boolean {
  return m.isControlRecord === true && m.key !== null && m.key.length >= 4 && m.key.readInt16BE(2) === ABORT;
}

/**
 * The messages of one fetched partition that are not part of an aborted transaction (control
 * records are kept: kafkajs drops them afterwards), as the Java consumer decides it.
 */
export function filterAbortedMessages<M extends FetchedMessage>({
  messages,
  abortedTransactions,
}: {
  messages: M[];
  abortedTransactions?: readonly AbortedTransaction[] | null;
}): M[] {
  if (abortedTransactions === undefined || abortedTransactions === null || abortedTransactions.length === 0) {
    return messages;
  }
  const pending = abortedTransactions
    .map((t) => ({ producerId: t.producerId, first: BigInt(t.firstOffset) }))
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const aborted = new Set<string>();
  let next = 0;
  return messages.filter((m) => {
    const offset = BigInt(m.offset);
    for (let p = pending[next]; p !== undefined && p.first <= offset; p = pending[++next]) {
      aborted.add(p.producerId);
    }
    const { producerId, inTransaction } = m.batchContext;
    if (isAbortMarker(m)) {
      aborted.delete(producerId);
      return true;
    }
    return !(inTransaction && aborted.has(producerId));
  });
}

const require = createRequire(import.meta.url);
const FILTER = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const BATCH = require.resolve('kafkajs/src/consumer/batch.js');

// Puts the fixed filter in the module cache, unless kafkajs's consumer is loaded already (it then
// holds the original: readCommittedFixActive says so, and createKafkaClient refuses to run).
if (require.cache[BATCH] === undefined) {
  require(FILTER);
  const cached = require.cache[FILTER];
  if (cached !== undefined) cached.exports = filterAbortedMessages;
}

type BatchClass = new (
  topic: string,
  fetchedOffset: string,
  partitionData: Record<string, unknown>,
) => { messages: FetchedMessage[] };

/**
 * Whether the kafkajs consumer loaded in this process filters aborted transactions correctly: a
 * fetched batch of two producers whose transactions were aborted in the reverse order of their
 * first offsets must deliver nothing.
 */
export function readCommittedFixActive(): boolean {
  const Batch = require(BATCH) as BatchClass;
  const record = (offset: number, producerId: string, key: number[] | null): FetchedMessage => ({
    offset: String(offset),
    key: key === null ? Buffer.from('k') : Buffer.from(key),
    isControlRecord: key !== null,
    batchContext: { producerId, inTransaction: true },
  });
  const batch = new Batch('t', '0', {
    partition: 0,
    highWatermark: '4',
    abortedTransactions: [
      { producerId: '2', firstOffset: '1' },
      { producerId: '1', firstOffset: '0' },
    ],
    messages: [
      record(0, '1', null),
      record(1, '2', null),
      record(2, '2', [0, 0, 0, ABORT]),
      record(3, '1', [0, 0, 0, ABORT]),
    ],
  });
  return batch.messages.length === 0;
}
