/**
 * Issue 6 item 3: input not keyed by host (`input.keyedByHost: false`) goes through the
 * repartition topic keyed by host first; bad records are dead-lettered there; the stateful stage
 * then reads the repartition topic, where each host lives on one partition.
 */
import { type Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  type ChildRun,
  configFrom,
  headerText,
  produce,
  readTopic,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConfig, kafkaConnection, uniqueTopic } from './kafka-env.js';

const REPLICAS = 5;

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('poisonlink run with input not keyed by host', () => {
  let kafka: Kafka;
  let admin: Admin;
  const children: ChildRun[] = [];

  beforeAll(async () => {
    kafka = new Kafka(kafkaConfig({ clientId: 'run-repartition-test' }));
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await admin?.disconnect();
  });

  it('re-keys every good record by host through the repartition topic and processes it there', async () => {
    const t = runTopics(uniqueTopic, 'repart');
    await createTopic(admin, t.input, 3);
    const { records, malformed } = fleetRecords(REPLICAS);
    // no keys: the producer spreads each host's records over the partitions
    await produce(
      kafka,
      t.input,
      records.map((r) => ({ ...r, key: null })),
    );
    const sets = runSets(kafkaConnection().bootstrap, t, {
      'input.format': 'ndjson',
      'input.keyedByHost': 'false',
    });
    const run = spawnRun(setArgs(sets));
    children.push(run);
    const good = records.length - malformed;
    await until(
      'the repartition stage to commit the input',
      async () => (await progress(admin, `${t.groupId}.repartition`, t.input, records.length)).done,
      120_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${run.tail()}`);
    });
    await until(
      'the stateful stage to commit the repartition topic',
      async () => caughtUpTransactional(admin, t.groupId, t.repartition),
      120_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${run.tail()}`);
    });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    const repartitioned = await readTopic(kafka, admin, t.repartition);
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

    const dlq = await readTopic(kafka, admin, t.deadLetter);
    expect(dlq).toHaveLength(malformed);
    expect(dlq.map((r) => headerText(r.message.headers, DLQ_HEADERS.topic))).toEqual(
      Array(malformed).fill(t.input),
    );

    const reference = await uninterruptedOutputs(kafka, admin, t.repartition, configFrom(sets));
    expect(reference.verdicts.length).toBeGreaterThan(0);
    const got = await committedOutputs(kafka, admin, t);
    expect(duplicateVerdicts(got.verdicts)).toEqual([]);
    expect(got.verdicts).toEqual(reference.verdicts);
    expect(got.hostEvents).toEqual(reference.hostEvents);
  });
});
