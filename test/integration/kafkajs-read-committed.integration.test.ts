/**
 * kafkajs 2.2.4 delivers records of aborted transactions when a partition's aborted transactions
 * end in another order than they began (the broker lists them by abort marker): the situation of
 * a killed processor whose partition workers' transactions are aborted one by one. Reproduced on
 * the real broker with two transactional producers; src/source/kafkajs-read-committed.ts fixes it.
 */
import { type Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopic } from '../runtime/run-harness.js';
import { createTopic, kafkaConfig, uniqueTopic } from './kafka-env.js';

describe('read_committed consumers on a partition with interleaved aborted transactions', () => {
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = new Kafka(kafkaConfig({ clientId: 'read-committed-test' }));
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
  });

  it('deliver only committed records when the transaction begun first is aborted last', async () => {
    const topic = uniqueTopic('aborted-order');
    await createTopic(admin, topic, 1);
    const producer = (id: string) =>
      kafka.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 });
    const first = producer('first');
    const second = producer('second');
    await first.connect();
    await second.connect();
    try {
      const t1 = await first.transaction();
      await t1.send({ topic, messages: [{ key: 'first', value: 'aborted, begun first' }] });
      const t2 = await second.transaction();
      await t2.send({ topic, messages: [{ key: 'second', value: 'aborted, begun second' }] });
      await t2.abort();
      await t1.abort();
      const t3 = await first.transaction();
      await t3.send({ topic, messages: [{ key: 'first', value: 'committed' }] });
      await t3.commit();
    } finally {
      await first.disconnect();
      await second.disconnect();
    }
    const read = await readTopic(kafka, admin, topic, { timeoutMs: 30_000 });
    expect(read.map((r) => r.message.value?.toString())).toEqual(['committed']);
  });
});
