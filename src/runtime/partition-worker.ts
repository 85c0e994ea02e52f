/**
 * Everything one input partition number owns on this instance: its transactional producer
 * (transactional id `<groupId>-<topic>-<partition>`, which fences any zombie of an earlier owner),
 * its pipeline with the hosts of that partition, and its event-time watermark.
 *
 * Invariant: the pipeline's state is exactly the state committed to the changelog together with
 * the consumed offsets. Any failed transaction throws the state away and restores it again, and
 * after every (re)start the records below the offset committed with that state (or the group's,
 * when ahead) are skipped, so a commit whose answer was lost is never applied twice.
 */
import {
  type Admin,
  CompressionTypes,
  type KafkaMessage,
  type Kafka,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { Config } from '../config/schema.js';
import type { Pipeline } from '../pipeline.js';
import type { EventDecoder } from '../source/decoder.js';
import { isFenced, toPoisonlinkError } from '../source/kafka-client.js';
import type { OutputEncoders } from '../sink/encoders.js';
import type { Telemetry } from '../telemetry/metrics.js';
import { BARRIER_KEY, newBarrierToken, readChangelog } from './restore.js';
import {
  ChunkCollector,
  type ChunkOutputs,
  collectOutputs,
  offsetKey,
  runChunk,
  type StageDeps,
  WATERMARK_KEY,
  WATERMARK_TICK_US,
} from './stages.js';

/** messages per produce call inside a transaction (see commit()) */
const SEND_SLICE = 500;

export interface WorkerDeps {
  kafka: Kafka;
  admin: Admin;
  config: Config;
  telemetry: Telemetry;
  decoder: EventDecoder;
  encoders: OutputEncoders;
  /** the state-bearing input topics (the input topics, or the repartition topic) */
  topics: readonly string[];
  createPipeline: (sink: ChunkCollector) => Pipeline;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export type ChunkResult = 'committed' | 'fenced' | 'stopped' | 'skipped';

export class PartitionWorker {
  readonly partition: number;
  private readonly deps: WorkerDeps;
  private producer: Producer | null = null;
  private pipeline: Pipeline | null = null;
  private readonly collector = new ChunkCollector();
  private chain: Promise<unknown> = Promise.resolve();
  /**
   * per topic, the offset the next record must have: the greater of the group's committed offset
   * and the one committed in the changelog with the state (absent = unknown)
   */
  private readonly committed = new Map<string, bigint>();
  /** per topic, the next offset the state holds (from the changelog, then from each commit) */
  private readonly stateOffsets = new Map<string, bigint>();
  watermarkUs: number | null = null;
  /** wall clock (ms) of the last record processed or idle advance; null before any */
  private lastActivityMs: number | null = null;
  /** the last committed chunk reached the partition's high watermark */
  private caughtUp = false;
  restored = false;
  fenced = false;
  closed = false;
  /** set by a rebalance: the group's committed offsets must be compared before the next chunk */
  needsCheck = true;

  constructor(partition: number, deps: WorkerDeps) {
    this.partition = partition;
    this.deps = deps;
  }

  get transactionalId(): string {
    return `${this.deps.config.consumer.groupId}-${this.deps.topics.join('+')}-${this.partition}`;
  }

  gauges(): { hosts: number; hostsWithUnrecoveredPoison: number } {
    return this.pipeline?.gauges() ?? { hosts: 0, hostsWithUnrecoveredPoison: 0 };
  }

  /** Runs `fn` after every earlier call has finished (batches of co-partitioned topics). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /** Producer up, zombies fenced, barrier committed, state restored, committed offsets read. */
  async init(): Promise<void> {
    await this.teardown();
    const { kafka, config, telemetry } = this.deps;
    const started = this.deps.now();
    const producer = kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: config.producer.transactionTimeoutMs,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // Right after a commit the coordinator may still be writing its markers and answer the next
      // AddPartitionsToTxn with CONCURRENT_TRANSACTIONS; kafkajs's default first back-off (300 ms)
      // then lands in the verdict latency. Start at 20 ms (the Java client retries it quickly too);
      // ten retries still span ~5 s before the transaction fails and the chunk is replayed.
      retry: { initialRetryTime: 20, maxRetryTime: 1_000, retries: 10 },
    });
    this.producer = producer;
    await producer.connect();
    const token = newBarrierToken();
    const txn = await producer.transaction();
    try {
      await txn.send({
        topic: config.topics.changelog,
        messages: [{ key: BARRIER_KEY, value: token, partition: this.partition }],
      });
      await txn.commit();
    } catch (e: unknown) {
      await txn.abort().catch(() => {});
      throw e;
    }
    const snapshots = await readChangelog({
      kafka,
      topic: config.topics.changelog,
      partition: this.partition,
      token,
      groupPrefix: config.consumer.groupId,
      timeoutMs: Math.max(60_000, config.shutdown.timeoutMs),
    });
    const pipeline = this.deps.createPipeline(this.collector);
    let hosts = 0;
    const wm = snapshots.get(WATERMARK_KEY);
    this.watermarkUs = wm === undefined || wm === null ? null : Number(wm.toString('utf8'));
    for (const [host, bytes] of snapshots) {
      if (bytes === null || host.startsWith('\u0000')) continue;
      pipeline.restore(host, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      hosts++;
    }
    if (this.watermarkUs !== null) pipeline.restoreWatermark(this.watermarkUs);
    pipeline.takeDirtyHosts();
    this.stateOffsets.clear();
    for (const topic of this.deps.topics) {
      const o = snapshots.get(offsetKey(topic));
      if (o !== undefined && o !== null) this.stateOffsets.set(topic, BigInt(o.toString('utf8')));
    }
    this.collector.reset();
    this.pipeline = pipeline;
    await this.readCommitted();
    this.restored = true;
    this.fenced = false;
    this.needsCheck = false;
    telemetry.log.info('partition state restored', {
      partition: this.partition,
      hosts,
      changelog_records: snapshots.size,
      duration_ms: this.deps.now() - started,
      committed: Object.fromEntries([...this.committed].map(([t, o]) => [t, o.toString()])),
    });
  }

  /**
   * Where each topic's next record starts: the group's committed offset, unless the state holds
   * records past it (a fetch answered before the broker applied the last commit, see offsetKey;
   * or offsets reset behind the state): those records are skipped, never applied twice. A group
   * offset ahead of the state (moved forward by an operator) is followed.
   */
  private async readCommitted(): Promise<void> {
    this.committed.clear();
    const res = await this.deps.admin.fetchOffsets({
      groupId: this.deps.config.consumer.groupId,
      topics: [...this.deps.topics],
    });
    for (const t of res) {
      for (const p of t.partitions) {
        if (p.partition === this.partition && p.offset !== '-1')
          this.committed.set(t.topic, BigInt(p.offset));
      }
    }
    for (const [topic, held] of this.stateOffsets) {
      const group = this.committed.get(topic);
      if (group !== undefined && group >= held) continue;
      this.committed.set(topic, held);
      this.deps.telemetry.log.info('group offset behind the restored state; skipping what it holds', {
        partition: this.partition,
        topic,
        group_offset: group?.toString() ?? null,
        state_offset: held.toString(),
      });
    }
  }

  /**
   * Processes and commits one chunk (at most consumer.maxBatchRecords records) in one
   * transaction. Retriable failures restore the state and retry until `shouldStop()`.
   */
  async processChunk(
    topic: string,
    messages: readonly KafkaMessage[],
    highWatermark: string,
    shouldStop: () => boolean,
  ): Promise<ChunkResult> {
    const { telemetry } = this.deps;
    for (let attempt = 0; ; attempt++) {
      if (shouldStop()) return 'stopped';
      if (this.fenced) return 'fenced';
      try {
        if (this.pipeline === null || this.producer === null) await this.init();
        else if (this.needsCheck) {
          const before = new Map(this.committed);
          await this.readCommitted();
          const changed =
            [...this.committed].some(([t, o]) => before.get(t) !== o) || before.size !== this.committed.size;
          if (changed) await this.init();
          this.needsCheck = false;
        }
      } catch (e: unknown) {
        if ((await this.retryAfter(e, attempt, 'starting', 'partition start failed, retrying')) === 'fenced')
          return 'fenced';
        continue;
      }
      const from = this.committed.get(topic);
      const todo = from === undefined ? messages : messages.filter((m) => BigInt(m.offset) >= from);
      if (todo.length === 0) return 'skipped';
      const started = this.deps.now();
      let out: ChunkOutputs;
      try {
        out = await runChunk(this.stageDeps(this.pipeline!), topic, todo);
      } catch (e: unknown) {
        // a bug in a stage: the state may be half updated, so restore it and try again
        telemetry.log.error('chunk processing failed', { partition: this.partition, error: e });
        await this.teardown();
        await this.deps.sleep(backoff(attempt));
        continue;
      }
      const last = BigInt(todo.at(-1)!.offset);
      try {
        await this.commit(topic, out, last + 1n);
      } catch (e: unknown) {
        const how = 'transaction failed, restoring state and retrying';
        if ((await this.retryAfter(e, attempt, 'committing', how)) === 'fenced') return 'fenced';
        continue;
      }
      this.committed.set(topic, last + 1n);
      this.stateOffsets.set(topic, last + 1n);
      this.watermarkUs = out.watermarkUs;
      this.lastActivityMs = this.deps.now();
      // a transactional input (the repartition topic) ends with a commit marker
      this.caughtUp = BigInt(highWatermark) - (last + 1n) <= 1n;
      telemetry.batchCommitted({
        topic,
        partition: this.partition,
        records: todo.length,
        durationSeconds: (this.deps.now() - started) / 1000,
        lagRecords: Number(BigInt(highWatermark) - (last + 1n)),
        verdicts: out.verdicts.length,
        hostEvents: out.hostEvents.length,
        tally: out.tally,
      });
      for (const v of out.verdicts) telemetry.verdictCommitted(v);
      for (const h of out.hostEvents) telemetry.hostEventCommitted(h);
      return 'committed';
    }
  }

  /**
   * Event time only moves with records, and a crashed host prints nothing after its crash: when
   * this partition has been caught up and silent for `idleMs` of wall-clock time, its watermark
   * moves on by the wall-clock time elapsed (so at most to about "now" in a live fleet), in its own
   * transaction, and reports and verdicts that were waiting for time to pass are emitted.
   * Nothing happens while a backlog is being read, so replays and catch-up stay deterministic.
   */
  async idleAdvance(idleMs: number): Promise<boolean> {
    const now = this.deps.now();
    if (this.pipeline === null || this.producer === null || this.fenced || this.closed || this.needsCheck)
      return false;
    if (!this.caughtUp || this.watermarkUs === null || this.lastActivityMs === null) return false;
    const idle = now - this.lastActivityMs;
    if (idle < idleMs) return false;
    const target = Math.floor((this.watermarkUs + idle * 1000) / WATERMARK_TICK_US) * WATERMARK_TICK_US;
    if (target <= this.watermarkUs) return false;
    const { telemetry } = this.deps;
    this.collector.reset();
    const deps = this.stageDeps(this.pipeline);
    try {
      this.pipeline.advance(target);
    } catch (e: unknown) {
      deps.onInternalError('pipeline.advance', e);
    }
    const out = collectOutputs(deps, [], target);
    try {
      await this.commit(null, out, null);
    } catch (e: unknown) {
      if (isFenced(e)) {
        await this.markFenced(e);
        return false;
      }
      telemetry.log.warn('idle advance failed; state will be restored', {
        partition: this.partition,
        error: toPoisonlinkError(e, this.deps.config, `committing partition ${this.partition}`),
      });
      await this.teardown();
      return false;
    }
    this.watermarkUs = target;
    this.lastActivityMs = now;
    telemetry.log.info('idle partition: event time advanced by the wall clock', {
      partition: this.partition,
      watermark_us: target,
      idle_ms: idle,
      verdicts: out.verdicts.length,
      host_events: out.hostEvents.length,
    });
    for (const v of out.verdicts) telemetry.verdictCommitted(v);
    for (const h of out.hostEvents) telemetry.hostEventCommitted(h);
    return true;
  }

  private async commit(topic: string | null, out: ChunkOutputs, nextOffset: bigint | null): Promise<void> {
    const { config } = this.deps;
    const producer = this.producer!;
    // the state's own position, next to the state (see offsetKey)
    const changelog =
      topic !== null && nextOffset !== null
        ? [
            ...out.changelog,
            { key: offsetKey(topic), value: nextOffset.toString(), partition: this.partition },
          ]
        : out.changelog;
    const topicMessages = [
      { topic: config.topics.verdicts, messages: out.verdictMessages },
      { topic: config.topics.hostEvents, messages: out.hostEventMessages },
      { topic: config.topics.deadLetter, messages: out.deadLetters },
      { topic: config.topics.changelog, messages: changelog },
    ].filter((t) => t.messages.length > 0);
    const txn = await producer.transaction();
    try {
      // Sequential slices: one produce request holds one record batch per partition, and a chunk
      // of new hosts' snapshots can exceed the broker's max.message.bytes (1 MiB) in one batch;
      // kafkajs 2.2.4 also groups a send's messages per partition in quadratic time. GZIP: kernel
      // text and host state compress several times over.
      for (const t of topicMessages) {
        for (let i = 0; i < t.messages.length; i += SEND_SLICE) {
          await txn.send({
            topic: t.topic,
            messages: t.messages.slice(i, i + SEND_SLICE),
            acks: -1,
            compression: CompressionTypes.GZIP,
          });
        }
      }
      if (topic !== null && nextOffset !== null) {
        const offsets = {
          consumerGroupId: config.consumer.groupId,
          topics: [{ topic, partitions: [{ partition: this.partition, offset: nextOffset.toString() }] }],
        };
        // Right after the previous commit the coordinator may still be writing its markers and
        // answers CONCURRENT_TRANSACTIONS (retriable). kafkajs retries it for sends but not for
        // AddOffsetsToTxn; retry here, inside the same transaction, instead of replaying the chunk.
        for (let attempt = 0; ; attempt++) {
          try {
            await txn.sendOffsets(offsets);
            break;
          } catch (e: unknown) {
            if (attempt >= 20 || !isConcurrentTransactions(e)) throw e;
            await this.deps.sleep(Math.min(20 * 2 ** attempt, 500));
          }
        }
      }
      await txn.commit();
    } catch (e: unknown) {
      await txn.abort().catch(() => {});
      throw e;
    }
  }

  /** What the stages need for this partition's next chunk or advance. */
  private stageDeps(pipeline: Pipeline): StageDeps {
    return {
      pipeline,
      collector: this.collector,
      decoder: this.deps.decoder,
      encoders: this.deps.encoders,
      partition: this.partition,
      watermarkUs: this.watermarkUs,
      onInternalError: (what, e) =>
        this.deps.telemetry.log.error('internal error', { partition: this.partition, what, error: e }),
    };
  }

  /**
   * A start or a commit failed: 'fenced' when another instance owns the partition now; otherwise the
   * state is dropped (the retry restores it) after a warning, and the back-off is slept.
   */
  private async retryAfter(
    e: unknown,
    attempt: number,
    doing: string,
    message: string,
  ): Promise<'fenced' | 'retry'> {
    if (isFenced(e)) return this.markFenced(e);
    this.deps.telemetry.log.warn(message, {
      partition: this.partition,
      attempt,
      error: toPoisonlinkError(e, this.deps.config, `${doing} partition ${this.partition}`),
    });
    await this.teardown();
    await this.deps.sleep(backoff(attempt));
    return 'retry';
  }

  private async markFenced(e: unknown): Promise<'fenced'> {
    this.deps.telemetry.log.warn('producer fenced: another instance owns this partition now', {
      partition: this.partition,
      transactional_id: this.transactionalId,
      error: e,
    });
    this.fenced = true;
    await this.teardown();
    return 'fenced';
  }

  /** Drops the producer and the in-memory state (they are rebuilt from Kafka by init()). */
  async teardown(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    this.pipeline = null;
    this.restored = false;
    this.watermarkUs = null;
    this.caughtUp = false;
    this.lastActivityMs = null;
    if (p !== null) await p.disconnect().catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.exclusive(() => this.teardown());
  }
}

function backoff(attempt: number): number {
  const base = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
  return base / 2 + Math.random() * (base / 2);
}

function isConcurrentTransactions(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { type?: unknown }).type === 'CONCURRENT_TRANSACTIONS';
}
