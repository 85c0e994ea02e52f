/**
 * The composition root of the pure stages: decode is done by the caller; this wires
 * parse → assemble → correlate → classify for every host and hands the outputs to a sink.
 * Kafka (`src/cli/run`), files (`src/cli/triage`, `replay`) and the demo all drive this one object.
 *
 * STUB: the real wiring lands when the parse, assemble and correlate stages do. The interface is
 * the contract the runtime codes against.
 */
import type { KernelLogEvent } from './model/event.js';
import type { HwSignal } from './model/signal.js';
import type { HostHardwareEvent, TriagedCrash } from './model/verdict.js';
import type { CorrelationConfig, StateLimits } from './model/config.js';

export type EvictionReason = 'max_hosts' | 'retention' | 'max_incidents' | 'report_lines';
export type LateOutcome = 'revised' | 'dropped';

/** Where the pipeline's outputs go; the runtime batches them into one Kafka transaction. */
export interface PipelineSink {
  verdict(v: TriagedCrash): void;
  hostEvent(e: HostHardwareEvent): void;
  /** every hardware signal recognised, for `hw_errors_total` */
  hwError(s: HwSignal): void;
  eviction(reason: EvictionReason, count: number): void;
  late(outcome: LateOutcome): void;
}

export interface PipelineOptions {
  correlation: CorrelationConfig;
  limits: StateLimits;
  /** parsed known-issues rules (src/classify); empty when none are configured */
  knownIssues: unknown;
  sink: PipelineSink;
}

/** Serialised per-host state for the changelog topic (key = host). */
export type HostSnapshot = Uint8Array;

export interface Pipeline {
  /** one record, in per-host arrival order */
  process(event: KernelLogEvent): void;
  /** event time moved on (µs): close idle reports, expire state, emit what is due */
  advance(watermarkUs: number): void;
  /** end of input (file, replay, demo): close every open report */
  flush(): void;
  /** hosts whose state changed since the last call (drains the set) */
  takeDirtyHosts(): string[];
  snapshot(host: string): HostSnapshot | null;
  restore(host: string, snapshot: HostSnapshot): void;
  /** how many hosts are tracked, and how many hold unrecovered poison */
  gauges(): { hosts: number; hostsWithUnrecoveredPoison: number };
}

export function createPipeline(options: PipelineOptions): Pipeline {
  void options;
  const dirty = new Set<string>();
  return {
    process(event) {
      dirty.add(event.host);
    },
    advance() {},
    flush() {},
    takeDirtyHosts() {
      const out = [...dirty];
      dirty.clear();
      return out;
    },
    snapshot() {
      return null;
    },
    restore() {},
    gauges() {
      return { hosts: dirty.size, hostsWithUnrecoveredPoison: 0 };
    },
  };
}
