/**
 * The repartition stage against a fake broker (one module under test; the stage end to end on the
 * real broker is test/integration/run-repartition): a transaction that committed although its
 * producer was told it failed (the answer was lost) must not be forwarded a second time.
 */
import type { Admin, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { startRepartition } from '../../src/runtime/repartition.js';
import { createEventDecoder } from '../../src/source/decoder.js';
import { createTelemetry } from '../../src/telemetry/index.js';
import { configFrom, runSets, runTopics } from './run-harness.js';

const t = runTopics((s) => s, 'rk');
const config = configFrom(
  runSets('127.0.0.1:9', t, { 'input.format': 'ndjson', 'input.keyedByHost': 'false' }),
);

/** What the fake broker holds once transactions commit: the repartition topic and group offsets. */
class FakeBroker {
  readonly forwarded: string[] = [];
  readonly offsets = new Map<string, string>();
  /** commits that take effect and then fail, as when the answer to EndTxn is lost */
  lostAnswers = 0;
  producers = 0;

  producer() {
    this.producers++;
    return {
      connect: async () => {},
      disconnect: async () => {},
      transaction: async () => {
        const sent: Message[] = [];
        const offsets: Array<[string, string]> = [];
        return {
          sendBatch: async ({
            topicMessages,
          }: {
            topicMessages: Array<{ topic: string; messages: Message[] }>;
          }) => {
            for (const tm of topicMessages) if (tm.topic === t.repartition) sent.push(...tm.messages);
          },
          sendOffsets: async (o: {
            topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
          }) => {
            for (const tp of o.topics)
              for (const p of tp.partitions) offsets.push([`${tp.topic}:${p.partition}`, p.offset]);
          },
          commit: async () => {
            for (const m of sent) this.forwarded.push(String(m.value));
            for (const [k, v] of offsets) this.offsets.set(k, v);
            if (this.lostAnswers > 0) {
              this.lostAnswers--;
              throw Object.assign(new Error('Request EndTxn timed out'), {
                name: 'KafkaJSRequestTimeoutError',
                retriable: true,
              });
            }
          },
          abort: async () => {},
        };
      },
    };
  }

  admin(): Admin {
    return {
      fetchOffsets: async ({ topics }: { topics: string[] }) =>
        topics.map((topic) => ({
          topic,
          partitions: [{ partition: 0, offset: this.offsets.get(`${topic}:0`) ?? '-1', metadata: null }],
        })),
    } as unknown as Admin;
  }

  kafka(onRun: (eachBatch: (p: EachBatchPayload) => Promise<void>) => void): Kafka {
    return {
      producer: () => this.producer(),
      consumer: () => ({
        connect: async () => {},
        subscribe: async () => {},
        run: async ({ eachBatch }: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => onRun(eachBatch),
        stop: async () => {},
        disconnect: async () => {},
        on: () => {},
        events: { GROUP_JOIN: 'group.join', CRASH: 'crash' },
      }),
    } as unknown as Kafka;
  }
}

function message(offset: number): KafkaMessage {
  const line = JSON.stringify({
    host: `h${offset % 3}`,
    ts: 1_790_000_000_000_000 + offset,
    message: `line ${offset}`,
  });
  return {
    key: null,
    value: Buffer.from(line),
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
    headers: {},
  } as KafkaMessage;
}

function payload(messages: KafkaMessage[]): EachBatchPayload {
  return {
    batch: { topic: t.input, partition: 0, highWatermark: String(messages.length), messages },
    resolveOffset: () => {},
    heartbeat: async () => {},
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
}

describe('the repartition stage', () => {
  it('does not forward a chunk twice when its commit took effect but was reported failed', async () => {
    const broker = new FakeBroker();
    let running: (f: (p: EachBatchPayload) => Promise<void>) => void = () => {};
    const handler = new Promise<(p: EachBatchPayload) => Promise<void>>((r) => {
      running = r;
    });
    const stage = startRepartition({
      kafka: broker.kafka((f) => running(f)),
      admin: broker.admin(),
      config,
      telemetry: createTelemetry({ level: 'error', write: () => {} }),
      decoder: createEventDecoder(config),
      reportFatal: (e) => {
        throw e;
      },
    });
    const eachBatch = await handler;
    broker.lostAnswers = 1;
    await eachBatch(payload([0, 1, 2, 3].map(message)));
    // one producer for the failed attempt, a new one for the retry, which found the chunk committed
    expect(broker.producers).toBe(2);
    expect(broker.forwarded).toHaveLength(4);
    expect(broker.offsets.get(`${t.input}:0`)).toBe('4');

    // the next chunk goes through once
    await eachBatch(payload([4, 5].map(message)));
    expect(broker.forwarded.map((v) => (JSON.parse(v) as { message: string }).message)).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => `line ${i}`),
    );
    await stage.stop();
  });
});
