/**
 * Helpers for the runtime's integration tests (test/integration/run-*.integration.test.ts):
 * building configs, producing KernelLogEvent records, reading topics back under read_committed,
 * waiting for a group to commit everything, and running `poisonlink run` as a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Admin, type IHeaders, type Kafka, type KafkaMessage, Partitioners } from 'kafkajs';
import { resolveConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createKernelLogEventCodec } from '../../src/decode/codecs.js';
import { type KernelLogEvent, makeEvent } from '../../src/model/event.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunTopics {
  input: string;
  verdicts: string;
  hostEvents: string;
  deadLetter: string;
  changelog: string;
  repartition: string;
  groupId: string;
}

export function runTopics(unique: (prefix: string) => string, name: string): RunTopics {
  return {
    input: unique(`${name}-in`),
    verdicts: unique(`${name}-verdicts`),
    hostEvents: unique(`${name}-host-events`),
    deadLetter: unique(`${name}-dlq`),
    changelog: unique(`${name}-changelog`),
    repartition: unique(`${name}-repartition`),
    groupId: unique(`${name}-group`),
  };
}

/** `--set` pairs for these topics and broker, for a child process or resolveConfig. */
export function runSets(
  brokers: string,
  t: RunTopics,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'kafka.brokers': brokers,
    'topics.input': t.input,
    'topics.verdicts': t.verdicts,
    'topics.hostEvents': t.hostEvents,
    'topics.deadLetter': t.deadLetter,
    'topics.changelog': t.changelog,
    'topics.repartition': t.repartition,
    'consumer.groupId': t.groupId,
    'consumer.sessionTimeoutMs': '6000',
    'http.port': '0',
    'shutdown.timeoutMs': '20000',
    ...extra,
  };
}

export function configFrom(sets: Record<string, string>): Config {
  return resolveConfig({
    sets: Object.entries(sets).map(([p, value]) => ({ path: p, value, origin: '--set' })),
  });
}

export function setArgs(sets: Record<string, string>): string[] {
  return Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

const codec = createKernelLogEventCodec();

/** One kmsg-shaped event: `[  uptime] text` content, Avro-encoded as the input contract says. */
export function eventRecord(
  fields: Pick<KernelLogEvent, 'host' | 'ts' | 'message'> & Partial<KernelLogEvent>,
): Buffer {
  return codec.encode(makeEvent(fields));
}

export interface Produced {
  key: string | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/** Produces records (non-transactionally) with the Java-compatible default partitioner. */
export async function produce(
  kafka: Kafka,
  topic: string,
  records: readonly Produced[],
  batch = 1000,
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += batch) {
      await producer.send({
        topic,
        acks: -1,
        messages: records
          .slice(i, i + batch)
          .map((r) => ({ key: r.key, value: r.value, headers: r.headers ?? {} })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ReadRecord {
  partition: number;
  message: KafkaMessage;
}

/**
 * Every record of `topic` visible to a read_committed consumer, each once, read until the end
 * offsets are reached (or nothing new arrives for `quietMs`). A consumer that fetches a range
 * again (its group rebalanced and it restarted from the beginning) delivers records already
 * read: they are dropped by offset and counted, so a duplicate in the result is a record the
 * topic holds twice, never the reader's.
 */
export async function readTopic(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  opts: { quietMs?: number; timeoutMs?: number } = {},
): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  const ends = await admin.fetchTopicOffsets(topic);
  const target = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const position = new Map<number, bigint>(ends.map((e) => [e.partition, BigInt(e.low)]));
  const consumer = kafka.consumer({
    groupId: `reader-${topic}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    readUncommitted: false,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let lastProgress = Date.now();
  const seen = new Set<string>();
  let again = 0;
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const at = `${batch.partition}:${m.offset}`;
        if (seen.has(at)) {
          again++;
          continue;
        }
        seen.add(at);
        out.push({ partition: batch.partition, message: m });
      }
      // control records are not delivered: the batch's last offset still moves us past them
      const last = BigInt(batch.lastOffset());
      const cur = position.get(batch.partition) ?? 0n;
      if (last + 1n > cur) position.set(batch.partition, last + 1n);
      lastProgress = Date.now();
    },
  });
  const quiet = opts.quietMs ?? 1500;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  try {
    while (Date.now() < deadline) {
      const reached = [...target].every(([p, high]) => (position.get(p) ?? 0n) >= high);
      if (reached && Date.now() - lastProgress > 300) break;
      if (!reached && Date.now() - lastProgress > quiet && out.length > 0) {
        // the tail is only transaction markers: nothing more will be delivered
        if (Date.now() - lastProgress > quiet * 2) break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await consumer.disconnect();
  }
  if (again > 0)
    console.warn(`readTopic ${topic}: ${again} records delivered again by the reader, read once`);
  return out;
}

/** Waits until the group has committed offsets at the end of every partition of `topic`. */
export async function waitForCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    let ends: Awaited<ReturnType<Admin['fetchTopicOffsets']>>;
    let committed: Awaited<ReturnType<Admin['fetchOffsets']>>;
    try {
      ends = await admin.fetchTopicOffsets(topic);
      committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    } catch (e: unknown) {
      // the group coordinator may still be loading (NOT_COORDINATOR); ask again
      last = e instanceof Error ? e.message : String(e);
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    const byPartition = new Map(committed[0]?.partitions.map((p) => [p.partition, p.offset]) ?? []);
    // the committed offset may stop short of `high` only by the markers of the input producer (none here)
    const done = ends.every((e) => byPartition.get(e.partition) === e.high);
    last = ends.map((e) => `${e.partition}:${byPartition.get(e.partition)}/${e.high}`).join(' ');
    if (done) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`group ${groupId} did not commit the end of ${topic} within ${timeoutMs} ms (${last})`);
}

export interface ChildRun {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
  /** the last log lines and stderr, for failure messages */
  tail(n?: number): string;
  waitForLog(
    predicate: (l: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown>>;
}

/** Runs `node --import tsx src/runtime/run-main.ts ...args` with exactly `env` (plus PATH/HOME). */
export function spawnRun(args: readonly string[], env: Record<string, string> = {}): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/run-main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const waiters: Array<{
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
      try {
        const rec = JSON.parse(text) as Record<string, unknown>;
        lines.push(rec);
        for (const w of [...waiters]) {
          if (w.pred(rec)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(rec);
          }
        }
      } catch {
        stderr.push(text);
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr,
    exited,
    tail(n = 30) {
      return `${lines
        .slice(-n)
        .map((l) => JSON.stringify(l))
        .join('\n')}\nstderr: ${stderr.join('').slice(-3000)}`;
    },
    waitForLog(pred, timeoutMs) {
      const seen = lines.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; last lines:\n${lines
                .slice(-15)
                .map((l) => JSON.stringify(l))
                .join('\n')}\nstderr: ${stderr.join('').slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

export function headerText(h: IHeaders | undefined, name: string): string | undefined {
  const v = h?.[name];
  if (v === undefined) return undefined;
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}
