import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../src/sink/dead-letter.js';
import {
  caughtUpTransactional,
  committedOutputs,
  duplicateVerdicts,
  fleetRecords,
  progress,
  uninterruptedOutputs,
} from '../runtime/fleet-harness.js';
import {
  configFrom,
  headerText,
  produce,
  readTopic,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConnection, uniqueTopic, kafkaSuite } from './kafka-env.js';

const REPLICAS = 5;

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('poisonlink run with input not keyed by host', () => {
  const suite = kafkaSuite('run-repartition-test');

  it('re-keys every good record by host through the repartition topic and processes it there', async () => {
    const t = runTopics(uniqueTopic, 'repart');
    await createTopic(suite.admin, t.input, 3);
    const { records, malformed } = fleetRecords(REPLICAS);
    // no keys: the producer spreads each host's records over the partitions
    await produce(
      suite.kafka,
      t.input,
      records.map((r) => ({ ...r, key: null })),
    );
    const sets = runSets(kafkaConnection().bootstrap, t, {
      'input.format': 'ndjson',
      'input.keyedByHost': 'false',
    });
    const run = spawnRun(setArgs(sets));
    suite.children.push(run);
    const good = records.length - malformed;
    await until(
      'the repartition stage to commit the input',
      async () => (await progress(suite.admin, `${t.groupId}.repartition`, t.input, records.length)).done,
      120_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${run.tail()}`);
    });
    await until(
      'the stateful stage to commit the repartition topic',
      async () => caughtUpTransactional(suite.admin, t.groupId, t.repartition),
      120_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${run.tail()}`);
    });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    const repartitioned = await readTopic(suite.kafka, suite.admin, t.repartition);
    expect(repartitioned).toHaveLength(good);
    const partitionOfHost = new Map<string, Set<number>>();
    for (const r of repartitioned) {
      const host = r.message.key!.toString();
      expect(JSON.parse(r.message.value!.toString()).host).toBe(host);
      const set = partitionOfHost.get(host) ?? new Set<number>();
      set.add(r.partition);
      partitionOfHost.set(host, set);
    }
    expect(partitionOfHost.size).toBe(8 * REPLICAS);
    for (const [host, parts] of partitionOfHost) expect(parts.size, host).toBe(1);

    const dlq = await readTopic(suite.kafka, suite.admin, t.deadLetter);
    expect(dlq).toHaveLength(malformed);
    expect(dlq.map((r) => headerText(r.message.headers, DLQ_HEADERS.topic))).toEqual(
      Array(malformed).fill(t.input),
    );

    const reference = await uninterruptedOutputs(suite.kafka, suite.admin, t.repartition, configFrom(sets));
    expect(reference.verdicts.length).toBeGreaterThan(0);
    const got = await committedOutputs(suite.kafka, suite.admin, t);
    expect(duplicateVerdicts(got.verdicts)).toEqual([]);
    expect(got.verdicts).toEqual(reference.verdicts);
    expect(got.hostEvents).toEqual(reference.hostEvents);
  });
});
