import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../src/sink/dead-letter.js';
import {
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

const REPLICAS = Number(process.env['RUN_KILL_REPLICAS'] ?? '83');
const PARTITIONS = 3;
const MAX_KILLS = 6;

describe('poisonlink run killed with SIGKILL while records flow', () => {
  const suite = kafkaSuite('run-kill-test');

  it('loses and duplicates nothing under read_committed and ends with the outputs of an uninterrupted run', async () => {
    const t = runTopics(uniqueTopic, 'kill');
    await createTopic(suite.admin, t.input, PARTITIONS);
    const { records, malformed } = fleetRecords(REPLICAS);
    const sets = runSets(kafkaConnection().bootstrap, t, {
      'input.format': 'ndjson',
      'consumer.maxBatchRecords': '2000',
    });

    // records flow while the processor is killed: produce in slices in the background
    const slices = 8;
    const producing = (async () => {
      const per = Math.ceil(records.length / slices);
      for (let i = 0; i < slices; i++) {
        await produce(suite.kafka, t.input, records.slice(i * per, (i + 1) * per));
        await new Promise((r) => setTimeout(r, 2500));
      }
    })();

    const started = Date.now();
    let kills = 0;
    const killedAt: string[] = [];
    let run = spawnRun(setArgs(sets));
    suite.children.push(run);
    while (kills < MAX_KILLS) {
      await run.waitForLog((l) => l['msg'] === 'processor started', 60_000);
      // a random point: between 0.3 and 3 s after start (restore, processing or commit)
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 2700));
      const before = await progress(suite.admin, t.groupId, t.input, records.length);
      if (before.done) break;
      run.child.kill('SIGKILL');
      await run.exited;
      kills++;
      killedAt.push(`${before.committed}/${before.end}`);
      run = spawnRun(setArgs(sets));
      suite.children.push(run);
    }
    await producing;
    const deadline = Date.now() + 240_000;
    let state = await progress(suite.admin, t.groupId, t.input, records.length);
    while (!state.done && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      state = await progress(suite.admin, t.groupId, t.input, records.length);
    }
    expect(state.done, `${state.committed}/${state.end} committed\n${run.tail()}`).toBe(true);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(3);

    const reference = await uninterruptedOutputs(suite.kafka, suite.admin, t.input, configFrom(sets));
    expect(reference.records).toBe(records.length);
    expect(reference.verdicts.length).toBeGreaterThan(REPLICAS);
    const got = await committedOutputs(suite.kafka, suite.admin, t);
    console.log(
      `run-kill: ${records.length} records, ${kills} SIGKILLs at committed/end ${killedAt.join(', ')}, ` +
        `${got.verdicts.length} verdicts, ${got.hostEvents.length} host events, ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    expect(duplicateVerdicts(got.verdicts)).toEqual([]);
    expect(got.verdicts).toEqual(reference.verdicts);
    expect(got.hostEvents).toEqual(reference.hostEvents);

    const dlq = await readTopic(suite.kafka, suite.admin, t.deadLetter, { timeoutMs: 60_000 });
    expect(dlq).toHaveLength(malformed);
    expect(new Set(dlq.map((r) => headerText(r.message.headers, 'replica'))).size).toBe(malformed);
    expect(new Set(dlq.map((r) => headerText(r.message.headers, DLQ_HEADERS.code)))).toEqual(
      new Set(['INVALID_JSON']),
    );
  });
});
