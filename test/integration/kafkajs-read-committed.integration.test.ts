import { describe, expect, it } from 'vitest';
import { readTopic } from '../runtime/run-harness.js';
import { createTopic, uniqueTopic, kafkaSuite } from './kafka-env.js';

describe('read_committed consumers on a partition with interleaved aborted transactions', () => {
  const suite = kafkaSuite('read-committed-test');

  it('deliver only committed records when the transaction begun first is aborted last', async () => {
    const topic = uniqueTopic('aborted-order');
    await createTopic(suite.admin, topic, 1);
    const producer = (id: string) =>
      suite.kafka.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 });
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
    const read = await readTopic(suite.kafka, suite.admin, topic, { timeoutMs: 30_000 });
    expect(read.map((r) => r.message.value?.toString())).toEqual(['committed']);
  });
});
