/**
 * The group's committed offset can read behind the state committed with it: a broker answers an
 * offset fetch with the previous offset until it has applied the transaction's commit marker
 * (Kafka's `require_stable`, which kafkajs does not send), the window a SIGKILL right after a
 * commit lands in; an operator can also reset the offsets. Each transaction writes the next input
 * offset to the changelog beside the state, and a restarted partition skips what its state holds.
 * Reproduced deterministically here by resetting the group to the earliest offsets between runs.
 */
import { type Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  committedOutputs,
  duplicateVerdicts,
  fleetRecords,
  uninterruptedOutputs,
} from '../runtime/fleet-harness.js';
import {
  type ChildRun,
  configFrom,
  produce,
  readTopic,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
  waitForCommitted,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConfig, kafkaConnection, uniqueTopic } from './kafka-env.js';

describe('poisonlink run restarted on a group offset behind its committed state', () => {
  let kafka: Kafka;
  let admin: Admin;
  const children: ChildRun[] = [];

  beforeAll(async () => {
    kafka = new Kafka(kafkaConfig({ clientId: 'run-offsets-test' }));
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await admin?.disconnect();
  });

  it('skips the records its state already holds and ends with the outputs of an uninterrupted run', async () => {
    const t = runTopics(uniqueTopic, 'offsets');
    await createTopic(admin, t.input, 3);
    const { records, malformed } = fleetRecords(10);
    const cut = Math.floor(records.length * 0.6);
    const sets = runSets(kafkaConnection().bootstrap, t, {
      'input.format': 'ndjson',
      'consumer.maxBatchRecords': '2000',
    });

    await produce(kafka, t.input, records.slice(0, cut));
    const first = spawnRun(setArgs(sets));
    children.push(first);
    await waitForCommitted(admin, t.groupId, t.input, 120_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const before = await committedOutputs(kafka, admin, t);
    expect(before.verdicts.length).toBeGreaterThan(0);

    // the group reads from the start again, though the changelog holds the state of every record
    await admin.resetOffsets({ groupId: t.groupId, topic: t.input, earliest: true });
    await produce(kafka, t.input, records.slice(cut));
    const second = spawnRun(setArgs(sets));
    children.push(second);
    await second.waitForLog(
      (l) => l['msg'] === 'group offset behind the restored state; skipping what it holds',
      60_000,
    );
    await waitForCommitted(admin, t.groupId, t.input, 120_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const reference = await uninterruptedOutputs(kafka, admin, t.input, configFrom(sets));
    const got = await committedOutputs(kafka, admin, t);
    expect(duplicateVerdicts(got.verdicts)).toEqual([]);
    expect(got.verdicts).toEqual(reference.verdicts);
    expect(got.hostEvents).toEqual(reference.hostEvents);
    // the first part's malformed records were dead-lettered once, not again after the reset
    const dlq = await readTopic(kafka, admin, t.deadLetter, { timeoutMs: 60_000 });
    expect(dlq).toHaveLength(malformed);
  });
});
