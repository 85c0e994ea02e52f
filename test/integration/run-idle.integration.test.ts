/**
 * A crashed host prints nothing after its crash. When its partition falls silent, event time
 * follows the wall clock (after 30 s of silence with nothing left to read) so the crash's report
 * closes and its verdict is emitted, in a transaction of its own.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TriagedCrash } from '../../src/model/verdict.js';
import { committedOutputs, progress } from '../runtime/fleet-harness.js';
import { produce, REPO_ROOT, runSets, runTopics, setArgs, spawnRun } from '../runtime/run-harness.js';
import { createTopic, kafkaConnection, uniqueTopic, kafkaSuite } from './kafka-env.js';

describe('poisonlink run on a partition that falls silent after a crash', () => {
  const suite = kafkaSuite('run-idle-test');

  it('emits the verdict of the last crash once the partition has been silent long enough', async () => {
    const t = runTopics(uniqueTopic, 'idle');
    await createTopic(suite.admin, t.input, 1);
    // edge-06 of the sample fleet: a NULL pointer dereference in a driver, its last words
    const lines = readFileSync(path.join(REPO_ROOT, 'samples', 'fleet.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"host":"edge-06"'));
    expect(lines.length).toBeGreaterThan(10);
    await produce(
      suite.kafka,
      t.input,
      lines.map((l) => ({ key: 'edge-06', value: Buffer.from(l) })),
    );
    // the pipeline holds a first verdict until late evidence can no longer change it (latenessMs of
    // event time); a short window keeps this test under a minute and a half
    const sets = runSets(kafkaConnection().bootstrap, t, {
      'input.format': 'ndjson',
      'correlation.latenessMs': '20000',
    });
    const run = spawnRun(setArgs(sets));
    suite.children.push(run);
    const deadline = Date.now() + 60_000;
    while (!(await progress(suite.admin, t.groupId, t.input, lines.length)).done) {
      if (Date.now() > deadline) throw new Error(`not committed\n${run.tail()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const idle = await run.waitForLog(
      (l) =>
        l['msg'] === 'idle partition: event time advanced by the wall clock' && Number(l['verdicts']) > 0,
      120_000,
    );
    expect(Number(idle['idle_ms'])).toBeGreaterThanOrEqual(30_000);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const out = await committedOutputs(suite.kafka, suite.admin, t);
    const verdicts = out.verdicts.map((v) => JSON.parse(v) as TriagedCrash);
    expect(verdicts.map((v) => `${v.host} ${v.category}/${v.reason}`)).toContain(
      'edge-06 NEW_CRASH/UNMATCHED',
    );
  });
});
