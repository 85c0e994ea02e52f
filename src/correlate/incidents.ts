/**
 * Folding hardware-error reports into incidents, and what an incident means.
 *
 * One fault is reported by several lines within about a second — a GHES CPER record, an EDAC summary,
 * an MCE record, `unhandlable page.`, the `recovery action` verdict, and `already poisoned`
 * duplicates — so reports fold by pfn within a boot. A report without a pfn folds into the incident
 * whose reports surround it within {@link FOLD_US}.
 *
 * Settle window: an incident's outcome is judged on everything reported in the first
 * {@link SETTLE_US} after its first report. The memory-failure verdict follows the GHES/MCE record by
 * milliseconds, so "an uncorrected error with no Recovered verdict for its page" is only decided once
 * the window has passed (by the host's clock: its newest record or watermark). Host events are
 * emitted then, and a crash whose verdict depends on an unsettled incident waits for it, so the
 * verdict does not depend on where between those lines the evaluation happened. Reports for the
 * incident arriving after it settled are late data (they may revise a verdict).
 */
import type { CorrelationConfig } from '../model/config.js';
import type { HwResult, HwSignal, Severity } from '../model/signal.js';
import type { Advice, HostHardwareEvent } from '../model/verdict.js';
import { bootIdOf } from './boots.js';
import { type ActionVerdict, F, type HostState, type Incident } from './types.js';

export const SETTLE_US = 2_000_000;
export const FOLD_US = 2_000_000;
export const MAX_LINE_CHARS = 200;

/** Page types of unrecovered poison in kernel memory (reference §2.2, §2.5, §3). */
export const KERNEL_PAGE_TYPES: ReadonlySet<string> = new Set([
  'get hwpoison page',
  'unknown page',
  'reserved kernel page',
  'kernel page',
  'high-order kernel page',
  'unhandlable page.',
  'kernel slab page',
]);

const KERNEL_PAGE_TYPE_LIST = [...KERNEL_PAGE_TYPES];
const RAW_SOURCES = new Set(['MCE', 'GHES', 'EDAC', 'SEA', 'SERROR']);
const ACTION_VERDICTS = new Set<HwResult>(['Ignored', 'Failed', 'Delayed', 'Recovered']);
const SEVERITY_RANK: Readonly<Record<Severity, number>> = { corrected: 0, uncorrected: 1, fatal: 2 };

/**
 * A flat copy of a string kept in long-lived state. Lines handed to us are often slices of a whole
 * Kafka message or concatenations; keeping such a string would keep its parent (the message) alive.
 */
export function ownString(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

export function boundLine(line: string): string {
  return ownString(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line);
}

function ownPageType(pageType: string | null): string | null {
  if (pageType === null) return null;
  return KERNEL_PAGE_TYPE_LIST.find((p) => p === pageType) ?? ownString(pageType.slice(0, 64));
}

/** `already poisoned page: Failed`, old `already hardware poisoned`: a second report of a known fault. */
export function isDuplicateReport(sig: Pick<HwSignal, 'result' | 'pageType'>): boolean {
  // `already poisoned page` (≈6.12+), `already poisoned` (≈6.11); not `already truncated LRU page`
  return sig.result === 'AlreadyPoisoned' || sig.pageType?.startsWith('already poisoned') === true;
}

/** Corrected errors and soft offline: counted for storms, never incidents or evidence. */
export function isCorrected(sig: Pick<HwSignal, 'severity' | 'result'>): boolean {
  return sig.severity === 'corrected' || sig.result === 'SoftOffline';
}

function rank(sig: Pick<HwSignal, 'result' | 'pageType'>): number {
  if (isDuplicateReport(sig)) return 0;
  switch (sig.result) {
    case 'Ignored':
    case 'Failed':
    case 'Delayed':
    case 'Recovered':
      return 5;
    case 'Unhandlable':
      return 4;
    case 'NotRecovered':
    case 'Panic':
      return 3;
    case 'Killed':
      return 2;
    case 'Reported':
      return 1;
    default:
      return 0;
  }
}

function findIncident(s: HostState, sig: HwSignal, boot: number): Incident | undefined {
  const list = s.incidents;
  if (!list) return undefined;
  if (sig.pfn !== null) {
    const byPfn = list.find((i) => i.boot === boot && i.pfn === sig.pfn);
    if (byPfn) return byPfn;
    const near = list.find(
      (i) => i.boot === boot && Math.abs(sig.ts - i.first) <= FOLD_US && samePage64k(i, sig),
    );
    if (near) return near;
    return list.find((i) => i.boot === boot && i.pfn === null && Math.abs(sig.ts - i.first) <= FOLD_US);
  }
  let best: Incident | undefined;
  for (const i of list) {
    if (i.boot !== boot || sig.ts < i.first - FOLD_US || sig.ts > i.last + FOLD_US) continue;
    if (!best || i.last > best.last) best = i;
  }
  return best;
}

/**
 * Recognizers turn physical addresses into 4 KiB pfns (addr >> 12), but memory_failure() prints
 * the kernel's own pfn, which on arm64 64 KiB-page kernels is addr >> 16 (obs 01: GHES
 * `0x00000040272d5080`, `Memory failure: 0x40272d`). Reports close in time whose address falls in
 * the other's 64 KiB page describe the same fault.
 */
function samePage64k(i: Incident, sig: HwSignal): boolean {
  const P = 65536;
  if (sig.physAddr !== null && i.pfn !== null && Math.floor(sig.physAddr / P) === i.pfn) return true;
  return i.physAddr !== null && sig.pfn !== null && Math.floor(i.physAddr / P) === sig.pfn;
}

function flagsOf(sig: HwSignal, prevBoot: boolean): number {
  let f = 0;
  if (RAW_SOURCES.has(sig.source) && sig.severity !== 'corrected') f |= F.UE;
  if (sig.result === 'Unhandlable') f |= F.UNHANDLABLE;
  if (sig.result === 'NotRecovered') f |= F.NOT_RECOVERED;
  if (sig.result === 'Panic' || sig.severity === 'fatal') f |= F.FATAL;
  if (sig.synthetic || sig.result === 'Unpoisoned') f |= F.SYNTHETIC;
  if (prevBoot) f |= F.PREV_BOOT;
  return f;
}

/**
 * Folds one uncorrected report into the host's incidents. Returns the incident and whether it was
 * created (the caller enforces the per-host bound).
 */
export function foldReport(
  s: HostState,
  sig: HwSignal,
  boot: number,
  prevBoot: boolean,
  clock: number,
): { incident: Incident; created: boolean } {
  const found = findIncident(s, sig, boot);
  const dup = isDuplicateReport(sig);
  const verdict = !dup && ACTION_VERDICTS.has(sig.result) ? (sig.result as ActionVerdict) : null;
  if (!found) {
    const incident: Incident = {
      pfn: sig.pfn,
      boot,
      first: sig.ts,
      last: sig.ts,
      seen: Math.max(clock, sig.ts),
      source: sig.source,
      severity: sig.severity,
      result: sig.result,
      pageType: ownPageType(sig.pageType),
      physAddr: sig.physAddr,
      verdict,
      reports: 1,
      flags: flagsOf(sig, prevBoot),
      line: boundLine(sig.line),
    };
    if (s.incidents) s.incidents.push(incident);
    else s.incidents = [incident];
    return { incident, created: true };
  }
  const i = found;
  const late = sig.ts < i.last;
  i.reports += 1;
  if (sig.ts < i.first) i.first = sig.ts;
  if (sig.ts > i.last) i.last = sig.ts;
  // memory_failure()'s pfn is the kernel's own (the one crash reports name): it wins.
  if (
    sig.pfn !== null &&
    (i.pfn === null || (sig.source === 'MEMORY_FAILURE' && i.source !== 'MEMORY_FAILURE'))
  ) {
    i.pfn = sig.pfn;
  }
  if (i.physAddr === null && sig.physAddr !== null) i.physAddr = sig.physAddr;
  if (SEVERITY_RANK[sig.severity] > SEVERITY_RANK[i.severity]) i.severity = sig.severity;
  i.flags |= flagsOf(sig, prevBoot);
  // The latest verdict wins (a page first `Ignored` in a race and then killed correctly is
  // recovered); a verdict arriving out of order does not override one already seen.
  if (verdict !== null && (i.verdict === null || !late)) i.verdict = verdict;
  const r = rank(sig);
  const current = rank({ result: i.result, pageType: i.pageType });
  if (r > current || (r === 5 && verdict !== null && !late)) {
    i.source = sig.source;
    i.result = sig.result;
    i.pageType = ownPageType(sig.pageType);
    i.line = boundLine(sig.line);
  }
  return { incident: i, created: false };
}

/**
 * DESIGN.md §4 "unrecovered": an `Ignored`/`Failed` verdict (duplicates excluded), `unhandlable page.`,
 * `Memory error not recovered`, a fatal error, or an uncorrected raw record with no `Recovered` or
 * `Delayed` verdict for its page.
 */
export function isUnrecovered(i: Incident): boolean {
  if (i.verdict === 'Ignored' || i.verdict === 'Failed') return true;
  if (i.verdict === 'Recovered' || i.verdict === 'Delayed') return (i.flags & F.NOT_RECOVERED) !== 0;
  return (i.flags & (F.UE | F.UNHANDLABLE | F.NOT_RECOVERED | F.FATAL)) !== 0;
}

export function isSettled(i: Incident, clock: number): boolean {
  return Math.max(i.seen, i.first) + SETTLE_US <= clock;
}

export function isKernelMemory(i: Incident): boolean {
  return (i.pageType !== null && KERNEL_PAGE_TYPES.has(i.pageType)) || (i.flags & F.UNHANDLABLE) !== 0;
}

/** Counts as hardware evidence at all (synthetic poison only with trustSynthetic). */
export function isEvidenceCandidate(i: Incident, config: CorrelationConfig): boolean {
  if ((i.flags & F.SYNTHETIC) !== 0 && !config.trustSynthetic) return false;
  return isUnrecovered(i);
}

/**
 * DRAIN: unrecovered poison in kernel memory (or a fatal error: the host already went down on it);
 * REPLACE_AT_MAINTENANCE: an uncorrected error that was recovered, or a boot-time machine check
 * describing the boot before (the host survived a reboot with it); MONITOR otherwise, and always for
 * synthetic poison unless trustSynthetic.
 */
export function adviceFor(i: Incident, config: CorrelationConfig): Advice {
  if ((i.flags & F.SYNTHETIC) !== 0 && !config.trustSynthetic) return 'MONITOR';
  // A boot-time record of the boot before: the host went down (or not) on it and is up again.
  if ((i.flags & F.PREV_BOOT) !== 0) return 'REPLACE_AT_MAINTENANCE';
  const unrecovered = isUnrecovered(i);
  if (unrecovered && (isKernelMemory(i) || (i.flags & F.FATAL) !== 0)) return 'DRAIN';
  if (!unrecovered && (i.verdict === 'Recovered' || i.verdict === 'Delayed')) return 'REPLACE_AT_MAINTENANCE';
  return 'MONITOR';
}

export function incidentEvent(s: HostState, i: Incident, advice: Advice): HostHardwareEvent {
  return {
    host: s.host,
    boot_id: bootIdOf(s, i.boot),
    ts: i.first,
    source: i.source,
    severity: i.severity,
    pfn: i.pfn,
    phys_addr: i.physAddr,
    page_type: i.pageType,
    result: i.result,
    synthetic: (i.flags & F.SYNTHETIC) !== 0,
    advice,
    reports: i.reports,
    line: i.line,
  };
}

/**
 * Host events of settled incidents: one per incident, plus one more if later reports raise its
 * advice to DRAIN.
 */
export function settledEvents(s: HostState, clock: number, config: CorrelationConfig): HostHardwareEvent[] {
  const out: HostHardwareEvent[] = [];
  for (const i of s.incidents ?? []) {
    if (!isSettled(i, clock)) continue;
    const sent = (i.flags & F.EVENT_SENT) !== 0;
    if (sent && (i.flags & F.DRAIN_SENT) !== 0) continue;
    const advice = adviceFor(i, config);
    if (sent && advice !== 'DRAIN') continue;
    i.flags |= F.EVENT_SENT | (advice === 'DRAIN' ? F.DRAIN_SENT : 0);
    out.push(incidentEvent(s, i, advice));
  }
  return out;
}

/** The incident may support a verdict still open to revision (evicting it would revise that verdict). */
function supportsOpenVerdict(s: HostState, i: Incident): boolean {
  return s.open?.some((o) => o.boot >= i.boot && i.first <= o.v.ts + SETTLE_US) ?? false;
}

/**
 * Drops the least useful incident: the oldest that is not unrecovered; else the oldest that no open
 * verdict may rest on; else the oldest.
 */
export function evictOneIncident(s: HostState, keep: Incident): void {
  const list = s.incidents;
  if (!list || list.length < 2) return;
  const pick = (eligible: (i: Incident) => boolean): number => {
    let victim = -1;
    for (let k = 0; k < list.length; k++) {
      const i = list[k];
      if (!i || i === keep || !eligible(i)) continue;
      const v = victim >= 0 ? list[victim] : undefined;
      if (!v || i.last < v.last) victim = k;
    }
    return victim;
  };
  let victim = pick((i) => !isUnrecovered(i));
  if (victim < 0) victim = pick((i) => !supportsOpenVerdict(s, i));
  if (victim < 0) victim = pick(() => true);
  if (victim >= 0) list.splice(victim, 1);
}
