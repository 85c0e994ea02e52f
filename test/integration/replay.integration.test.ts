/**
 * `poisonlink replay` against the real broker: the sample fleet (twice, under two host names per
 * machine: 4840 records, one malformed) produced as Avro KernelLogEvent records keyed by host,
 * with record timestamps = event time, then replayed over a sub-range and the full range.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Admin, Kafka, type Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestRevisions } from '../../src/cli/verdict-diff.js';
import { createTriagedCrashCodec } from '../../src/decode/codecs.js';
import { createKernelLogEventCodec } from '../../src/decode/codecs.js';
import type { KernelLogEvent } from '../../src/model/event.js';
import type { TriagedCrash } from '../../src/model/verdict.js';
import { RECORD_TYPE_HEADER, readVerdictLines } from '../../src/replay/output.js';
import { loadKnownIssuesFile } from '../../src/replay/run.js';
import { createProcessor } from '../../src/runtime/processor.js';
import { createTelemetry } from '../../src/telemetry/metrics.js';
import {
  configFrom,
  headerText,
  readTopic,
  runSets,
  runTopics,
  waitForCommitted,
} from '../runtime/run-harness.js';
import { fleetLines, KNOWN_ISSUES, plain, referenceVerdicts, runReplay } from '../replay/helpers.js';
import { createTopic, kafkaConfig, kafkaConnection, uniqueTopic } from './kafka-env.js';

const PARTITIONS = 3;

interface Produced {
  partition: number;
  timestampMs: number;
  event: KernelLogEvent | null;
  message: Message;
}

/** The fleet, each line twice (host and host-b), in file order; hosts spread over the partitions. */
function fleetRecords(): Produced[] {
  const codec = createKernelLogEventCodec();
  const hosts: string[] = [];
  const out: Produced[] = [];
  let lastTs = 0;
  for (const { line, event } of fleetLines()) {
    for (const suffix of ['', '-b']) {
      if (event === null) {
        // the malformed line goes in as it is: not Avro, a bad record
        out.push({
          partition: 0,
          timestampMs: lastTs,
          event: null,
          message: { key: 'garbage', value: Buffer.from(line), partition: 0, timestamp: String(lastTs) },
        });
        continue;
      }
      const e: KernelLogEvent = { ...event, host: `${event.host}${suffix}` };
      if (!hosts.includes(e.host)) hosts.push(e.host);
      const partition = hosts.indexOf(e.host) % PARTITIONS;
      lastTs = Math.floor(e.ts / 1000);
      out.push({
        partition,
        timestampMs: lastTs,
        event: e,
        message: { key: e.host, value: codec.encode(e), partition, timestamp: String(lastTs) },
      });
    }
  }
  return out;
}

/**
 * What a replay of [fromMs, toMs] must read, from Kafka's own rules: per partition, the first
 * offset whose timestamp is at or after `from`, up to the first later record stamped after `to`.
 */
function expectedCount(records: readonly Produced[], fromMs: number, toMs: number): number {
  let n = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const ts = records.filter((r) => r.partition === p).map((r) => r.timestampMs);
    const start = ts.findIndex((t) => t >= fromMs);
    if (start < 0) continue;
    const after = ts.findIndex((t, i) => i >= start && t > toMs);
    n += (after < 0 ? ts.length : after) - start;
  }
  return n;
}

const iso = (ms: number): string => new Date(ms).toISOString();

describe('poisonlink replay from a topic', () => {
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;
  let topic: string;
  let liveGroup: string;
  let records: Produced[];
  const liveOffsets = [
    { partition: 0, offset: '11' },
    { partition: 1, offset: '0' },
    { partition: 2, offset: '5' },
  ];

  const baseArgs = (): string[] => [
    '--set',
    `kafka.brokers=${kafkaConnection().bootstrap}`,
    '--set',
    `topics.input=${topic}`,
    '--set',
    `consumer.groupId=${liveGroup}`,
    '--set',
    'consumer.sessionTimeoutMs=6000',
    '--known-issues',
    KNOWN_ISSUES,
    '--no-progress',
    '--idle-timeout',
    '30',
  ];

  beforeAll(async () => {
    kafka = new Kafka(kafkaConfig({ clientId: 'replay-test' }));
    admin = kafka.admin();
    await admin.connect();
    dir = mkdtempSync(path.join(tmpdir(), 'replay-int-'));
    topic = uniqueTopic('replay-in');
    liveGroup = uniqueTopic('replay-live-group');
    await createTopic(admin, topic, PARTITIONS);
    records = fleetRecords();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < records.length; i += 1000) {
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + 1000).map((r) => r.message) });
    }
    await producer.disconnect();
    // the live group has committed offsets that the replay must leave as they are
    await admin.setOffsets({ groupId: liveGroup, topic, partitions: liveOffsets });
  });

  afterAll(async () => {
    await admin?.disconnect();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('reads between --from and --to exactly the records Kafka stamps inside that range', async () => {
    const sorted = records.map((r) => r.timestampMs).sort((a, b) => a - b);
    const fromMs = sorted[Math.floor(sorted.length * 0.3)] as number;
    const toMs = sorted[Math.floor(sorted.length * 0.6)] as number;
    const want = expectedCount(records, fromMs, toMs);
    // a real sub-range: neither nearly empty nor nearly everything
    expect(want).toBeGreaterThan(200);
    expect(want).toBeLessThan(records.length - 1000);

    const out = path.join(dir, 'sub.ndjson');
    const r = await runReplay([...baseArgs(), '--from', iso(fromMs), '--to', iso(toMs), '--output', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`read ${want} records from ${PARTITIONS} partition(s)`);
    expect(r.stdout).toContain(`records: ${want},`);
    expect(r.stdout).toMatch(/\(\d+ records, after-to\)/);
  });

  it('reads the whole topic, counts the bad record, and gives the same final verdicts as the pipeline in process', async () => {
    const out = path.join(dir, 'full.ndjson');
    const r = await runReplay([...baseArgs(), '--output', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `read ${records.length} records from ${PARTITIONS} partition(s) (expected ${records.length})`,
    );
    expect(r.stdout).toContain(`records: ${records.length}, dead letters: 2`);
    expect(r.stdout).toMatch(/bad records: 2 \((INVALID_AVRO|TRUNCATED|TRAILING_DATA|INVALID_UTF8)=2\)/);

    const replayed = latestRevisions(readVerdictLines(readFileSync(out, 'utf8')).verdicts);
    const reference = referenceVerdicts(records.flatMap((x) => (x.event === null ? [] : [x.event])));
    // compares the two runs; with the real pipeline both hold the fleet's seven crashes twice
    expect(plain(replayed)).toEqual(plain(reference));
    expect(reference.size).toBe(14);
  });

  it('writes verdicts to an output topic as Avro keyed by crash_id, the same ones as the file', async () => {
    const verdictTopic = uniqueTopic('replay-verdicts');
    await createTopic(admin, verdictTopic, 1);
    const file = path.join(dir, 'full-again.ndjson');
    const viaFile = await runReplay([...baseArgs(), '--output', file]);
    expect(viaFile.code).toBe(0);
    const r = await runReplay([...baseArgs(), '--output-topic', verdictTopic]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const read = await readTopic(kafka, admin, verdictTopic);
    const codec = createTriagedCrashCodec();
    const crashes: TriagedCrash[] = [];
    let hostEvents = 0;
    for (const { message } of read) {
      if (headerText(message.headers, RECORD_TYPE_HEADER) === 'host_event') {
        hostEvents++;
        continue;
      }
      const d = codec.decodeRaw(message.value as Buffer);
      expect(d.ok).toBe(true);
      if (!d.ok) continue;
      expect(message.key?.toString()).toBe(d.value.crash_id);
      crashes.push(d.value);
    }
    const fromFile = readVerdictLines(readFileSync(file, 'utf8')).verdicts;
    expect(crashes.length).toBe(fromFile.length);
    expect(plain(latestRevisions(crashes))).toEqual(plain(latestRevisions(fromFile)));
    expect(hostEvents).toBeGreaterThan(0);
    expect(r.stdout).toContain(`${crashes.length} verdict record(s), ${hostEvents} host event(s)`);
  });

  it('stops at the end the topic had when it started, while records keep arriving', async () => {
    const growing = uniqueTopic('replay-growing');
    await createTopic(admin, growing, 1);
    const codec = createKernelLogEventCodec();
    const first = records[0]?.event as KernelLogEvent;
    const batch = (from: number, n: number): Message[] =>
      Array.from({ length: n }, (_, i) => ({
        key: first.host,
        value: codec.encode({ ...first, seq: from + i, ts: first.ts + from + i }),
      }));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: growing, acks: -1, messages: batch(0, 2000) });
    let sent = 2000;
    let replaying = true;
    const feeding = (async () => {
      while (replaying) {
        await producer.send({ topic: growing, acks: -1, messages: batch(sent, 100) });
        sent += 100;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const r = await runReplay([
      ...baseArgs(),
      '--topic',
      growing,
      '--output',
      path.join(dir, 'growing.ndjson'),
    ]);
    replaying = false;
    await feeding;
    await producer.disconnect();
    expect(r.code).toBe(0);
    const m = /read (\d+) records from 1 partition\(s\) \(expected (\d+)\)/.exec(r.stdout);
    expect(m).not.toBeNull();
    const [read, expected] = [Number(m?.[1]), Number(m?.[2])];
    expect(read).toBe(expected);
    expect(read).toBeGreaterThanOrEqual(2000);
    // records kept arriving after the start: the replay did not chase them
    const [end] = await admin.fetchTopicOffsets(growing);
    expect(Number(end?.high)).toBeGreaterThan(read);
    expect(r.stdout).toContain('high-watermark)');
  });

  it('refuses an output topic that does not exist before reading anything', async () => {
    const r = await runReplay([...baseArgs(), '--output-topic', uniqueTopic('replay-missing')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/output topic\(s\) replay-missing-\S+ do not exist/);
    expect(r.stdout).toBe('');
  });

  it('stops when interrupted, says so, and exits 130', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await runReplay([...baseArgs(), '--output', path.join(dir, 'interrupted.ndjson')], {
      signal: controller.signal,
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('INTERRUPTED');
    expect(r.stdout).toMatch(/records, interrupted\)/);
  });

  it("leaves the live group's committed offsets as they were and no replay group behind", async () => {
    const committed = await admin.fetchOffsets({ groupId: liveGroup, topics: [topic] });
    const got = (committed[0]?.partitions ?? [])
      .map((p) => ({ partition: p.partition, offset: p.offset }))
      .sort((a, b) => a.partition - b.partition);
    expect(got).toEqual(liveOffsets);
    const groups = await admin.listGroups();
    expect(groups.groups.filter((g) => g.groupId.startsWith(`${liveGroup}.replay.`))).toEqual([]);
  });
});

describe('poisonlink replay against poisonlink run', () => {
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;

  beforeAll(async () => {
    kafka = new Kafka(kafkaConfig({ clientId: 'replay-live-test' }));
    admin = kafka.admin();
    await admin.connect();
    dir = mkdtempSync(path.join(tmpdir(), 'replay-live-'));
  });
  afterAll(async () => {
    await admin?.disconnect();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("replaying the live run's input gives the live run's final verdicts (latest revision per crash_id)", async () => {
    const t = runTopics(uniqueTopic, 'replay-vs-live');
    await createTopic(admin, t.input, PARTITIONS);
    const records = fleetRecords();
    // a live run never reaches "end of input": other hosts logging an hour later move event time
    // on every partition, so every report closes and every verdict settles, as a flush does
    const codec = createKernelLogEventCodec();
    const lastMs = Math.max(...records.map((r) => r.timestampMs));
    const clock: Message[] = Array.from({ length: PARTITIONS * 4 }, (_, i) => {
      const e: KernelLogEvent = {
        host: `clock-${i}`,
        boot_id: null,
        ts: (lastMs + 3_600_000) * 1000 + i,
        uptime_us: null,
        seq: null,
        priority: 6,
        message: 'IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready',
        arch: 'x86_64',
        kernel_release: null,
        source: 'kmsg',
        caller: null,
      };
      return {
        key: e.host,
        value: codec.encode(e),
        partition: i % PARTITIONS,
        timestamp: String(lastMs + 3_600_000),
      };
    });
    const producer = kafka.producer();
    await producer.connect();
    const all = [...records.map((r) => r.message), ...clock];
    for (let i = 0; i < all.length; i += 1000) {
      await producer.send({ topic: t.input, acks: -1, messages: all.slice(i, i + 1000) });
    }
    await producer.disconnect();

    const sets = runSets(kafkaConnection().bootstrap, t, { 'knownIssues.file': KNOWN_ISSUES });
    const config = configFrom(sets);
    const telemetry = createTelemetry({ write: () => {}, defaultMetrics: false });
    const processor = createProcessor({ config, telemetry, knownIssues: loadKnownIssuesFile(config) });
    await processor.start();
    try {
      await waitForCommitted(admin, t.groupId, t.input, 120_000);
    } finally {
      await processor.stop();
    }
    const decode = createTriagedCrashCodec();
    const live = (await readTopic(kafka, admin, t.verdicts)).flatMap(({ message }) => {
      const d = decode.decodeRaw(message.value as Buffer);
      return d.ok ? [d.value] : [];
    });

    const out = path.join(dir, 'replay.ndjson');
    const r = await runReplay([
      ...Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
      '--no-progress',
      '--output',
      out,
    ]);
    expect(r.code).toBe(0);
    const replayed = readVerdictLines(readFileSync(out, 'utf8')).verdicts;
    expect(plain(latestRevisions(replayed))).toEqual(plain(latestRevisions(live)));
    expect(latestRevisions(live).size).toBe(14);
  });
});
