/**
 * The composition root of the pure stages. Decode is done by the caller (a Kafka partition worker,
 * a file reader, the demo); this object wires, per host,
 *
 *   KernelLogEvent ─split lines─> parse/hw (HwSignal, markers) ─┐
 *                  └────────────> assemble (CrashReport) ───────┴─> correlate + classify ─> sink
 *
 * and keeps the fleet-level bounds (hosts tracked, event-time retention). Every stage it calls is
 * deterministic, so a host's verdicts depend only on that host's sequence of records: a live run,
 * a replay and a file triage of the same records agree.
 */
import { type AssemblerState, newAssemblerState } from './assemble/assembler.js';
import type { OpenReport } from './assemble/report.js';
import {
  advanceLines,
  compactHw,
  flushLines,
  type HostLineState,
  type HostOutput,
  processLines,
  routineLine,
} from './assemble/host.js';
import { NO_KNOWN_ISSUES, type KnownIssueRules } from './classify/index.js';
import {
  advance as advanceCorrelator,
  decodeHostState,
  encodeHostState,
  hasUnrecoveredPoison,
  hostExpired,
  newHostState,
  nextDueUs,
  step,
  type CorrelateContext,
  type HostState,
  type StepResult,
} from './correlate/index.js';
import type { CorrelationConfig, StateLimits } from './model/config.js';
import type { KernelLogEvent, RoutineRecord } from './model/event.js';
import type { HwSignal } from './model/signal.js';
import type { HostHardwareEvent, TriagedCrash } from './model/verdict.js';
import { HostTable } from './host-table.js';
import { type HwState, newHwState } from './parse/hw/state.js';

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
  /** parsed known-issues rules (src/classify `parseKnownIssues`); NO_KNOWN_ISSUES when none */
  knownIssues?: KnownIssueRules;
  sink: PipelineSink;
}

/** Serialised per-host state for the changelog topic (key = host). */
export type HostSnapshot = Uint8Array;

export interface Pipeline {
  /** one record, in per-host arrival order */
  process(event: KernelLogEvent): void;
  /**
   * One record read from its bytes whose message is one routine line (src/decode/routine-avro.ts):
   * applied exactly as `process` would apply the decoded record, and true; or false, changing
   * nothing, when the host is new, has something open, or the record may change its boot: the
   * caller then decodes the record and calls `process`.
   */
  processRoutine(record: RoutineRecord): boolean;
  /** event time moved on (µs): close idle reports, expire state, emit what is due */
  advance(watermarkUs: number): void;
  /** end of input (file, replay, demo): close every open report and settle every verdict */
  flush(): void;
  /** hosts whose state changed since the last call (drains the set) */
  takeDirtyHosts(): string[];
  /** the host's state, or null when it holds none (a tombstone for the changelog) */
  snapshot(host: string): HostSnapshot | null;
  restore(host: string, snapshot: HostSnapshot): void;
  /**
   * The event time the restored state had been advanced to (the partition's committed watermark),
   * called once after the hosts are restored: set without running anything that advance() runs,
   * which the state already went through, so what the restored pipeline measures against event
   * time (a host's lag at its end marker) matches an uninterrupted run. A restored host counts as
   * seen at this time: its snapshot does not say when its last routine line came (those do not
   * write the changelog), so retention counts from the restore instead of evicting it at once.
   */
  restoreWatermark(watermarkUs: number): void;
  /** how many hosts are tracked, and how many hold unrecovered poison */
  gauges(): { hosts: number; hostsWithUnrecoveredPoison: number };
}

/**
 * One tracked host. The entry is itself the assembler's state (its four fields: boot id, last
 * uptime, lines since the boot, open reports), so an idle host is this one object and its key.
 * The hardware state and the correlator's state are created when a line or a signal needs them
 * (null stands for the fresh state; see HwHolder): an idle host carries neither.
 */
interface HostEntry extends AssemblerState {
  hw: HwState | null;
  /**
   * the correlator's state; null until the host's first signal or report, or a number: the
   * watermark (µs) a fresh state has been advanced to (all that advance() changes in a fresh state,
   * kept as one number instead of an object)
   */
  corr: HostState | number | null;
  /**
   * greatest event time of the host's records (retention is measured from it), in whole seconds
   * since SEEN_BASE_US, rounded up: a small integer V8 keeps in the field itself, where µs would be
   * a 16-byte heap number per host
   */
  seen: number;
  /**
   * seen since the max_hosts eviction last passed it (CLOCK's reference bit: the table's order is
   * the clock, and a record only sets this bit instead of moving its host to the back)
   */
  ref: boolean;
}

/** Snapshot layout: version byte, u32 length of the correlator's Avro state, that state, then the
 * per-line stages' open state as JSON (`HostLineState`; absent in a snapshot of a host that has not
 * had a record since it was restored without one). */
const SNAPSHOT_VERSION = 1;

/** retention sweeps run at most once per this much watermark progress */
const SWEEP_EVERY_US = 60_000_000;

const FRESH_ASM: Readonly<AssemblerState> = Object.freeze(newAssemblerState());
const FRESH_HW: Readonly<HwState> = Object.freeze(newHwState());

/** origin of HostEntry.seen (2020-09-13): seconds since it stay below 2^30 until 2054 */
const SEEN_BASE_US = 1_600_000_000_000_000;
/** HostEntry.seen for "never" (an event time before 1986) */
const SEEN_NEVER = -(2 ** 30);

/** An event time (µs) as HostEntry.seen. */
function seenOf(ts: number): number {
  const s = Math.ceil((ts - SEEN_BASE_US) / 1_000_000);
  return Math.max(s, SEEN_NEVER);
}

function newEntry(tsUs: number): HostEntry {
  return {
    bootId: FRESH_ASM.bootId,
    lastUptimeS: FRESH_ASM.lastUptimeS,
    sinceBoot: FRESH_ASM.sinceBoot,
    open: FRESH_ASM.open,
    hw: null,
    corr: null,
    seen: seenOf(tsUs),
    ref: false,
  };
}

/** A restored correlator state that never saw an input (a watermark at most). */
function pristine(s: HostState): boolean {
  return (
    s.boot === 0 &&
    s.bootId === null &&
    s.bootStart === null &&
    s.lastTs === null &&
    s.lastUptimeUs === undefined &&
    s.prevBoots === undefined &&
    s.incidents === undefined &&
    s.open === undefined &&
    s.ce === undefined &&
    s.inj === undefined &&
    s.injBoot === undefined &&
    s.sigs === undefined
  );
}

function lineIdle(e: HostEntry): boolean {
  return e.open === null && (e.hw === null || (e.hw.blocks === null && e.hw.held === null));
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const { sink, limits } = options;
  const ctx: CorrelateContext = {
    config: options.correlation,
    limits,
    rules: options.knownIssues ?? NO_KNOWN_ISSUES,
  };
  const hosts = new HostTable<HostEntry>();
  const dirty = new Set<string>();
  /**
   * Hosts that need advance() soon: an open report or record block, or a correlator deadline
   * (settle window, lateness) within the next sweep. The others wait for the periodic full sweep,
   * so an advance costs O(busy hosts), not O(hosts).
   */
  const active = new Set<string>();
  /** restored from a snapshot without line state: their next record marks them dirty */
  const lineless = new Set<string>();
  /**
   * A host's shipper may lag the partition by up to the allowed lateness: the line stages see the
   * watermark that much later, so a lagging host's open reports are not cut by other hosts' time.
   */
  const lagGraceUs = options.correlation.latenessMs * 1000;
  let watermark = Number.NEGATIVE_INFINITY;
  let lastSweep = Number.NEGATIVE_INFINITY;
  let sinceSweep = 0;

  const retentionUs = limits.retentionMs * 1000;

  function emit(r: StepResult): void {
    for (const v of r.verdicts) sink.verdict(v);
    for (const e of r.hostEvents) sink.hostEvent(e);
    for (const o of r.late) sink.late(o);
    for (const e of r.evictions) sink.eviction(e.reason, e.count);
  }

  function corrOf(host: string, entry: HostEntry): HostState {
    const c = entry.corr;
    if (c !== null && typeof c !== 'number') return c;
    const s = newHostState(host);
    if (c !== null) s.wm = c;
    entry.corr = s;
    return s;
  }

  /** The host's correlator state when it holds more than a watermark. */
  function stateOf(entry: HostEntry): HostState | null {
    const c = entry.corr;
    return c === null || typeof c === 'number' ? null : c;
  }

  /**
   * Short lists of the correlator's state in arrays of their exact length: an array grown by push
   * from empty reserves 17 slots, ~130 B a host would keep for one incident.
   */
  function compactLists(s: HostState): void {
    if (s.incidents !== undefined) s.incidents = s.incidents.slice();
    if (s.prevBoots !== undefined) s.prevBoots = s.prevBoots.slice();
    if (s.open !== undefined) s.open = s.open.slice();
    if (s.inj !== undefined) s.inj = s.inj.slice();
    if (s.sigs !== undefined) s.sigs = s.sigs.slice();
  }

  /** Hands the per-line stages' output to the correlator; true when there was any. */
  function feed(host: string, entry: HostEntry, out: HostOutput): boolean {
    if (out.signals.length === 0 && out.reports.length === 0) return false;
    const corr = corrOf(host, entry);
    for (const s of out.signals) {
      if (s.type === 'hw') {
        sink.hwError(s);
        emit(step(corr, { type: 'hw', signal: s }, ctx));
      } else {
        emit(step(corr, { type: 'marker', signal: s }, ctx));
      }
    }
    for (const report of out.reports) {
      if (report.truncatedLines > 0) sink.eviction('report_lines', report.truncatedLines);
      emit(step(corr, { type: 'crash', report }, ctx));
    }
    // one copy of the host's boot id: the correlator's is the same text as the line stages'
    if (corr.bootId !== null && corr.bootId === entry.bootId) corr.bootId = entry.bootId;
    compactLists(corr);
    return true;
  }

  /**
   * max_hosts reached: evict the least recently seen host, as the CLOCK algorithm approximates it
   * (the table's insertion order is the clock): a host seen since the hand last passed it gets a
   * second chance at the back, the first one not seen is evicted. A record costs one flag, not a
   * move in the table.
   */
  function evictOldest(): void {
    for (;;) {
      const oldest = hosts.first();
      if (oldest === undefined) return;
      const [host, entry] = oldest;
      if (entry.ref) {
        entry.ref = false;
        hosts.delete(host);
        hosts.set(host, entry);
        continue;
      }
      hosts.delete(host);
      active.delete(host);
      lineless.delete(host);
      dirty.add(host);
      sink.eviction('max_hosts', 1);
      return;
    }
  }

  /** The host's lag behind the partition's event time, on reports that just took their end marker. */
  function noteEndLag(open: readonly OpenReport[]): void {
    for (const r of open) {
      if (r.endedTs >= 0 && r.endLagUs === undefined) r.endLagUs = Math.max(0, watermark - r.endedTs);
    }
  }

  /** A record of a tracked host at event time `ts`. */
  function seenAt(entry: HostEntry, ts: number): void {
    entry.ref = true;
    const s = seenOf(ts);
    if (s > entry.seen) entry.seen = s;
  }

  function needsSoon(entry: HostEntry, wm: number): boolean {
    if (!lineIdle(entry)) return true;
    const corr = stateOf(entry);
    if (corr === null) return false;
    const due = nextDueUs(corr, ctx);
    return due !== null && due <= wm + SWEEP_EVERY_US;
  }

  function advanceEntry(host: string, entry: HostEntry, wm: number): void {
    if (feed(host, entry, advanceLines(entry, entry, wm, limits, lagGraceUs))) dirty.add(host);
    compactHw(entry);
    const c = entry.corr;
    if (c === null || typeof c === 'number') {
      // a fresh state only records the watermark (advance's housekeeping has nothing to do)
      if (c === null || wm > c) entry.corr = wm;
      return;
    }
    const r = advanceCorrelator(c, wm, ctx);
    emit(r);
    compactLists(c);
    if (r.verdicts.length > 0 || r.hostEvents.length > 0) dirty.add(host);
  }

  function sweep(wm: number): void {
    hosts.forEach((entry, host) => {
      const busy = !lineIdle(entry);
      const corr = stateOf(entry);
      if (busy) advanceEntry(host, entry, wm);
      else if (corr !== null) {
        const due = nextDueUs(corr, ctx);
        if (due !== null && due <= wm) advanceEntry(host, entry, wm);
      }
      const after = stateOf(entry);
      if (
        lineIdle(entry) &&
        wm - (SEEN_BASE_US + entry.seen * 1_000_000) > retentionUs &&
        (after === null || hostExpired(after, wm, ctx))
      ) {
        hosts.delete(host);
        active.delete(host);
        lineless.delete(host);
        dirty.add(host);
        sink.eviction('retention', 1);
      } else if (needsSoon(entry, wm)) active.add(host);
      else active.delete(host);
    });
  }

  return {
    process(event) {
      const host = event.host;
      let entry = hosts.get(host);
      if (entry === undefined) {
        if (hosts.size >= limits.maxHosts) evictOldest();
        entry = newEntry(event.ts);
        hosts.set(host, entry);
        dirty.add(host);
      } else {
        seenAt(entry, event.ts);
        if (lineless.size > 0 && lineless.delete(host)) dirty.add(host);
      }
      const bootId = entry.bootId;
      const out = processLines(entry, entry, event, limits);
      if (entry.open !== null) noteEndLag(entry.open);
      // keep the boot id string already held when the record repeats it (no new copy per host)
      if (bootId !== null && entry.bootId === bootId) entry.bootId = bootId;
      const facts = entry.hw === null ? null : entry.hw.facts;
      if (facts !== null && facts.bootId !== null && facts.bootId === entry.bootId) {
        facts.bootId = entry.bootId;
      }
      // A routine line on an idle host changes nothing the changelog or a deadline needs (only
      // the uptime the boot detection compares with, which a restore may see a little stale).
      if (feed(host, entry, out) || !lineIdle(entry)) {
        dirty.add(host);
        active.add(host);
      }
      if (entry.hw !== null && entry.hw.facts === null) compactHw(entry);
      sinceSweep++;
    },

    processRoutine(r) {
      // looked up by the name's bytes: no string is made for a host the table holds
      const at = hosts.findBytes(r.bytes, r.hostStart, r.hostEnd, r.hostHash);
      if (at < 0) return false;
      const entry = hosts.valueAt(at);
      if (lineless.size > 0 && lineless.has(hosts.keyAt(at))) return false;
      if (!routineLine(entry, entry, r)) return false;
      seenAt(entry, r.ts);
      if (entry.hw !== null && entry.hw.facts === null) compactHw(entry);
      sinceSweep++;
      return true;
    },

    advance(watermarkUs) {
      // no early return when the watermark stands still: records of a host that lags behind it
      // still have reports and deadlines that this watermark has already passed
      if (watermarkUs > watermark) watermark = watermarkUs;
      // amortised: a full sweep needs a minute of event time and as many records as there are
      // hosts since the last one, so a fast replay of days of data stays O(1) per record; a quiet
      // partition still sweeps every ten minutes of event time
      const since = watermark - lastSweep;
      if ((since >= SWEEP_EVERY_US && sinceSweep >= hosts.size) || since >= 10 * SWEEP_EVERY_US) {
        lastSweep = watermark;
        sinceSweep = 0;
        sweep(watermark);
        return;
      }
      for (const host of active) {
        const entry = hosts.get(host);
        if (entry === undefined) {
          active.delete(host);
          continue;
        }
        advanceEntry(host, entry, watermark);
        if (!needsSoon(entry, watermark)) active.delete(host);
      }
    },

    flush() {
      hosts.forEach((entry, host) => {
        feed(host, entry, flushLines(entry, entry, limits));
        compactHw(entry);
        // settle pending verdicts: event time runs past every window of this host (a host without
        // correlator state has nothing to settle)
        const corr = stateOf(entry);
        if (corr !== null) {
          const end = (corr.lastTs ?? 0) + Math.max(limits.reportIdleMs, ctx.config.latenessMs) * 1000 + 1;
          emit(advanceCorrelator(corr, end, ctx));
        }
        dirty.add(host);
      });
    },

    takeDirtyHosts() {
      const out = [...dirty];
      dirty.clear();
      return out;
    },

    snapshot(host) {
      const entry = hosts.get(host);
      if (entry === undefined) return null;
      let state = stateOf(entry);
      if (state === null) {
        // the fresh state this entry stands for, with the watermark it was advanced to
        state = newHostState(host);
        if (typeof entry.corr === 'number') state.wm = entry.corr;
      }
      const corr = encodeHostState(state);
      let line: Buffer | null = null;
      if (!lineless.has(host)) {
        const state: HostLineState = {
          hw: entry.hw ?? FRESH_HW,
          asm: {
            bootId: entry.bootId,
            lastUptimeS: entry.lastUptimeS,
            sinceBoot: entry.sinceBoot,
            open: entry.open,
          },
        };
        line = Buffer.from(JSON.stringify(state), 'utf8');
      }
      const out = Buffer.allocUnsafe(5 + corr.length + (line?.length ?? 0));
      out.writeUInt8(SNAPSHOT_VERSION, 0);
      out.writeUInt32BE(corr.length, 1);
      corr.copy(out, 5);
      if (line !== null) line.copy(out, 5 + corr.length);
      return out;
    },

    restore(host, snapshot) {
      const buf = Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
      if (buf.length < 5 || buf.readUInt8(0) !== SNAPSHOT_VERSION) {
        throw new Error(
          `host state for ${host}: unknown snapshot version ${buf.length > 0 ? buf.readUInt8(0) : 'none'}`,
        );
      }
      const n = buf.readUInt32BE(1);
      const corr = decodeHostState(buf.subarray(5, 5 + n));
      const rest = buf.subarray(5 + n);
      const line = rest.length > 0 ? (JSON.parse(rest.toString('utf8')) as HostLineState) : null;
      const entry = newEntry(corr.lastTs ?? Number.NEGATIVE_INFINITY);
      entry.corr = pristine(corr) ? (corr.wm ?? null) : corr;
      if (line !== null) {
        entry.bootId = line.asm.bootId;
        entry.lastUptimeS = line.asm.lastUptimeS;
        entry.sinceBoot = line.asm.sinceBoot;
        entry.open = line.asm.open;
        entry.hw = line.hw;
        compactHw(entry);
        lineless.delete(host);
      } else lineless.add(host);
      hosts.set(host, entry);
      active.add(host);
    },

    restoreWatermark(watermarkUs) {
      if (watermarkUs > watermark) watermark = watermarkUs;
      const s = seenOf(watermarkUs);
      hosts.forEach((entry) => {
        if (entry.seen < s) entry.seen = s;
      });
    },

    gauges() {
      let poisoned = 0;
      hosts.forEach((e) => {
        const c = stateOf(e);
        if (c !== null && hasUnrecoveredPoison(c, ctx)) poisoned++;
      });
      return { hosts: hosts.size, hostsWithUnrecoveredPoison: poisoned };
    },
  };
}
