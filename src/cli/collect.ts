/**
 * In-memory PipelineSink for the file-driven commands (triage, demo, replay to a file): keeps the
 * latest revision of every verdict, every host event, and the counts the end-of-run summary prints.
 */
import type { EvictionReason, LateOutcome, PipelineSink } from '../pipeline.js';
import type { HwSignal } from '../model/signal.js';
import type { HostHardwareEvent, TriagedCrash } from '../model/verdict.js';

export interface RunCounts {
  records: number;
  deadLetters: number;
  hwErrors: number;
  revisions: number;
  late: Record<LateOutcome, number>;
  evictions: Partial<Record<EvictionReason, number>>;
}

export class Collector implements PipelineSink {
  /** latest revision per crash_id, in first-seen order */
  readonly verdicts = new Map<string, TriagedCrash>();
  /** every verdict and revision in emission order (what a topic would hold) */
  readonly emitted: TriagedCrash[] = [];
  readonly hostEvents: HostHardwareEvent[] = [];
  readonly counts: RunCounts = {
    records: 0,
    deadLetters: 0,
    hwErrors: 0,
    revisions: 0,
    late: { revised: 0, dropped: 0 },
    evictions: {},
  };
  private readonly onVerdict: ((v: TriagedCrash) => void) | undefined;
  private readonly onHostEvent: ((e: HostHardwareEvent) => void) | undefined;

  constructor(
    hooks: { verdict?: (v: TriagedCrash) => void; hostEvent?: (e: HostHardwareEvent) => void } = {},
  ) {
    this.onVerdict = hooks.verdict;
    this.onHostEvent = hooks.hostEvent;
  }

  verdict(v: TriagedCrash): void {
    const prev = this.verdicts.get(v.crash_id);
    if (prev !== undefined) {
      if (prev.revision >= v.revision) return;
      this.counts.revisions++;
    }
    this.verdicts.set(v.crash_id, v);
    this.emitted.push(v);
    this.onVerdict?.(v);
  }

  hostEvent(e: HostHardwareEvent): void {
    this.hostEvents.push(e);
    this.onHostEvent?.(e);
  }

  hwError(_s: HwSignal): void {
    this.counts.hwErrors++;
  }

  eviction(reason: EvictionReason, count: number): void {
    this.counts.evictions[reason] = (this.counts.evictions[reason] ?? 0) + count;
  }

  late(outcome: LateOutcome): void {
    this.counts.late[outcome]++;
  }

  /** latest verdicts ordered by event time, then host, for stable output */
  sortedVerdicts(): TriagedCrash[] {
    return [...this.verdicts.values()].sort((a, b) => a.ts - b.ts || a.host.localeCompare(b.host));
  }
}
