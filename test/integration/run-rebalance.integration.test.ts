import { describe, expect, it } from 'vitest';
import {
  committedOutputs,
  duplicateVerdicts,
  fleetRecords,
  progress,
  uninterruptedOutputs,
} from '../runtime/fleet-harness.js';
import { configFrom, produce, runSets, runTopics, setArgs, spawnRun } from '../runtime/run-harness.js';
import { createTopic, kafkaConnection, uniqueTopic, kafkaSuite } from './kafka-env.js';

const REPLICAS = 30;
const PARTITIONS = 6;

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('two poisonlink run instances sharing six partitions', () => {
  const suite = kafkaSuite('run-rebalance-test');

  it('moves partitions to a joining instance and back after a SIGKILL, restoring state, with the outputs of an uninterrupted run', async () => {
    const t = runTopics(uniqueTopic, 'rebal');
    await createTopic(suite.admin, t.input, PARTITIONS);
    const { records } = fleetRecords(REPLICAS);
    const sets = runSets(kafkaConnection().bootstrap, t, {
      'input.format': 'ndjson',
      'consumer.maxBatchRecords': '1000',
    });
    const slices = 10;
    const per = Math.ceil(records.length / slices);
    const producing = (async () => {
      for (let i = 0; i < slices; i++) {
        await produce(suite.kafka, t.input, records.slice(i * per, (i + 1) * per));
        await new Promise((r) => setTimeout(r, 2000));
      }
    })();

    const a = spawnRun(setArgs(sets));
    suite.children.push(a);
    await until(
      'the first instance to commit a slice',
      async () => (await progress(suite.admin, t.groupId, t.input, records.length)).committed >= BigInt(per),
      90_000,
    );
    const b = spawnRun(setArgs(sets));
    suite.children.push(b);
    // B gets some partitions, restores them; A lets them go
    await b.waitForLog((l) => l['msg'] === 'partition state restored', 90_000);
    await a.waitForLog((l) => l['msg'] === 'partition revoked', 30_000);
    const bFirst = b.lines.filter((l) => l['msg'] === 'group joined').at(-1)?.['partitions'] as number[];
    expect(bFirst.length).toBeGreaterThan(0);
    expect(bFirst.length).toBeLessThan(PARTITIONS);

    const beforeKill = (await progress(suite.admin, t.groupId, t.input, records.length)).committed;
    await until(
      'more progress with two instances',
      async () =>
        (await progress(suite.admin, t.groupId, t.input, records.length)).committed >=
        beforeKill + BigInt(per),
      90_000,
    );
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAtLine = b.lines.length;
    // B takes all six and restores the partitions A held, with their hosts
    await b.waitForLog(
      (l) =>
        l['msg'] === 'group joined' &&
        Array.isArray(l['partitions']) &&
        l['partitions'].length === PARTITIONS,
      60_000,
    );
    const taken = PARTITIONS - bFirst.length;
    await until(
      'the taken-over partitions to be restored',
      async () =>
        b.lines.slice(killedAtLine).filter((l) => l['msg'] === 'partition state restored').length >= taken,
      60_000,
    );
    const restored = b.lines.slice(killedAtLine).filter((l) => l['msg'] === 'partition state restored');
    expect(restored.some((l) => typeof l['hosts'] === 'number' && (l['hosts'] as number) > 0)).toBe(true);

    await producing;
    await until(
      'every record committed',
      async () => (await progress(suite.admin, t.groupId, t.input, records.length)).done,
      240_000,
    );
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    const reference = await uninterruptedOutputs(suite.kafka, suite.admin, t.input, configFrom(sets));
    expect(reference.records).toBe(records.length);
    expect(reference.verdicts.length).toBeGreaterThan(REPLICAS);
    const got = await committedOutputs(suite.kafka, suite.admin, t);
    expect(duplicateVerdicts(got.verdicts)).toEqual([]);
    expect(got.verdicts).toEqual(reference.verdicts);
    expect(got.hostEvents).toEqual(reference.hostEvents);
  });
});
