/**
 * The per-host correlator: a pure, deterministic reducer (STYLE.md "Pure stages").
 *
 *   step(state, input, ctx)        one signal, crash report or boot boundary of one host
 *   advance(state, watermarkUs, ctx)  event time moved on: settle incidents, release waiting
 *                                  verdicts, expire state
 *
 * Both mutate the state they are given and return it in the result (callers must not share a state
 * object between hosts). The outputs depend only on the host's own sequence of inputs and advance
 * calls, never on a clock or on other hosts.
 *
 * Time: the host's clock is the greater of its newest record and the newest watermark given to
 * advance(). Lateness of a hardware record is measured against the host's newest record only, so a
 * host whose shipper lags behind the fleet's watermark is not dropped wholesale: a record more than
 * latenessMs older than the host's newest record is counted (`late: 'dropped'`) and not correlated.
 * An emitted verdict stays open for revision until the clock passes its crash time + latenessMs; a
 * revision is emitted (`late: 'revised'`) when accepted evidence changes its outcome. Flush at end
 * of input with advance(state, Number.MAX_SAFE_INTEGER).
 */
import type { CrashReport } from '../model/crash.js';
import type { HwSignal, MarkerSignal } from '../model/signal.js';
import type { EvictionReason } from '../pipeline.js';
import { bootOf, clockOf, markBoot, noteTime } from './boots.js';
import {
  evictOneIncident,
  foldReport,
  isCorrected,
  isEvidenceCandidate,
  isSettled,
  SETTLE_US,
  settledEvents,
} from './incidents.js';
import { countCorrected, expireCorrected, HOUR_US } from './storm.js';
import {
  type CorrelateContext,
  type CorrelateInput,
  F,
  type HostState,
  type Incident,
  type StepResult,
} from './types.js';
import { crashId } from '../classify/identity.js';
import { evaluate, MAX_OPEN_VERDICTS, mustWait, openVerdictOf } from './verdicts.js';

/** pfn-less injection markers make poison synthetic within this distance */
export const INJECTION_WINDOW_US = 10_000_000;
/** a pfn-less injection marker printed after this uptime (not at boot) marks the rest of the boot */
export const INJECTION_BOOT_UPTIME_US = 60_000_000;
export const MAX_INJECTIONS = 8;
export const MAX_SIGNATURES = 8;

export function newHostState(host: string): HostState {
  return { host, boot: 0, bootId: null, bootStart: null, lastTs: null };
}

function emptyResult(state: HostState): StepResult {
  return { state, verdicts: [], hostEvents: [], late: [], evictions: [] };
}

function evict(out: StepResult, reason: EvictionReason, count: number): void {
  if (count <= 0) return;
  const e = out.evictions.find((x) => x.reason === reason);
  if (e) e.count += count;
  else out.evictions.push({ reason, count });
}

export function step(state: HostState, input: CorrelateInput, ctx: CorrelateContext): StepResult {
  const out = emptyResult(state);
  switch (input.type) {
    case 'hw':
      onHw(state, input.signal, ctx, out);
      break;
    case 'marker':
      onMarker(state, input.signal, out);
      break;
    case 'crash':
      onCrash(state, input.report, ctx, out);
      break;
    case 'boot':
      markBoot(state, input.bootId, input.ts, null);
      noteTime(state, input.ts, null, state.boot);
      break;
  }
  housekeeping(state, ctx, out);
  return out;
}

export function advance(state: HostState, watermarkUs: number, ctx: CorrelateContext): StepResult {
  const out = emptyResult(state);
  if (state.wm !== undefined && watermarkUs <= state.wm) return out;
  // Nothing settles, closes or expires before `due` (nextDueUs, from the clock before this
  // watermark): short of it, advancing only records the watermark. (Housekeeping would
  // re-evaluate every emitted verdict still open to revision on every watermark tick, to the same
  // outcome.)
  const due = nextDueUs(state, ctx);
  state.wm = watermarkUs;
  if (due !== null && due <= clockOf(state)) housekeeping(state, ctx, out);
  return out;
}

function onHw(s: HostState, sig: HwSignal, ctx: CorrelateContext, out: StepResult): void {
  const latenessUs = ctx.config.latenessMs * 1000;
  if (s.lastTs !== null && s.lastTs - sig.ts > latenessUs) {
    out.late.push('dropped');
    return;
  }
  const inOrder = s.lastTs === null || sig.ts >= s.lastTs;
  // When the incident is first seen, on the host's clock; but never later than the lateness allowance
  // past the host's own newest record, so advancing to (newest record + latenessMs) settles every
  // incident even when a watermark ran far ahead of a lagging host.
  const own = Math.max(sig.ts, s.lastTs ?? sig.ts);
  const seenAt = Math.min(Math.max(sig.ts, clockOf(s)), Math.max(own, own + latenessUs - SETTLE_US));
  let boot = bootOf(s, sig.bootId, sig.ts, sig.uptimeUs, inOrder);
  noteTime(s, sig.ts, sig.uptimeUs, boot);
  let prevBoot = false;
  if (sig.source === 'MCE' && boot === s.boot) {
    const windowUs = ctx.config.bootMceWindowMs * 1000;
    const uptime = sig.uptimeUs ?? (s.bootStart !== null ? sig.ts - s.bootStart : null);
    // The boot before may be one this state never saw (ordinal -1 on a fresh state): still not this one.
    if (uptime !== null && uptime >= 0 && uptime < windowUs) {
      boot = s.boot - 1;
      prevBoot = true;
    }
  }
  if (isCorrected(sig)) {
    const storm = countCorrected(s, sig, boot, ctx.config);
    if (storm) out.hostEvents.push(storm);
    return;
  }
  const { incident, created } = foldReport(s, sig, boot, prevBoot, seenAt);
  if (isInjected(s, incident)) incident.flags |= F.SYNTHETIC;
  if (created) {
    let n = 0;
    while ((s.incidents?.length ?? 0) > ctx.limits.maxIncidentsPerHost) {
      evictOneIncident(s, incident);
      n++;
    }
    evict(out, 'max_incidents', n);
  }
}

function isInjected(s: HostState, i: Incident): boolean {
  if (s.injBoot !== undefined && i.boot === s.injBoot) return true;
  for (const m of s.inj ?? []) {
    if (m.boot !== i.boot) continue;
    if (m.pfn !== null ? m.pfn === i.pfn : Math.abs(m.ts - i.first) <= INJECTION_WINDOW_US) return true;
  }
  return false;
}

function onMarker(s: HostState, m: MarkerSignal, out: StepResult): void {
  if (m.marker === 'BOOT') {
    markBoot(s, m.bootId, m.ts, m.uptimeUs);
    noteTime(s, m.ts, m.uptimeUs, s.boot);
    return;
  }
  const inOrder = s.lastTs === null || m.ts >= s.lastTs;
  const boot = bootOf(s, m.bootId, m.ts, m.uptimeUs, inOrder);
  noteTime(s, m.ts, m.uptimeUs, boot);
  if (m.marker !== 'INJECTION') return;
  const uptime = m.uptimeUs ?? (s.bootStart !== null ? m.ts - s.bootStart : null);
  if (m.pfn === null && uptime !== null && uptime >= INJECTION_BOOT_UPTIME_US) s.injBoot = boot;
  const list = s.inj ?? [];
  list.push({ ts: m.ts, pfn: m.pfn, boot });
  let dropped = 0;
  while (list.length > MAX_INJECTIONS) {
    list.shift();
    dropped++;
  }
  evict(out, 'max_incidents', dropped);
  s.inj = list;
  for (const i of s.incidents ?? []) if (isInjected(s, i)) i.flags |= F.SYNTHETIC;
}

function onCrash(s: HostState, report: CrashReport, ctx: CorrelateContext, out: StepResult): void {
  const inOrder = s.lastTs === null || report.ts >= s.lastTs;
  const boot = bootOf(s, report.bootId, report.ts, report.uptimeUs, inOrder);
  noteTime(s, report.ts, report.uptimeUs, boot);
  const o = openVerdictOf(report, boot);
  const open = s.open ?? [];
  // a report whose first record (seq, or time) is that of a verdict still open gets the next
  // ordinal: with the same key, the later verdict would replace the earlier one as its revision
  for (let k = 1; open.some((x) => x.v.crash_id === o.v.crash_id); k++) {
    o.v.crash_id = crashId(report.host, report.bootId, report.firstSeq, report.ts, k);
  }
  countSignature(s, o.v.signature, report.ts, out, ctx);
  open.push(o);
  s.open = open;
  let n = 0;
  while (open.length > MAX_OPEN_VERDICTS) {
    // The oldest leaves first; one still waiting is decided now rather than lost.
    const victim = open.shift();
    if (victim && victim.v.revision < 0) {
      const v = evaluate(s, victim, ctx);
      if (v) out.verdicts.push(v);
    }
    n++;
  }
  evict(out, 'max_incidents', n);
}

function countSignature(s: HostState, sig: string, ts: number, out: StepResult, ctx: CorrelateContext): void {
  const list = s.sigs ?? [];
  const e = list.find((x) => x.sig === sig);
  if (e) {
    e.n++;
    if (ts > e.last) e.last = ts;
  } else list.push({ sig, n: 1, last: ts });
  s.sigs = list;
  const cap = Math.min(MAX_SIGNATURES, ctx.limits.maxIncidentsPerHost);
  let n = 0;
  while (list.length > cap) {
    let k = 0;
    for (let j = 1; j < list.length; j++) if ((list[j]?.last ?? 0) < (list[k]?.last ?? 0)) k = j;
    list.splice(k, 1);
    n++;
  }
  evict(out, 'max_incidents', n);
}

/** After every input and watermark: host events, waiting verdicts, revisions, expiry. */
function housekeeping(s: HostState, ctx: CorrelateContext, out: StepResult): void {
  const clock = clockOf(s);
  for (const e of settledEvents(s, clock, ctx.config)) out.hostEvents.push(e);
  const open = s.open;
  if (open) {
    for (const o of open) {
      // Waiting verdicts are decided, and emitted ones revised, only on settled incidents.
      if (mustWait(s, o, clock)) continue;
      const v = evaluate(s, o, ctx);
      if (v) {
        out.verdicts.push(v);
        if (v.revision > 0) out.late.push('revised');
      }
    }
    const latenessUs = ctx.config.latenessMs * 1000;
    s.open = open.filter((o) => o.v.revision < 0 || clock <= o.v.ts + latenessUs);
    if (s.open.length === 0) s.open = undefined;
  }
  expire(s, clock, ctx, out);
}

function expire(s: HostState, clock: number, ctx: CorrelateContext, out: StepResult): void {
  const retentionUs = ctx.limits.retentionMs * 1000;
  if (s.incidents) {
    const before = s.incidents.length;
    s.incidents = s.incidents.filter((i) => clock - i.last <= retentionUs || !isSettled(i, clock));
    evict(out, 'retention', before - s.incidents.length);
    if (s.incidents.length === 0) s.incidents = undefined;
  }
  if (s.sigs) {
    const before = s.sigs.length;
    s.sigs = s.sigs.filter((x) => clock - x.last <= retentionUs);
    evict(out, 'retention', before - s.sigs.length);
    if (s.sigs.length === 0) s.sigs = undefined;
  }
  if (s.inj) {
    s.inj = s.inj.filter((m) => clock - m.ts <= (m.pfn === null ? INJECTION_WINDOW_US : retentionUs));
    if (s.inj.length === 0) s.inj = undefined;
  }
  if (s.injBoot !== undefined && s.injBoot !== s.boot && !s.incidents?.some((i) => i.boot === s.injBoot)) {
    s.injBoot = undefined;
  }
  expireCorrected(s, clock, ctx.config);
}

/** The host holds unrecovered, non-synthetic poison (for `hosts_with_unrecovered_poison`). */
export function hasUnrecoveredPoison(s: HostState, ctx: Pick<CorrelateContext, 'config'>): boolean {
  return s.incidents?.some((i) => isEvidenceCandidate(i, ctx.config)) ?? false;
}

/** Nothing left that the host's future or late records could need: the pipeline may drop it. */
export function hostExpired(
  s: HostState,
  watermarkUs: number,
  ctx: Pick<CorrelateContext, 'limits'>,
): boolean {
  if (s.open?.some((o) => o.v.revision < 0)) return false;
  const last = s.lastTs ?? Number.NEGATIVE_INFINITY;
  return watermarkUs - last > ctx.limits.retentionMs * 1000;
}

/**
 * The earliest clock value (µs) at which advance() would do more than record the watermark: an
 * incident settling, a waiting verdict's incidents settling, a verdict closing to revisions, or
 * something expiring. Null when nothing is due. Lets the pipeline advance only the hosts that need
 * it (a timer queue) instead of all of them on every watermark.
 */
export function nextDueUs(s: HostState, ctx: Pick<CorrelateContext, 'config' | 'limits'>): number | null {
  // Every step and advance leaves the state housekept through its clock, so a time before the
  // clock has had its effect (an incident that settled, with the verdicts waiting on it
  // re-evaluated): only times from the clock on are still due. (The clock itself counts: a
  // threshold met exactly there is harmless to apply twice.)
  const clock = clockOf(s);
  let due = Number.POSITIVE_INFINITY;
  const at = (t: number): void => {
    if (t >= clock && t < due) due = t;
  };
  const retentionUs = ctx.limits.retentionMs * 1000;
  for (const i of s.incidents ?? []) {
    const settle = Math.max(i.first, i.seen) + SETTLE_US;
    if ((i.flags & F.EVENT_SENT) === 0 || s.open?.some((o) => o.boot === i.boot)) at(settle);
    at(i.last + retentionUs + 1);
  }
  for (const o of s.open ?? []) if (o.v.revision >= 0) at(o.v.ts + ctx.config.latenessMs * 1000 + 1);
  for (const x of s.sigs ?? []) at(x.last + retentionUs + 1);
  for (const m of s.inj ?? []) at(m.ts + (m.pfn === null ? INJECTION_WINDOW_US : retentionUs) + 1);
  if (s.ce) at(s.ce.start + HOUR_US);
  return due === Number.POSITIVE_INFINITY ? null : due;
}
