/**
 * Every metric of DESIGN.md §6 on our own prom-client Registry, and one typed function per event
 * that updates the metric and writes the log line from the same values. Per-record counts are
 * gathered in a plain `BatchTally` and applied once per batch, so the hot path makes no
 * prom-client call per record.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EvictionReason, LateOutcome } from '../pipeline.js';
import type { HwSignal } from '../model/signal.js';
import type { HostHardwareEvent, TriagedCrash } from '../model/verdict.js';
import { DECODE_ERROR_CODES } from '../decode/errors.js';
import { createLogger, type Level, type Logger } from './logger.js';

/** dead-letter reasons: the decode error codes and the runtime's own two */
export const DEAD_LETTER_REASONS = [...DECODE_ERROR_CODES, 'PROCESSING_FAILED', 'ENCODE_FAILED'] as const;

/** 1 s to 7 d. */
export const POISON_TO_CRASH_BUCKETS = [
  1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400, 172800, 259200, 604800,
] as const;

/** `arch` label values: a closed set, never the raw string from a record. */
export const ARCH_LABELS = [
  'x86_64',
  'aarch64',
  'arm',
  'i686',
  'ppc64le',
  's390x',
  'riscv64',
  'other',
  'unknown',
] as const;
export type ArchLabel = (typeof ARCH_LABELS)[number];

export function archLabel(arch: string | null): ArchLabel {
  if (arch === null || arch === '') return 'unknown';
  const a = arch.toLowerCase();
  if (a === 'arm64') return 'aarch64';
  if (a === 'amd64' || a === 'x86-64') return 'x86_64';
  if (a === 'i386' || a === 'i586') return 'i686';
  return (ARCH_LABELS as readonly string[]).includes(a) ? (a as ArchLabel) : 'other';
}

/** Per-batch accumulation of per-record events (plain maps, no prom-client calls). */
export class BatchTally {
  readonly consumed = new Map<string, number>();
  readonly deadLettered = new Map<string, number>();
  readonly hwErrors = new Map<string, { source: string; severity: string; result: string; n: number }>();
  readonly evictions = new Map<EvictionReason, number>();
  readonly late = new Map<LateOutcome, number>();

  consume(topic: string, n = 1): void {
    this.consumed.set(topic, (this.consumed.get(topic) ?? 0) + n);
  }
  deadLetter(reason: string): void {
    this.deadLettered.set(reason, (this.deadLettered.get(reason) ?? 0) + 1);
  }
  hwError(s: HwSignal): void {
    const key = `${s.source}\u0000${s.severity}\u0000${s.result}`;
    const cur = this.hwErrors.get(key);
    if (cur === undefined)
      this.hwErrors.set(key, { source: s.source, severity: s.severity, result: s.result, n: 1 });
    else cur.n++;
  }
  eviction(reason: EvictionReason, count: number): void {
    this.evictions.set(reason, (this.evictions.get(reason) ?? 0) + count);
  }
  lateRecord(outcome: LateOutcome): void {
    this.late.set(outcome, (this.late.get(outcome) ?? 0) + 1);
  }
}

export interface BatchSummary {
  topic: string;
  partition: number;
  records: number;
  durationSeconds: number;
  /** high watermark minus the next offset to consume */
  lagRecords: number;
  verdicts: number;
  hostEvents: number;
  tally: BatchTally;
}

export interface Telemetry {
  readonly registry: Registry;
  readonly log: Logger;
  /** a transaction committed: apply the batch's counts, lag and duration, log a debug line */
  batchCommitted(b: BatchSummary): void;
  /** a verdict was committed to the verdicts topic */
  verdictCommitted(v: TriagedCrash): void;
  /** a host event was committed to the host-events topic */
  hostEventCommitted(e: HostHardwareEvent): void;
  /** the runtime's view of state, read at scrape time */
  setStateSource(fn: () => { hosts: number; hostsWithUnrecoveredPoison: number }): void;
  /** per partition, the event-time watermark (µs), read at scrape time */
  setWatermarkSource(fn: () => ReadonlyMap<number, number>): void;
  /** a partition left this instance: drop its per-partition series */
  partitionRevoked(topic: string, partition: number): void;
}

export interface TelemetryOptions {
  level?: Level;
  write?: (line: string) => void;
  /** wall clock in ms, for the event-time lag */
  now?: () => number;
  /** process metrics (cpu, memory, event loop); on by default */
  defaultMetrics?: boolean;
}

export function createTelemetry(options: TelemetryOptions = {}): Telemetry {
  const registry = new Registry();
  const now = options.now ?? Date.now;
  const loggerOptions: Parameters<typeof createLogger>[0] = { now };
  if (options.level !== undefined) loggerOptions.level = options.level;
  if (options.write !== undefined) loggerOptions.write = options.write;
  const log = createLogger(loggerOptions);
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const consumed = new Counter({
    name: 'poisonlink_records_consumed_total',
    help: 'Input records consumed and committed',
    labelNames: ['topic'] as const,
    registers,
  });
  const deadLettered = new Counter({
    name: 'poisonlink_records_dead_lettered_total',
    help: 'Records sent to the dead-letter topic, by error code',
    labelNames: ['reason'] as const,
    registers,
  });
  // Every known reason starts at 0, so the first dead letter of a kind is an increase that
  // rate() and the DeadLettersArriving alert see (a series born at 1 has no increase).
  for (const reason of DEAD_LETTER_REASONS) deadLettered.inc({ reason }, 0);
  const hwErrors = new Counter({
    name: 'poisonlink_hw_errors_total',
    help: 'Hardware error signals recognised',
    labelNames: ['source', 'severity', 'result'] as const,
    registers,
  });
  const crashes = new Counter({
    name: 'poisonlink_crashes_total',
    help: 'Crashes triaged (first verdicts)',
    labelNames: ['category', 'reason', 'arch'] as const,
    registers,
  });
  const revisions = new Counter({
    name: 'poisonlink_verdict_revisions_total',
    help: 'Verdicts revised by late evidence',
    labelNames: ['category'] as const,
    registers,
  });
  const poisonToCrash = new Histogram({
    name: 'poisonlink_poison_to_crash_seconds',
    help: 'Event time from the nearest unrecovered memory error to the crash it is linked to',
    labelNames: ['arch'] as const,
    buckets: [...POISON_TO_CRASH_BUCKETS],
    registers,
  });
  const hostEvents = new Counter({
    name: 'poisonlink_host_events_total',
    help: 'Host hardware events emitted',
    labelNames: ['advice'] as const,
    registers,
  });
  let stateSource = (): { hosts: number; hostsWithUnrecoveredPoison: number } => ({
    hosts: 0,
    hostsWithUnrecoveredPoison: 0,
  });
  new Gauge({
    name: 'poisonlink_hosts_tracked',
    help: 'Hosts whose state this instance holds',
    registers,
    collect() {
      this.set(stateSource().hosts);
    },
  });
  new Gauge({
    name: 'poisonlink_hosts_with_unrecovered_poison',
    help: 'Hosts holding an unrecovered memory error in their state',
    registers,
    collect() {
      this.set(stateSource().hostsWithUnrecoveredPoison);
    },
  });
  const evictions = new Counter({
    name: 'poisonlink_state_evictions_total',
    help: 'Per-host state evicted, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const late = new Counter({
    name: 'poisonlink_late_records_total',
    help: 'Hardware errors that arrived after a verdict they precede',
    labelNames: ['outcome'] as const,
    registers,
  });
  let watermarkSource = (): ReadonlyMap<number, number> => new Map();
  new Gauge({
    name: 'poisonlink_event_time_lag_seconds',
    help: 'Wall clock minus the partition event-time watermark',
    labelNames: ['partition'] as const,
    registers,
    collect() {
      this.reset();
      const t = now();
      for (const [partition, wmUs] of watermarkSource()) {
        this.set({ partition: String(partition) }, Math.max(0, (t - wmUs / 1000) / 1000));
      }
    },
  });
  const consumerLag = new Gauge({
    name: 'poisonlink_consumer_lag_records',
    help: 'Records between the committed position and the partition high watermark',
    labelNames: ['topic', 'partition'] as const,
    registers,
  });
  const batchDuration = new Histogram({
    name: 'poisonlink_batch_duration_seconds',
    help: 'Time to process and commit one input batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });

  return {
    registry,
    log,
    batchCommitted(b) {
      const t = b.tally;
      for (const [topic, n] of t.consumed) consumed.inc({ topic }, n);
      for (const [reason, n] of t.deadLettered) deadLettered.inc({ reason }, n);
      for (const h of t.hwErrors.values())
        hwErrors.inc({ source: h.source, severity: h.severity, result: h.result }, h.n);
      for (const [reason, n] of t.evictions) evictions.inc({ reason }, n);
      for (const [outcome, n] of t.late) late.inc({ outcome }, n);
      consumerLag.set({ topic: b.topic, partition: String(b.partition) }, Math.max(0, b.lagRecords));
      batchDuration.observe(b.durationSeconds);
      if (t.deadLettered.size > 0) {
        log.warn('records dead-lettered', {
          topic: b.topic,
          partition: b.partition,
          reasons: Object.fromEntries(t.deadLettered),
        });
      }
      if (t.evictions.size > 0)
        log.info('state evicted', { partition: b.partition, reasons: Object.fromEntries(t.evictions) });
      if (log.enabled('debug')) {
        log.debug('batch committed', {
          topic: b.topic,
          partition: b.partition,
          records: b.records,
          verdicts: b.verdicts,
          host_events: b.hostEvents,
          lag_records: b.lagRecords,
          duration_s: b.durationSeconds,
        });
      }
    },
    verdictCommitted(v) {
      const arch = archLabel(v.arch);
      if (v.revision === 0) crashes.inc({ category: v.category, reason: v.reason, arch });
      else revisions.inc({ category: v.category });
      let secondsBefore: number | null = null;
      if (v.reason === 'POISON_CORRELATED') {
        for (const e of v.evidence) {
          if (e.same_boot && (secondsBefore === null || e.seconds_before < secondsBefore))
            secondsBefore = e.seconds_before;
        }
        if (secondsBefore !== null && v.revision === 0) poisonToCrash.observe({ arch }, secondsBefore);
      }
      log.info(v.revision === 0 ? 'crash triaged' : 'verdict revised', {
        crash_id: v.crash_id,
        revision: v.revision,
        host: v.host,
        category: v.category,
        reason: v.reason,
        confidence: v.confidence,
        arch,
        title: v.title,
        poison_to_crash_s: secondsBefore,
      });
    },
    hostEventCommitted(e) {
      hostEvents.inc({ advice: e.advice });
      log.info('host hardware event', {
        host: e.host,
        source: e.source,
        severity: e.severity,
        result: e.result,
        advice: e.advice,
        pfn: e.pfn,
      });
    },
    setStateSource(fn) {
      stateSource = fn;
    },
    setWatermarkSource(fn) {
      watermarkSource = fn;
    },
    partitionRevoked(topic, partition) {
      consumerLag.remove({ topic, partition: String(partition) });
    },
  };
}
