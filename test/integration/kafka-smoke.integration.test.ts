import { type Admin, Kafka, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, kafkaConfig, kafkaConnection, scramConfig, uniqueTopic } from './kafka-env.js';

const HOSTS = 50;
const PER_HOST = 200;
const TOTAL = HOSTS * PER_HOST;
const PARTITIONS = 6;

interface Line {
  host: string;
  seq: number;
  message: string;
}

function expectedLine(host: string, seq: number): Line {
  // Shaped like a kmsg record; the content only has to survive the round trip byte for byte.
  return { host, seq, message: `[${(seq * 0.25).toFixed(6)}] smoke line ${seq} of ${host}` };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the integration test broker', () => {
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = new Kafka(kafkaConfig({ clientId: 'kafka-smoke' }));
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
  });

  it('is a real Apache Kafka broker that answers metadata on its PLAINTEXT listener', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(cluster.clusterId).toMatch(/^\S+$/);
    const conn = kafkaConnection();
    if (!conn.external) expect(conn.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('delivers 10,000 host-keyed records through a 6-partition topic to a consumer group intact, once each, and in order per host', async () => {
    const topic = uniqueTopic('smoke-10k');
    const groupId = uniqueTopic('smoke-group');
    await createTopic(admin, topic, PARTITIONS);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const hostName = (h: number): string => `host-${String(h).padStart(3, '0')}`;
    const BATCH = 500;
    for (let start = 0; start < TOTAL; start += BATCH) {
      const messages = [];
      for (let i = start; i < Math.min(start + BATCH, TOTAL); i++) {
        const host = hostName(i % HOSTS);
        const seq = Math.floor(i / HOSTS);
        messages.push({ key: host, value: JSON.stringify(expectedLine(host, seq)) });
      }
      await producer.send({ topic, acks: -1, messages });
    }
    await producer.disconnect();

    const endOffsets = await admin.fetchTopicOffsets(topic);
    expect(endOffsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(TOTAL);
    // Keys spread over more than one partition, or the per-key order check would prove little.
    expect(endOffsets.filter((p) => Number(p.high) > 0).length).toBeGreaterThan(1);

    const received: { key: string; partition: number; line: Line }[] = [];
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          key: message.key?.toString('utf8') ?? '',
          partition,
          line: JSON.parse(message.value?.toString('utf8') ?? 'null') as Line,
        });
      },
    });
    try {
      await waitFor(() => received.length >= TOTAL, 120_000, `${TOTAL} records (have ${received.length})`);
      // Anything delivered twice would arrive right behind the rest.
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await consumer.disconnect();
    }

    expect(received).toHaveLength(TOTAL);
    const byHost = new Map<string, { partitions: Set<number>; seqs: number[] }>();
    for (const r of received) {
      expect(r.line).toEqual(expectedLine(r.key, r.line.seq));
      const entry = byHost.get(r.key) ?? { partitions: new Set<number>(), seqs: [] };
      entry.partitions.add(r.partition);
      entry.seqs.push(r.line.seq);
      byHost.set(r.key, entry);
    }
    expect([...byHost.keys()].sort()).toEqual(Array.from({ length: HOSTS }, (_, h) => hostName(h)));
    const inOrder = Array.from({ length: PER_HOST }, (_, s) => s);
    for (const [host, entry] of byHost) {
      expect(entry.partitions.size, `${host} spread over partitions`).toBe(1);
      expect(entry.seqs, `order of ${host}`).toEqual(inOrder);
    }

    // The group committed what it consumed.
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedTotal = committed
      .flatMap((t) => t.partitions)
      .reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committedTotal).toBe(TOTAL);
  });

  it('runs transactions: a read_committed consumer sees committed records and never aborted ones', async () => {
    const topic = uniqueTopic('smoke-tx');
    await createTopic(admin, topic, 1);
    const producer = kafka.producer({
      transactionalId: uniqueTopic('smoke-tx-id'),
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ key: 'host-a', value: 'aborted' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({
      topic,
      messages: [
        { key: 'host-a', value: 'committed-1' },
        { key: 'host-a', value: 'committed-2' },
      ],
    });
    await committed.commit();
    await producer.disconnect();

    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: uniqueTopic('smoke-tx-group'), readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value?.toString('utf8') ?? '');
      },
    });
    try {
      await waitFor(() => seen.length >= 2, 60_000, 'the committed records');
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await consumer.disconnect();
    }
    expect(seen).toEqual(['committed-1', 'committed-2']);
    // Aborted data and both transaction markers still take offsets in the log.
    const [end] = await admin.fetchTopicOffsets(topic);
    expect(Number(end?.high)).toBe(5);
  });

  it('accepts the SCRAM-SHA-256 and SCRAM-SHA-512 test users on the SASL listener and refuses a wrong password', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      const good = new Kafka(scramConfig(mechanism, { clientId: `smoke-${mechanism}` })).admin();
      await good.connect();
      const cluster = await good.describeCluster();
      await good.disconnect();
      expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);

      const bad = new Kafka(
        scramConfig(mechanism, {
          clientId: `smoke-bad-${mechanism}`,
          password: 'wrong',
          retry: { retries: 0 },
        }),
      ).admin();
      await expect(bad.connect()).rejects.toThrow(/authentication failed/i);
      await bad.disconnect();
    }
  });
});
