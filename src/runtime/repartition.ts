/**
 * Input that is not keyed by host (`input.keyedByHost: false`) is re-keyed first: this stage reads
 * the input topics in its own group (`<groupId>.repartition`), and for each input partition one
 * transaction writes the chunk's records to the repartition topic keyed by host (original bytes and
 * headers), its dead letters, and its consumed offsets. The stateful stage then reads the
 * repartition topic, where every host lives on one partition.
 *
 * A commit whose answer was lost (the broker restarted, the request timed out) may have happened:
 * every new producer (a first chunk, or a retry after a failure) first completes or aborts what its
 * transactional id left open, then the group's committed offset is read again and the records
 * below it are not forwarded a second time.
 */
import {
  type Admin,
  type EachBatchPayload,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { describeError, type PoisonlinkError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import type { EventDecoder } from '../source/decoder.js';
import { isFenced, toPoisonlinkError } from '../source/kafka-client.js';
import { deadLetterMessage } from '../sink/dead-letter.js';
import { BatchTally, type Telemetry } from '../telemetry/metrics.js';

export interface RepartitionStage {
  stop(): Promise<void>;
}

export interface RepartitionOptions {
  kafka: Kafka;
  /** connected; reads the stage's committed offsets */
  admin: Admin;
  config: Config;
  telemetry: Telemetry;
  decoder: EventDecoder;
  reportFatal: (e: PoisonlinkError) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Key of an input partition in the stage's maps (NUL occurs in no topic name). */
const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export function startRepartition(opts: RepartitionOptions): RepartitionStage {
  const { kafka, admin, config, telemetry, decoder } = opts;
  const log = telemetry.log;
  const groupId = `${config.consumer.groupId}.repartition`;
  const producers = new Map<string, Producer>();
  /** per input partition, the group's committed offset as last read or committed by this stage */
  const committed = new Map<string, bigint>();
  let stopping = false;

  async function producerFor(topic: string, partition: number): Promise<Producer> {
    const key = keyOf(topic, partition);
    let p = producers.get(key);
    if (p !== undefined) return p;
    p = kafka.producer({
      transactionalId: `${groupId}-${topic}-${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: config.producer.transactionTimeoutMs,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    producers.set(key, p);
    // connecting completes or aborts the transaction this id left open; only then is the group's
    // offset the last word on what was committed
    await p.connect();
    const res = await admin.fetchOffsets({ groupId, topics: [topic] });
    const offset = res[0]?.partitions.find((x) => x.partition === partition)?.offset;
    if (offset === undefined || offset === '-1') committed.delete(key);
    else committed.set(key, BigInt(offset));
    return p;
  }

  async function drop(topic: string, partition: number): Promise<void> {
    const key = keyOf(topic, partition);
    const p = producers.get(key);
    producers.delete(key);
    committed.delete(key);
    await p?.disconnect().catch(() => {});
  }

  async function eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    try {
      const max = config.consumer.maxBatchRecords;
      for (let i = 0; i < batch.messages.length; i += max) {
        const chunk = batch.messages.slice(i, i + max);
        const last = BigInt(chunk.at(-1)!.offset);
        const key = keyOf(topic, partition);
        if (decoder.prefetch !== undefined) await decoder.prefetch(chunk.map((m) => m.value));
        const decoded = chunk.map((m) => ({ m, d: decoder.decode(m.value) }));
        let tally = new BatchTally();
        for (let attempt = 0; ; attempt++) {
          if (stopping || !isRunning() || isStale()) return;
          try {
            const producer = await producerFor(topic, partition);
            const from = committed.get(key);
            // everything up to the chunk's end committed already (by a commit whose answer was lost)
            if (from !== undefined && from > last) break;
            tally = new BatchTally();
            const forward: Message[] = [];
            const dead: Message[] = [];
            for (const { m, d } of decoded) {
              if (from !== undefined && BigInt(m.offset) < from) continue;
              if (d.ok) forward.push({ key: d.value.host, value: m.value, headers: m.headers ?? {} });
              else if (!('skipped' in d)) {
                tally.deadLetter(d.error.code);
                dead.push(deadLetterMessage({ topic, partition }, m, d.error));
              }
            }
            const txn = await producer.transaction();
            try {
              const topicMessages = [
                { topic: config.topics.repartition, messages: forward },
                { topic: config.topics.deadLetter, messages: dead },
              ].filter((t) => t.messages.length > 0);
              if (topicMessages.length > 0) await txn.sendBatch({ topicMessages, acks: -1 });
              await txn.sendOffsets({
                consumerGroupId: groupId,
                topics: [{ topic, partitions: [{ partition, offset: (last + 1n).toString() }] }],
              });
              await txn.commit();
            } catch (e: unknown) {
              await txn.abort().catch(() => {});
              throw e;
            }
            committed.set(key, last + 1n);
            break;
          } catch (e: unknown) {
            await drop(topic, partition);
            if (isFenced(e)) {
              log.warn('repartition producer fenced', { topic, partition });
              return;
            }
            log.warn('repartition transaction failed, retrying', {
              topic,
              partition,
              attempt,
              error: toPoisonlinkError(e, config, 'repartitioning'),
            });
            await sleep(Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)));
          }
        }
        // dead letters of this stage are counted here; consumption is counted by the stateful stage
        tally.consume(topic, 0);
        if (tally.deadLettered.size > 0) {
          telemetry.batchCommitted({
            topic,
            partition,
            records: 0,
            durationSeconds: 0,
            lagRecords: Number(BigInt(batch.highWatermark) - last - 1n),
            verdicts: 0,
            hostEvents: 0,
            tally,
          });
        }
        resolveOffset(chunk.at(-1)!.offset);
        await heartbeat().catch(() => {});
      }
    } catch (e: unknown) {
      log.error('repartition batch failed; the records will be fetched again', {
        topic,
        partition,
        error: describeError(e),
      });
      await sleep(500);
    }
  }

  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: config.consumer.sessionTimeoutMs,
    readUncommitted: false,
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
    retry: {
      initialRetryTime: 300,
      maxRetryTime: 10_000,
      retries: 10,
      restartOnFailure: async () => !stopping,
    },
  });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const keep = new Set<string>();
    for (const [t, parts] of Object.entries(e.payload.memberAssignment))
      for (const p of parts) keep.add(keyOf(t, p));
    for (const key of [...producers.keys()]) {
      if (keep.has(key)) continue;
      const [t, p] = key.split('\u0000');
      void drop(t!, Number(p));
    }
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart && !stopping)
      opts.reportFatal(toPoisonlinkError(e.payload.error, config, 'repartitioning'));
  });
  const started = (async () => {
    await consumer.connect();
    for (const topic of config.topics.input) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 2,
      eachBatch,
    });
  })().catch((e: unknown) =>
    opts.reportFatal(toPoisonlinkError(e, config, 'starting the repartition stage')),
  );

  return {
    async stop() {
      stopping = true;
      await started;
      await consumer.stop().catch(() => {});
      await consumer.disconnect().catch(() => {});
      for (const key of [...producers.keys()]) {
        const [t, p] = key.split('\u0000');
        await drop(t!, Number(p));
      }
    },
  };
}
