/**
 * Crash verdicts: the verdict skeleton of a report, the evidence the host's incidents give it, and
 * (re-)classification. A verdict stays open while late evidence may still revise it.
 */
import { classify } from '../classify/rules.js';
import { crashId, excerptOf, titleSignature } from '../classify/identity.js';
import type { CrashReport } from '../model/crash.js';
import type { Evidence, TriagedCrash } from '../model/verdict.js';
import { isEvidenceCandidate, isSettled, SETTLE_US } from './incidents.js';
import { type CorrelateContext, F, type HostState, type OpenVerdict } from './types.js';

export const MAX_EVIDENCE = 16;
export const MAX_OPEN_VERDICTS = 16;

export function openVerdictOf(report: CrashReport, boot: number): OpenVerdict {
  const a = report.analysis;
  const v: TriagedCrash = {
    crash_id: crashId(report.host, report.bootId, report.firstSeq, report.ts),
    revision: -1,
    host: report.host,
    boot_id: report.bootId,
    arch: report.arch,
    kernel_release: report.kernelRelease ?? a.kernelRelease,
    ts: report.ts,
    kind: a.kind,
    title: a.title,
    alt_titles: [...a.altTitles],
    guilty_frame: a.guiltyFrame,
    frames: a.frames.slice(0, 32),
    signature: titleSignature(a.title),
    taint: a.taint,
    category: 'NEW_CRASH',
    reason: 'UNMATCHED',
    confidence: 'LOW',
    evidence: [],
    known_issue: null,
    corrupted: a.corrupted,
    excerpt: excerptOf(report.lines),
    rules_hash: null,
  };
  return { v, boot, hwSignature: a.hwSignature, inPoisonHandler: a.inPoisonHandler, pfns: [...a.pfns] };
}

/**
 * Evidence for a crash: unrecovered, non-synthetic incidents reported at or before the crash and
 * within the horizon. Same boot: HIGH within highWithinMs, when the crash names the page or runs in
 * the poison handler, else MEDIUM. Earlier boots: LOW (listed, never bucket-changing). A boot-time
 * machine check attributed to the crash's boot has no usable time of its own: it counts whatever its
 * print time (MEDIUM). A report the crash names may follow the crash's first line by the settle window.
 */
export function evidenceFor(s: HostState, o: OpenVerdict, ctx: CorrelateContext): Evidence[] {
  const c = o.v.ts;
  const horizon = ctx.config.horizonMs * 1000;
  const high = ctx.config.highWithinMs * 1000;
  const out: Evidence[] = [];
  for (const i of s.incidents ?? []) {
    if (!isEvidenceCandidate(i, ctx.config)) continue;
    const sameBoot = i.boot === o.boot;
    if (!sameBoot && i.boot > o.boot) continue;
    const touched = i.pfn !== null && o.pfns.includes(i.pfn);
    const prevBootRecord = sameBoot && (i.flags & F.PREV_BOOT) !== 0;
    const limit = prevBootRecord ? Number.POSITIVE_INFINITY : touched ? c + SETTLE_US : c;
    if (i.first > limit) continue;
    if (c - i.first > horizon) continue;
    const before = Math.max(0, c - i.first);
    let confidence: Evidence['confidence'];
    if (!sameBoot) confidence = 'LOW';
    else if (touched || o.inPoisonHandler || (!prevBootRecord && before <= high)) confidence = 'HIGH';
    else confidence = 'MEDIUM';
    out.push({
      source: i.source,
      ts: i.first,
      pfn: i.pfn,
      phys_addr: i.physAddr,
      page_type: i.pageType,
      result: i.result,
      seconds_before: before / 1e6,
      same_boot: sameBoot,
      confidence,
      line: i.line,
    });
  }
  out.sort(
    (a, b) => Number(b.same_boot) - Number(a.same_boot) || b.ts - a.ts || (a.pfn ?? -1) - (b.pfn ?? -1),
  );
  return out.length > MAX_EVIDENCE ? out.slice(0, MAX_EVIDENCE) : out;
}

/**
 * Classifies the open verdict against the current incidents. Returns the verdict to emit (revision 0
 * the first time, n+1 when the outcome changed) or null when nothing changed.
 */
export function evaluate(s: HostState, o: OpenVerdict, ctx: CorrelateContext): TriagedCrash | null {
  const evidence = evidenceFor(s, o, ctx);
  const v = o.v;
  const c = classify(
    {
      kind: v.kind,
      title: v.title,
      altTitles: v.alt_titles,
      taint: v.taint,
      arch: v.arch,
      kernelRelease: v.kernel_release,
      hwSignature: o.hwSignature,
      inPoisonHandler: o.inPoisonHandler,
      evidence,
    },
    ctx.rules,
  );
  const next: TriagedCrash = {
    ...v,
    revision: v.revision + 1,
    category: c.category,
    reason: c.reason,
    confidence: c.confidence,
    evidence,
    known_issue: c.known_issue,
    rules_hash: ctx.rules.hash,
  };
  if (v.revision >= 0 && sameOutcome(v, next)) return null;
  o.v = next;
  return next;
}

function sameOutcome(a: TriagedCrash, b: TriagedCrash): boolean {
  return (
    a.category === b.category &&
    a.reason === b.reason &&
    a.confidence === b.confidence &&
    a.known_issue?.id === b.known_issue?.id &&
    JSON.stringify(a.evidence) === JSON.stringify(b.evidence)
  );
}

/** A pending crash waits while an incident it could depend on has not settled. */
export function mustWait(s: HostState, o: OpenVerdict, clock: number): boolean {
  for (const i of s.incidents ?? []) {
    if (i.boot !== o.boot || isSettled(i, clock)) continue;
    const touched = i.pfn !== null && o.pfns.includes(i.pfn);
    if (i.first <= o.v.ts + (touched ? SETTLE_US : 0)) return true;
  }
  return false;
}
