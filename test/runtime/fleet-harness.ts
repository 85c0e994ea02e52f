/**
 * The sample fleet as a load for the runtime's failure tests, and the two views of its outputs:
 * what an uninterrupted run of the same stages produces (no Kafka), and what the processor
 * committed (read back under read_committed).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { Config } from '../../src/config/schema.js';
import { createHostHardwareEventCodec, createTriagedCrashCodec } from '../../src/decode/codecs.js';
import { createPipeline } from '../../src/pipeline.js';
import { ChunkCollector, runChunk } from '../../src/runtime/stages.js';
import { createEventDecoder } from '../../src/source/decoder.js';
import { createOutputEncoders } from '../../src/sink/encoders.js';
import { type Produced, REPO_ROOT, readTopic } from './run-harness.js';

/**
 * samples/fleet.ndjson (8 hosts: crashes, poison, MCEs, CE bursts, one malformed line) with
 * every host replicated `replicas` times as `host~k`; records interleave the replicas and keep
 * each host's order. Malformed lines stay malformed (one per replica, header `replica`).
 */
export function fleetRecords(replicas: number): { records: Produced[]; malformed: number } {
  const lines = readFileSync(path.join(REPO_ROOT, 'samples', 'fleet.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const records: Produced[] = [];
  let malformed = 0;
  for (const line of lines) {
    let host: string | null = null;
    try {
      host = (JSON.parse(line) as { host: string }).host;
    } catch {
      host = null;
    }
    for (let k = 0; k < replicas; k++) {
      if (host === null) {
        malformed++;
        records.push({ key: `malformed~${k}`, value: Buffer.from(line), headers: { replica: String(k) } });
      } else {
        const h = `${host}~${k}`;
        const value = line.replace(`"host":${JSON.stringify(host)}`, `"host":${JSON.stringify(h)}`);
        records.push({ key: h, value: Buffer.from(value) });
      }
    }
  }
  return { records, malformed };
}

export interface Outputs {
  /** JSON of each verdict / host event, sorted */
  verdicts: string[];
  hostEvents: string[];
}

/** The input topic's partitions, each in offset order through the same stages in one go. */
export async function uninterruptedOutputs(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  config: Config,
): Promise<Outputs & { records: number }> {
  const input = await readTopic(kafka, admin, topic, { timeoutMs: 120_000 });
  const decoder = createEventDecoder(config);
  const encoders = createOutputEncoders();
  const verdicts: string[] = [];
  const hostEvents: string[] = [];
  const partitions = [...new Set(input.map((r) => r.partition))];
  for (const p of partitions) {
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
      { pipeline, collector, decoder, encoders, partition: p, watermarkUs: null, onInternalError: () => {} },
      topic,
      msgs,
    );
    verdicts.push(...out.verdicts.map((v) => JSON.stringify({ ...v })));
    hostEvents.push(...out.hostEvents.map((h) => JSON.stringify({ ...h })));
  }
  return { verdicts: verdicts.sort(), hostEvents: hostEvents.sort(), records: input.length };
}

/** What the processor committed to the verdicts and host-events topics, decoded. */
export async function committedOutputs(
  kafka: Kafka,
  admin: Admin,
  topics: { verdicts: string; hostEvents: string },
): Promise<Outputs> {
  const crashCodec = createTriagedCrashCodec();
  const hostCodec = createHostHardwareEventCodec();
  const verdicts = (await readTopic(kafka, admin, topics.verdicts, { timeoutMs: 120_000 })).map((r) => {
    const d = crashCodec.decodeRaw(r.message.value!);
    if (!d.ok) throw new Error(d.error.message);
    return JSON.stringify({ ...d.value });
  });
  const hostEvents = (await readTopic(kafka, admin, topics.hostEvents, { timeoutMs: 120_000 })).map((r) => {
    const d = hostCodec.decodeRaw(r.message.value!);
    if (!d.ok) throw new Error(d.error.message);
    return JSON.stringify({ ...d.value });
  });
  return { verdicts: verdicts.sort(), hostEvents: hostEvents.sort() };
}

/** `crash_id#revision` of every verdict that appears more than once. */
export function duplicateVerdicts(verdicts: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const v of verdicts) {
    const o = JSON.parse(v) as { crash_id: string; revision: number };
    const id = `${o.crash_id}#${o.revision}`;
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

/** Sum of the group's committed offsets and of the end offsets of `topic`; errors read as not done. */
export async function progress(
  admin: Admin,
  groupId: string,
  topic: string,
  expected: number,
): Promise<{ done: boolean; committed: bigint; end: bigint }> {
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const res = await admin.fetchOffsets({ groupId, topics: [topic] });
    const by = new Map(res[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
    let committed = 0n;
    let end = 0n;
    for (const e of ends) {
      const c = by.get(e.partition) ?? -1n;
      committed += c < 0n ? 0n : c;
      end += BigInt(e.high);
    }
    return { done: end === BigInt(expected) && committed === end, committed, end };
  } catch {
    return { done: false, committed: -1n, end: -1n };
  }
}

/**
 * For a topic written in transactions (the repartition topic): every partition's committed
 * offset has reached its last record, which is followed by one commit marker.
 */
export async function caughtUpTransactional(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const res = await admin.fetchOffsets({ groupId, topics: [topic] });
    const by = new Map(res[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
    return ends.every((e) => BigInt(e.high) === 0n || (by.get(e.partition) ?? -1n) >= BigInt(e.high) - 1n);
  } catch {
    return false;
  }
}
