/**
 * The live processor (DESIGN.md §5): a consumer group over the state-bearing input topics; each
 * assigned partition number gets a PartitionWorker that restores its hosts from the changelog
 * before any of its records is processed, and commits outputs, changelog and offsets of every
 * chunk in one transaction. No error escapes a kafkajs handler.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { type KnownIssueRules, NO_KNOWN_ISSUES } from '../classify/index.js';
import { describeError, PoisonlinkError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { createPipeline as createRealPipeline, type Pipeline, type PipelineSink } from '../pipeline.js';
import { coPartitionedAssigner } from '../source/assigner.js';
import { createEventDecoder, type EventDecoder } from '../source/decoder.js';
import { createKafkaClient, toPoisonlinkError } from '../source/kafka-client.js';
import { checkTls } from '../source/tls-check.js';
import { createOutputEncoders, type OutputEncoders } from '../sink/encoders.js';
import type { Telemetry } from '../telemetry/metrics.js';
import { PartitionWorker, type WorkerDeps } from './partition-worker.js';
import { startRepartition, type RepartitionStage } from './repartition.js';
import { ensureTopics } from './topics.js';

export interface ProcessorOptions {
  config: Config;
  telemetry: Telemetry;
  kafka?: Kafka;
  decoder?: EventDecoder;
  encoders?: OutputEncoders;
  /** builds the pipeline of one partition; default: src/pipeline.ts createPipeline */
  createPipeline?: (sink: PipelineSink) => Pipeline;
  /** parsed known-issues rules, handed to the default pipeline */
  knownIssues?: KnownIssueRules;
  now?: () => number;
}

export interface Processor {
  /** connects, checks/creates topics and joins the group; rejects with a PoisonlinkError */
  start(): Promise<void>;
  /** graceful: finishes the batch in flight, commits, leaves the group; bounded by shutdown.timeoutMs */
  stop(): Promise<void>;
  ready(): boolean;
  healthy(): boolean;
  /** resolves when the processor fails by itself and cannot go on */
  readonly failed: Promise<PoisonlinkError>;
}

/** retriable start-up failures are retried this many times (about a minute) before giving up */
const START_ATTEMPTS = 15;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function createProcessor(options: ProcessorOptions): Processor {
  const { config, telemetry } = options;
  const log = telemetry.log;
  const now = options.now ?? Date.now;
  const kafka = options.kafka ?? createKafkaClient(config, log);
  const admin = kafka.admin();
  const workers = new Map<number, PartitionWorker>();
  let consumer: Consumer | null = null;
  let repartition: RepartitionStage | null = null;
  let joined = false;
  let stopping = false;
  let fatal: PoisonlinkError | null = null;
  let reportFatal: (e: PoisonlinkError) => void = () => {};
  const failed = new Promise<PoisonlinkError>((resolve) => {
    reportFatal = (e) => {
      if (fatal !== null) return;
      fatal = e;
      resolve(e);
    };
  });

  const makePipeline =
    options.createPipeline ??
    ((sink: PipelineSink) =>
      createRealPipeline({
        correlation: config.correlation,
        limits: config.state,
        knownIssues: options.knownIssues ?? NO_KNOWN_ISSUES,
        sink,
      }));

  let deps: WorkerDeps | null = null;

  telemetry.setStateSource(() => {
    let hosts = 0;
    let poisoned = 0;
    for (const w of workers.values()) {
      const g = w.gauges();
      hosts += g.hosts;
      poisoned += g.hostsWithUnrecoveredPoison;
    }
    return { hosts, hostsWithUnrecoveredPoison: poisoned };
  });
  telemetry.setWatermarkSource(() => {
    const m = new Map<number, number>();
    for (const w of workers.values()) if (w.watermarkUs !== null) m.set(w.partition, w.watermarkUs);
    return m;
  });

  async function initWithRetry(w: PartitionWorker): Promise<void> {
    for (let attempt = 0; !w.closed && !stopping && !w.restored && !w.fenced; attempt++) {
      try {
        await w.init();
      } catch (e: unknown) {
        const err = toPoisonlinkError(e, config, `restoring partition ${w.partition}`);
        if (err.code === 'KAFKA_PRODUCER_FENCED') {
          w.fenced = true;
          return;
        }
        log.warn('partition restore failed, retrying', { partition: w.partition, attempt, error: err });
        await w.teardown();
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  function onAssignment(assignment: Record<string, number[]>, topics: readonly string[]): void {
    joined = true;
    const assigned = new Set<number>();
    for (const [topic, parts] of Object.entries(assignment)) {
      if (topics.includes(topic)) for (const p of parts) assigned.add(p);
    }
    for (const [p, w] of workers) {
      if (assigned.has(p)) continue;
      workers.delete(p);
      for (const t of topics) telemetry.partitionRevoked(t, p);
      void w.close().catch(() => {});
      log.info('partition revoked', { partition: p });
    }
    for (const p of assigned) {
      const existing = workers.get(p);
      if (existing !== undefined) {
        existing.needsCheck = true;
        existing.fenced = false;
        continue;
      }
      const w = new PartitionWorker(p, deps!);
      workers.set(p, w);
      log.info('partition assigned', { partition: p });
      void w.exclusive(() => initWithRetry(w)).catch(() => {});
    }
    log.info('group joined', { partitions: [...assigned].sort((a, b) => a - b) });
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    try {
      const w = workers.get(batch.partition);
      if (w === undefined || w.closed || w.fenced) {
        // not ours (any more): leave the offsets alone; the rebalance under way sorts it out
        await sleep(200);
        return;
      }
      const max = config.consumer.maxBatchRecords;
      const shouldStop = (): boolean => stopping || w.closed || !isRunning() || isStale();
      for (let i = 0; i < batch.messages.length; i += max) {
        const chunk = batch.messages.slice(i, i + max);
        // a restore can outlast the session timeout: keep the membership alive while waiting
        const beat = setInterval(() => void heartbeat().catch(() => {}), 1_000);
        let res: Awaited<ReturnType<PartitionWorker['processChunk']>>;
        try {
          res = await w.exclusive(() => w.processChunk(batch.topic, chunk, batch.highWatermark, shouldStop));
        } finally {
          clearInterval(beat);
        }
        if (res !== 'committed' && res !== 'skipped') return;
        resolveOffset(chunk.at(-1)!.offset);
        await heartbeat().catch(() => {});
      }
    } catch (e: unknown) {
      log.error('batch handler failed; the records will be fetched again', {
        topic: batch.topic,
        partition: batch.partition,
        error: describeError(e),
      });
      await sleep(500);
    }
  }

  // idle partitions: event time follows the wall clock once a partition is caught up and silent
  const idleMs = Math.max(30_000, 3 * config.state.reportIdleMs);
  const idleTimer = setInterval(() => {
    if (stopping) return;
    for (const w of workers.values()) {
      void w
        .exclusive(() => w.idleAdvance(idleMs))
        .catch((e: unknown) =>
          log.error('idle advance failed', { partition: w.partition, error: describeError(e) }),
        );
    }
  }, 5_000);
  idleTimer.unref();

  return {
    failed,
    ready: () => joined && !stopping && fatal === null && [...workers.values()].every((w) => w.restored),
    healthy: () => fatal === null,
    async start() {
      // a refused TLS certificate fails here at once, not after kafkajs's connection retries
      if (options.kafka === undefined) await checkTls(config);
      try {
        await admin.connect();
      } catch (e: unknown) {
        throw toPoisonlinkError(e, config, 'connecting to Kafka');
      }
      let layout: Awaited<ReturnType<typeof ensureTopics>> | null = null;
      for (let attempt = 0; layout === null; attempt++) {
        try {
          layout = await ensureTopics(admin, config);
        } catch (e: unknown) {
          const err = toPoisonlinkError(e, config, 'checking topics');
          // metadata of a topic created a moment ago, or a broker still starting: ask again
          if (!err.retriable || attempt >= START_ATTEMPTS || stopping) throw err;
          log.warn('topic check failed, retrying', { attempt, error: err });
          await sleep(Math.min(5_000, 250 * 2 ** attempt));
        }
      }
      const topics = layout.stateTopics;
      deps = {
        kafka,
        admin,
        config,
        telemetry,
        decoder: options.decoder ?? createEventDecoder(config),
        encoders: options.encoders ?? createOutputEncoders(),
        topics,
        createPipeline: makePipeline,
        now,
        sleep,
      };
      if (!config.input.keyedByHost) {
        repartition = startRepartition({
          kafka,
          admin,
          config,
          telemetry,
          decoder: deps.decoder,
          reportFatal,
        });
      }
      const c = kafka.consumer({
        groupId: config.consumer.groupId,
        sessionTimeout: config.consumer.sessionTimeoutMs,
        heartbeatInterval: Math.max(500, Math.min(3_000, Math.floor(config.consumer.sessionTimeoutMs / 5))),
        rebalanceTimeout: Math.max(config.consumer.sessionTimeoutMs, 30_000),
        readUncommitted: false,
        maxWaitTimeInMs: 500,
        allowAutoTopicCreation: false,
        partitionAssigners: [coPartitionedAssigner],
        retry: {
          initialRetryTime: 300,
          maxRetryTime: 10_000,
          retries: 10,
          restartOnFailure: async () => !stopping,
        },
      });
      consumer = c;
      c.on(c.events.GROUP_JOIN, (e) => {
        try {
          onAssignment(e.payload.memberAssignment, topics);
        } catch (err: unknown) {
          log.error('assignment handling failed', { error: describeError(err) });
        }
      });
      c.on(c.events.CRASH, (e) => {
        const err = toPoisonlinkError(e.payload.error, config, 'consuming');
        if (e.payload.restart) {
          log.warn('consumer restarting after an error', { error: err });
          joined = false;
        } else if (!stopping) {
          log.error('consumer stopped after an error it cannot recover from', { error: err });
          reportFatal(err);
        }
      });
      try {
        await c.connect();
        for (const topic of topics) await c.subscribe({ topic, fromBeginning: true });
        await c.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: Math.min(4, layout.partitions * topics.length),
          eachBatch,
        });
      } catch (e: unknown) {
        throw toPoisonlinkError(e, config, 'joining the consumer group');
      }
      log.info('processor started', {
        group: config.consumer.groupId,
        topics,
        partitions: layout.partitions,
        brokers: config.kafka.brokers,
      });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(idleTimer);
      const started = now();
      const work = (async () => {
        await repartition?.stop();
        if (consumer !== null) {
          await consumer.stop().catch(() => {});
          await consumer.disconnect().catch(() => {});
        }
        await Promise.all([...workers.values()].map((w) => w.close().catch(() => {})));
        await admin.disconnect().catch(() => {});
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), config.shutdown.timeoutMs);
      });
      const res = await Promise.race([work.then(() => 'done' as const), timeout]);
      clearTimeout(timer);
      if (res === 'timeout') {
        throw new PoisonlinkError(
          'SHUTDOWN_TIMEOUT',
          `shutdown did not finish within shutdown.timeoutMs=${config.shutdown.timeoutMs}`,
        );
      }
      log.info('processor stopped', { duration_ms: now() - started });
    },
  };
}
