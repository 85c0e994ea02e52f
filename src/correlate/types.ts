/**
 * Per-host state of the correlator and the reducer's inputs and outputs.
 *
 * The state is a small plain object (JSON-like, no classes, no Maps) so that it serialises to
 * schemas/host-state.avsc and an idle host costs a few hundred bytes. Optional collections are
 * absent (undefined, never empty) when they hold nothing; the reducer assigns undefined rather than
 * `delete`, which would turn the object into a slow, larger dictionary-mode object in V8. A restored
 * state has the absent fields missing altogether. Times are µs of event time.
 */
import type { KnownIssueRules } from '../classify/known-issues.js';
import type { CrashReport } from '../model/crash.js';
import type { CorrelationConfig, StateLimits } from '../model/config.js';
import type { HwSignal, MarkerSignal } from '../model/signal.js';
import type { HwResult, HwSource, Severity } from '../model/signal.js';
import type { HostHardwareEvent, TriagedCrash } from '../model/verdict.js';
import type { EvictionReason, LateOutcome } from '../pipeline.js';

/** Incident flag bits (a number keeps the state small). */
export const F = {
  /** an uncorrected or fatal raw error record (MCE/GHES/EDAC/SEA/SError) */
  UE: 1,
  /** `%#lx: unhandlable page.` */
  UNHANDLABLE: 2,
  /** x86 `mce: Memory error not recovered` */
  NOT_RECOVERED: 4,
  /** a fatal error or the memory-failure panic itself */
  FATAL: 8,
  /** injected or software poison */
  SYNTHETIC: 16,
  /** a machine check printed early in a boot, attributed to the boot before */
  PREV_BOOT: 32,
  /** the HostHardwareEvent of this incident was emitted */
  EVENT_SENT: 64,
  /** an event with advice DRAIN was emitted */
  DRAIN_SENT: 128,
} as const;

export type ActionVerdict = 'Ignored' | 'Failed' | 'Delayed' | 'Recovered';

/** One hardware fault: every reporter of one pfn in one boot folds into it. */
export interface Incident {
  /** null when no reporter named a page */
  pfn: number | null;
  /** boot ordinal (see HostState.boot) */
  boot: number;
  /** event time of the first report */
  first: number;
  /** event time of the latest report */
  last: number;
  /**
   * the host's clock when the incident was created (capped at its newest record + latenessMs -
   * SETTLE_US): a late incident settles SETTLE_US after it was seen, so a late burst of its lines
   * folds before any verdict is revised
   */
  seen: number;
  /** the most informative report: the memory-failure verdict when there is one */
  source: HwSource;
  severity: Severity;
  result: HwResult;
  pageType: string | null;
  physAddr: number | null;
  /** the latest action_result verdict that is not an already-poisoned duplicate */
  verdict: ActionVerdict | null;
  /** log lines folded into the incident */
  reports: number;
  /** bit set of {@link F} */
  flags: number;
  /** the most informative report's line, bounded */
  line: string;
}

export interface PastBoot {
  /** boot ordinal */
  n: number;
  id: string | null;
  /** estimated event time of the boot (µs), when known */
  start: number | null;
}

/** A crash verdict kept while late evidence may still revise it (or while it waits to settle). */
export interface OpenVerdict {
  /** the verdict as last emitted; revision -1 while pending (not emitted yet) */
  v: TriagedCrash;
  /** boot ordinal of the crash */
  boot: number;
  hwSignature: boolean;
  inPoisonHandler: boolean;
  /** pfns the report names */
  pfns: number[];
}

/** Corrected-error rate over one-hour windows (sliding estimate from two buckets). */
export interface CorrectedRate {
  /** start of the current hour window */
  start: number;
  /** corrected errors in the current window */
  n: number;
  /** corrected errors in the previous window */
  prev: number;
  /** a storm episode is open (its event was emitted) */
  storm: boolean;
}

export interface Injection {
  ts: number;
  /** the injected pfn; null for a marker that names none (`MCE exception done on CPU 3`) */
  pfn: number | null;
  boot: number;
}

export interface SignatureCount {
  sig: string;
  n: number;
  last: number;
}

export interface HostState {
  host: string;
  /** ordinal of the current boot: 0 for the first boot seen, +1 at every boot boundary */
  boot: number;
  bootId: string | null;
  /** estimated event time of the current boot's start, when known */
  bootStart: number | null;
  /** greatest event time of the host's own records (null before the first) */
  lastTs: number | null;
  /** uptime of the latest in-order record, for detecting uptime resets */
  lastUptimeUs?: number;
  /** greatest watermark passed to advance() */
  wm?: number;
  prevBoots?: PastBoot[];
  incidents?: Incident[];
  open?: OpenVerdict[];
  ce?: CorrectedRate;
  inj?: Injection[];
  /** boot ordinal from which pfn-less injection markers make poison synthetic */
  injBoot?: number;
  sigs?: SignatureCount[];
}

export type CorrelateInput =
  | { type: 'hw'; signal: HwSignal }
  | { type: 'marker'; signal: MarkerSignal }
  | { type: 'crash'; report: CrashReport }
  | { type: 'boot'; bootId: string | null; ts: number };

export interface CorrelateContext {
  config: CorrelationConfig;
  limits: StateLimits;
  rules: KnownIssueRules;
}

export interface StepResult {
  /** the new state; the reducer mutates and returns the state object it was given */
  state: HostState;
  verdicts: TriagedCrash[];
  hostEvents: HostHardwareEvent[];
  /** one entry per late record: `revised` per revision emitted, `dropped` per record dropped */
  late: LateOutcome[];
  evictions: Array<{ reason: EvictionReason; count: number }>;
}
