/**
 * Issue 6 item 8b: the processor is killed with SIGKILL at random points while records flow and
 * restarted each time; under read_committed no output is lost or duplicated, and the final
 * outputs equal an uninterrupted run of the same records.
 *
 * Scale: the sample fleet (samples/fleet.ndjson, 2,420 records of 8 hosts with crashes, poison,
 * MCEs and one malformed line) replicated RUN_KILL_REPLICAS times (default 83: 200,860 records,
 * 664 hosts, as the issue asks); RUN_KILL_REPLICAS=10 makes a quick run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTriagedCrashCodec, createHostHardwareEventCodec } from '../../src/decode/codecs.js';
import { createPipeline } from '../../src/pipeline.js';
import { ChunkCollector, runChunk } from '../../src/runtime/stages.js';
import { createEventDecoder } from '../../src/source/decoder.js';
import { DLQ_HEADERS } from '../../src/sink/dead-letter.js';
import { createOutputEncoders } from '../../src/sink/encoders.js';
import {
  type ChildRun,
  configFrom,
  headerText,
  type Produced,
  produce,
  REPO_ROOT,
  readTopic,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConfig, kafkaConnection, uniqueTopic } from './kafka-env.js';

const REPLICAS = Number(process.env['RUN_KILL_REPLICAS'] ?? '83');
const PARTITIONS = 3;
const MAX_KILLS = 6;

function fleetRecords(): { records: Produced[]; malformed: number } {
  const lines = readFileSync(path.join(REPO_ROOT, 'samples', 'fleet.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const records: Produced[] = [];
  let malformed = 0;
  // replica k of host h is host `h~k`; records interleave replicas, each host's order is kept
  for (const line of lines) {
    let host: string | null = null;
    try {
      host = (JSON.parse(line) as { host: string }).host;
    } catch {
      host = null;
    }
    for (let k = 0; k < REPLICAS; k++) {
      if (host === null) {
        malformed++;
        records.push({ key: `malformed~${k}`, value: Buffer.from(line), headers: { replica: String(k) } });
      } else {
        const h = `${host}~${k}`;
        records.push({
          key: h,
          value: Buffer.from(line.replace(`"host":${JSON.stringify(host)}`, `"host":${JSON.stringify(h)}`)),
        });
      }
    }
  }
  return { records, malformed };
}

describe('poisonlink run killed with SIGKILL while records flow', () => {
  let kafka: Kafka;
  let admin: Admin;
  const children: ChildRun[] = [];

  beforeAll(async () => {
    kafka = new Kafka(kafkaConfig({ clientId: 'run-kill-test' }));
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await admin?.disconnect();
  });

  it('loses and duplicates nothing under read_committed and ends with the outputs of an uninterrupted run', async () => {
    const t = runTopics(uniqueTopic, 'kill');
    await createTopic(admin, t.input, PARTITIONS);
    const { records, malformed } = fleetRecords();
    const sets = runSets(kafkaConnection().bootstrap, t, {
      'input.format': 'ndjson',
      'consumer.maxBatchRecords': '2000',
      'log.level': 'info',
    });

    // records flow while the processor is killed: produce in slices in the background
    const slices = 8;
    const producing = (async () => {
      const per = Math.ceil(records.length / slices);
      for (let i = 0; i < slices; i++) {
        await produce(kafka, t.input, records.slice(i * per, (i + 1) * per));
        await new Promise((r) => setTimeout(r, 2500));
      }
    })();

    const started = Date.now();
    const committedTotal = async (): Promise<{ done: boolean; committed: bigint; end: bigint }> => {
      try {
        const ends = await admin.fetchTopicOffsets(t.input);
        const res = await admin.fetchOffsets({ groupId: t.groupId, topics: [t.input] });
        const by = new Map(res[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
        let committed = 0n;
        let end = 0n;
        for (const e of ends) {
          committed += (by.get(e.partition) ?? -1n) < 0n ? 0n : by.get(e.partition)!;
          end += BigInt(e.high);
        }
        return { done: end === BigInt(records.length) && committed === end, committed, end };
      } catch {
        return { done: false, committed: -1n, end: -1n };
      }
    };

    let kills = 0;
    const killedAt: string[] = [];
    let run = spawnRun(setArgs(sets));
    children.push(run);
    while (kills < MAX_KILLS) {
      await run.waitForLog((l) => l['msg'] === 'processor started', 60_000);
      // a random point: between 0.3 and 3 s after start (restore, processing or commit)
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 2700));
      const before = await committedTotal();
      if (before.done) break;
      run.child.kill('SIGKILL');
      await run.exited;
      kills++;
      killedAt.push(`${before.committed}/${before.end}`);
      run = spawnRun(setArgs(sets));
      children.push(run);
    }
    await producing;
    const deadline = Date.now() + 240_000;
    let state = await committedTotal();
    while (!state.done && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      state = await committedTotal();
    }
    expect(state.done, `${state.committed}/${state.end} committed\n${run.tail()}`).toBe(true);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `run-kill: ${records.length} records, ${kills} SIGKILLs at committed/end ${killedAt.join(', ')}, ${seconds.toFixed(0)} s`,
    );
    expect(kills).toBeGreaterThanOrEqual(3);

    // reference: the same partitions' records through the same stages, uninterrupted, no Kafka
    const input = await readTopic(kafka, admin, t.input, { timeoutMs: 120_000 });
    expect(input).toHaveLength(records.length);
    const config = configFrom(sets);
    const decoder = createEventDecoder(config);
    const encoders = createOutputEncoders();
    const refVerdicts: string[] = [];
    const refHostEvents: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const collector = new ChunkCollector();
      const pipeline = createPipeline({
        correlation: config.correlation,
        limits: config.state,
        sink: collector,
      });
      const msgs = input
        .filter((r) => r.partition === p)
        .map((r) => r.message)
        .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
      const out = await runChunk(
        {
          pipeline,
          collector,
          decoder,
          encoders,
          partition: p,
          watermarkUs: null,
          onInternalError: () => {},
        },
        t.input,
        msgs,
      );
      refVerdicts.push(...out.verdicts.map((v) => JSON.stringify(v)));
      refHostEvents.push(...out.hostEvents.map((h) => JSON.stringify(h)));
    }
    expect(refVerdicts.length).toBeGreaterThan(REPLICAS);

    const crashCodec = createTriagedCrashCodec();
    const hostCodec = createHostHardwareEventCodec();
    const verdicts = (await readTopic(kafka, admin, t.verdicts, { timeoutMs: 120_000 })).map((r) => {
      const d = crashCodec.decodeRaw(r.message.value!);
      if (!d.ok) throw new Error(d.error.message);
      return JSON.stringify({ ...d.value });
    });
    const hostEvents = (await readTopic(kafka, admin, t.hostEvents, { timeoutMs: 120_000 })).map((r) => {
      const d = hostCodec.decodeRaw(r.message.value!);
      if (!d.ok) throw new Error(d.error.message);
      return JSON.stringify({ ...d.value });
    });
    // no duplicates: every (crash_id, revision) once
    const ids = verdicts.map((v) => {
      const o = JSON.parse(v) as { crash_id: string; revision: number };
      return `${o.crash_id}#${o.revision}`;
    });
    expect(new Set(ids).size).toBe(ids.length);
    // nothing lost, nothing different
    expect(verdicts.length).toBe(refVerdicts.length);
    expect([...verdicts].sort()).toEqual([...refVerdicts].map((v) => JSON.stringify(JSON.parse(v))).sort());
    expect([...hostEvents].sort()).toEqual(
      [...refHostEvents].map((v) => JSON.stringify(JSON.parse(v))).sort(),
    );

    const dlq = await readTopic(kafka, admin, t.deadLetter, { timeoutMs: 60_000 });
    expect(dlq).toHaveLength(malformed);
    expect(new Set(dlq.map((r) => headerText(r.message.headers, 'replica'))).size).toBe(malformed);
    expect(new Set(dlq.map((r) => headerText(r.message.headers, DLQ_HEADERS.code)))).toEqual(
      new Set(['INVALID_JSON']),
    );
  });
});
