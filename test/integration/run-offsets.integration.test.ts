import { describe, expect, it } from 'vitest';
import {
  committedOutputs,
  duplicateVerdicts,
  fleetRecords,
  uninterruptedOutputs,
} from '../runtime/fleet-harness.js';
import {
  configFrom,
  produce,
  readTopic,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
  waitForCommitted,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConnection, uniqueTopic, kafkaSuite } from './kafka-env.js';

describe('poisonlink run restarted on a group offset behind its committed state', () => {
  const suite = kafkaSuite('run-offsets-test');

  it('skips the records its state already holds and ends with the outputs of an uninterrupted run', async () => {
    const t = runTopics(uniqueTopic, 'offsets');
    await createTopic(suite.admin, t.input, 3);
    const { records, malformed } = fleetRecords(10);
    const cut = Math.floor(records.length * 0.6);
    const sets = runSets(kafkaConnection().bootstrap, t, {
      'input.format': 'ndjson',
      'consumer.maxBatchRecords': '2000',
    });

    await produce(suite.kafka, t.input, records.slice(0, cut));
    const first = spawnRun(setArgs(sets));
    suite.children.push(first);
    await waitForCommitted(suite.admin, t.groupId, t.input, 120_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const before = await committedOutputs(suite.kafka, suite.admin, t);
    expect(before.verdicts.length).toBeGreaterThan(0);

    // the group reads from the start again, though the changelog holds the state of every record
    await suite.admin.resetOffsets({ groupId: t.groupId, topic: t.input, earliest: true });
    await produce(suite.kafka, t.input, records.slice(cut));
    const second = spawnRun(setArgs(sets));
    suite.children.push(second);
    await second.waitForLog(
      (l) => l['msg'] === 'group offset behind the restored state; skipping what it holds',
      60_000,
    );
    await waitForCommitted(suite.admin, t.groupId, t.input, 120_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const reference = await uninterruptedOutputs(suite.kafka, suite.admin, t.input, configFrom(sets));
    const got = await committedOutputs(suite.kafka, suite.admin, t);
    expect(duplicateVerdicts(got.verdicts)).toEqual([]);
    expect(got.verdicts).toEqual(reference.verdicts);
    expect(got.hostEvents).toEqual(reference.hostEvents);
    // the first part's malformed records were dead-lettered once, not again after the reset
    const dlq = await readTopic(suite.kafka, suite.admin, t.deadLetter, { timeoutMs: 60_000 });
    expect(dlq).toHaveLength(malformed);
  });
});
