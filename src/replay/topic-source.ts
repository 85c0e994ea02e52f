/**
 * `poisonlink replay --from --to`: reads the input topics between two record timestamps with a
 * consumer of its own. It joins a fresh group (`<groupId>.replay.<random>`) that nobody else uses,
 * seeks every partition to its start, never commits an offset, and deletes that group at the end,
 * so the live group's committed offsets are never touched. Every record goes through the same
 * decoder (`createEventDecoder(config)`) and the same chunk-then-advance steps as the live run.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Config } from '../config/schema.js';
import type { EventDecoder } from '../source/decoder.js';
import type { ReplayEngine } from './engine.js';
import {
  decide,
  expectedRecords,
  minOffset,
  type PartitionOffsets,
  type PartitionRange,
  planRanges,
} from './time-range.js';

export interface TopicSourceOptions {
  kafka: Kafka;
  config: Config;
  topics: readonly string[];
  fromMs: number | null;
  toMs: number | null;
  decoder: EventDecoder;
  engine: ReplayEngine;
  /** after every chunk (and when a partition finishes): write outputs, report progress */
  onChunk: (done: number, total: number) => Promise<void>;
  /** give up when no record arrives for this long before every partition is done */
  idleTimeoutMs: number;
  /** aborted: stop soon, flush what was read, report the rest as interrupted */
  signal?: AbortSignal;
  /** test hook: the group id to use (default `<consumer.groupId>.replay.<random>`) */
  groupId?: string;
}

export interface PartitionReport {
  topic: string;
  partition: number;
  start: string;
  /** the offset reading stopped at (exclusive) */
  stoppedAt: string;
  records: number;
  reason: 'high-watermark' | 'after-to' | 'empty' | 'idle-timeout' | 'interrupted';
}

export interface TopicReplayResult {
  groupId: string;
  partitions: PartitionReport[];
  /** the plan's expected records */
  expected: number;
  timedOut: boolean;
  /** stopped by the signal (SIGINT/SIGTERM) before the end */
  interrupted: boolean;
}

interface Cursor {
  range: PartitionRange;
  /** next offset to process; anything below is a re-delivery (before the seek took hold) */
  next: bigint;
  records: number;
  done: PartitionReport['reason'] | null;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Low/high watermarks and the by-time lookups for every partition of `topics`. */
export async function lookUpOffsets(
  admin: Admin,
  topics: readonly string[],
  fromMs: number | null,
  toMs: number | null,
): Promise<PartitionOffsets[]> {
  const out: PartitionOffsets[] = [];
  for (const topic of topics) {
    const marks = await admin.fetchTopicOffsets(topic);
    const from = fromMs === null ? null : await admin.fetchTopicOffsetsByTimestamp(topic, fromMs);
    const to = toMs === null ? null : await admin.fetchTopicOffsetsByTimestamp(topic, toMs + 1);
    for (const m of marks) {
      const f = from?.find((x) => x.partition === m.partition);
      const t = to?.find((x) => x.partition === m.partition);
      out.push({
        topic,
        partition: m.partition,
        low: BigInt(m.low),
        high: BigInt(m.high),
        fromOffset: f === undefined ? null : BigInt(f.offset),
        toOffset: t === undefined ? null : BigInt(t.offset),
      });
    }
  }
  return out;
}

export async function replayTopics(opts: TopicSourceOptions): Promise<TopicReplayResult> {
  const { kafka, config, engine, decoder } = opts;
  const groupId = opts.groupId ?? `${config.consumer.groupId}.replay.${randomBytes(6).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  let consumer: Consumer | null = null;
  try {
    const ranges = planRanges(await lookUpOffsets(admin, opts.topics, opts.fromMs, opts.toMs));
    const expected = expectedRecords(ranges);
    const cursors = new Map<string, Cursor>();
    for (const r of ranges) {
      cursors.set(key(r.topic, r.partition), {
        range: r,
        next: r.start,
        records: 0,
        done: r.start >= r.high ? 'empty' : null,
      });
    }
    const doneUnits = (): number => {
      let n = 0n;
      for (const c of cursors.values()) {
        if (c.done !== null) n += c.range.expectedEnd - c.range.start;
        else {
          const at = minOffset(c.next, c.range.expectedEnd);
          n += at - c.range.start;
        }
      }
      return Number(n);
    };
    let interrupted = false;
    const report = (): PartitionReport[] =>
      [...cursors.values()].map((c) => ({
        topic: c.range.topic,
        partition: c.range.partition,
        start: c.range.start.toString(),
        stoppedAt: c.next.toString(),
        records: c.records,
        reason: c.done ?? (interrupted ? 'interrupted' : 'idle-timeout'),
      }));
    const allDone = (): boolean => [...cursors.values()].every((c) => c.done !== null);
    if (allDone()) {
      await opts.onChunk(doneUnits(), expected);
      return { groupId, partitions: report(), expected, timedOut: false, interrupted: false };
    }

    let finished: () => void = () => {};
    let failed: (e: unknown) => void = () => {};
    const finishedP = new Promise<void>((resolve, reject) => {
      finished = resolve;
      failed = reject;
    });
    let lastProgress = Date.now();

    const c = kafka.consumer({
      groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
      sessionTimeout: config.consumer.sessionTimeoutMs,
      retry: { retries: 5 },
    });
    consumer = c;
    const pause = (topic: string, partition: number): void => {
      try {
        c.pause([{ topic, partitions: [partition] }]);
      } catch {
        // not assigned yet: its cursor is done, later batches of it are ignored
      }
    };
    const markDone = (cur: Cursor, reason: NonNullable<Cursor['done']>): void => {
      if (cur.done !== null) return;
      cur.done = reason;
      pause(cur.range.topic, cur.range.partition);
      if (allDone()) finished();
    };
    // batches of only transaction markers reach no eachBatch; this event still moves the position
    c.on(c.events.END_BATCH_PROCESS, (e) => {
      const cur = cursors.get(key(e.payload.topic, e.payload.partition));
      if (cur === undefined || cur.done !== null) return;
      const last = BigInt(e.payload.lastOffset) + 1n;
      if (last > cur.next && e.payload.batchSize === 0) cur.next = last;
      if (cur.next >= cur.range.high) markDone(cur, 'high-watermark');
    });
    c.on(c.events.CRASH, (e) => {
      if (!e.payload.restart) failed(e.payload.error);
    });

    // an error must not reach kafkajs (it would fetch the batch again): the replay fails instead
    const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
      try {
        await processBatch(payload);
      } catch (e: unknown) {
        failed(e);
      }
    };
    const processBatch = async (payload: EachBatchPayload): Promise<void> => {
      const { batch } = payload;
      const cur = cursors.get(key(batch.topic, batch.partition));
      if (cur === undefined || cur.done !== null || opts.signal?.aborted === true) return;
      lastProgress = Date.now();
      const lane = config.input.keyedByHost ? batch.partition : 0;
      const chunkMax = config.consumer.maxBatchRecords;
      let inChunk = 0;
      for (const m of batch.messages) {
        const offset = BigInt(m.offset);
        if (offset < cur.next) continue;
        const d = decide(cur.range, offset, Number(m.timestamp), opts.toMs);
        if (d === 'before-start') continue;
        if (d !== 'take') {
          cur.next = offset;
          break;
        }
        let r = decoder.decode(m.value);
        if (r instanceof Promise) r = await r;
        engine.record(lane, r, `${batch.topic}/${batch.partition}@${m.offset}`);
        cur.records++;
        cur.next = offset + 1n;
        if (++inChunk >= chunkMax) {
          engine.endChunk(lane);
          await opts.onChunk(doneUnits(), expected);
          await payload.heartbeat();
          inChunk = 0;
        }
      }
      if (inChunk > 0) engine.endChunk(lane);
      const stop = batch.messages.find((m) => BigInt(m.offset) >= cur.next);
      if (stop !== undefined) {
        markDone(
          cur,
          decide(cur.range, cur.next, Number(stop.timestamp), opts.toMs) === 'after-to'
            ? 'after-to'
            : 'high-watermark',
        );
      } else {
        const last = BigInt(batch.lastOffset()) + 1n;
        if (last > cur.next) cur.next = last;
        if (cur.next >= cur.range.high) markDone(cur, 'high-watermark');
      }
      await opts.onChunk(doneUnits(), expected);
    };

    await c.connect();
    for (const topic of opts.topics) await c.subscribe({ topic, fromBeginning: true });
    await c.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
    for (const cur of cursors.values()) {
      if (cur.done !== null) pause(cur.range.topic, cur.range.partition);
      else
        c.seek({
          topic: cur.range.topic,
          partition: cur.range.partition,
          offset: cur.range.start.toString(),
        });
    }

    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<'idle' | 'interrupted'>((resolve) => {
      const check = (): void => {
        if (opts.signal?.aborted === true) resolve('interrupted');
        else if (Date.now() - lastProgress > opts.idleTimeoutMs) resolve('idle');
        else timer = setTimeout(check, 200);
      };
      timer = setTimeout(check, 200);
    });
    const outcome = await Promise.race([finishedP.then(() => 'done' as const), idle]).finally(() =>
      clearTimeout(timer),
    );
    interrupted = outcome === 'interrupted';
    await c.stop();
    engine.finish();
    await opts.onChunk(doneUnits(), expected);
    return { groupId, partitions: report(), expected, timedOut: outcome === 'idle', interrupted };
  } finally {
    if (consumer !== null) {
      await consumer.disconnect().catch(() => {});
      // the group never committed anything; remove it so nothing of the replay stays behind
      await admin.deleteGroups([groupId]).catch(() => {});
    }
    await admin.disconnect().catch(() => {});
  }
}
