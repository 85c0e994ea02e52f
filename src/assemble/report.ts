/**
 * One open crash report: a plain object (serialisable), bounded in lines and bytes, turned into a
 * `CrashReport` when it closes.
 */
import type { StateLimits } from '../model/config.js';
import type { CrashKind, CrashReport, ReportAnalysis } from '../model/crash.js';
import type { KernelLogEvent } from '../model/event.js';
import { analyzeReport, analyzeReportPrefix } from '../parse/crash/index.js';
import { boundedLine } from '../parse/hw/line.js';

export interface OpenReport {
  /** printk caller id that owns the report (`T123` / `C4`), null when the transport had none */
  caller: string | null;
  kind: CrashKind;
  host: string;
  bootId: string | null;
  arch: string | null;
  kernelRelease: string | null;
  /** event time of the first line, µs */
  ts: number;
  uptimeUs: number | null;
  firstSeq: number | null;
  lines: string[];
  truncatedLines: number;
  /** event time of the last line taken, µs */
  lastTs: number;
  /** event time of the end marker (`---[ end trace`), -1 while the report runs */
  endedTs: number;
  /**
   * how far the partition's event time (the pipeline's watermark) was past the end marker when
   * the marker was taken: the host's lag, µs. Past its end marker the report closes when event time
   * is this much plus state.epilogueMs past the marker, not the whole lateness grace later.
   * Absent: not known (the lateness grace applies).
   */
  endLagUs?: number;
  /** lines seen after the end marker that were not epilogue */
  afterEnd: number;
  /** started inside a multi-line message (pstore, kdump): closes at that message's end */
  inMessage: boolean;
  /** other callers whose `NMI backtrace for cpu` output belongs to this report (bounded) */
  adopted: string[] | null;
  /** a stack trace header (`Call Trace:`, `stack backtrace:`) was taken */
  hasStack: boolean;
  /**
   * the report this one started inside, before that one printed its stack (a WARNING or BUG hit
   * while printing an RCU stall, lockdep or Rust panic report): every line taken here is taken
   * there too, and that report closes with this one
   */
  parent: OpenReport | null;
  /**
   * lines before another task's stack-dumping message interleaved (without caller ids): the
   * title is read from these only; -1 when none did
   */
  titleEnd: number;
}

/**
 * Messages other tasks print with a stack dump of their own (`warn_alloc()`, fault injection's
 * `fail_dump()`, `handle_userfault()`). Without caller ids their frames interleave with a
 * report's, so the frames after one cannot be told apart (syzkaller then titles the report
 * from the lines before it).
 */
const STACK_DUMPING_MESSAGES = [
  'vmalloc: allocation failure:',
  'FAULT_INJECTION: forcing a failure',
  'FAULT_FLAG_ALLOW_RETRY missing',
];

/** Callers one report may adopt for their NMI backtraces. */
export const MAX_ADOPTED = 64;

/** Lines kept back at the end of the bound for the end marker and the panic epilogue. */
export function reserveLines(limits: StateLimits): number {
  return Math.min(8, Math.floor(limits.maxReportLines / 4));
}

export function openReport(
  event: KernelLogEvent,
  kind: CrashKind,
  text: string,
  limits: StateLimits,
): OpenReport {
  const r: OpenReport = {
    caller: event.caller,
    kind,
    host: event.host,
    bootId: event.boot_id,
    arch: event.arch,
    kernelRelease: event.kernel_release,
    ts: event.ts,
    uptimeUs: event.uptime_us,
    firstSeq: event.seq,
    lines: [],
    truncatedLines: 0,
    lastTs: event.ts,
    endedTs: -1,
    afterEnd: 0,
    inMessage: event.message.length !== text.length && event.message.indexOf('\n') >= 0,
    adopted: null,
    hasStack: false,
    parent: null,
    titleEnd: -1,
  };
  appendLine(r, text, true, limits);
  return r;
}

/**
 * Add one line within the bounds. Ordinary lines stop at `maxReportLines - reserve`; important
 * lines (start, end marker, epilogue) may use the reserve. Everything else is counted as dropped.
 */
export function appendLine(r: OpenReport, text: string, important: boolean, limits: StateLimits): void {
  const max = Math.max(1, limits.maxReportLines);
  const n = r.lines.length;
  if (!r.hasStack && isStackHeader(text)) r.hasStack = true;
  if (r.caller === null && r.titleEnd < 0 && n > 0 && interleavesStack(text)) r.titleEnd = n;
  if (n < max - reserveLines(limits) || (important && n < max)) {
    r.lines.push(boundedLine(text, Math.max(1, limits.maxLineBytes)));
  } else if (!important && isUnreliableFrame(text)) {
    r.truncatedLines++;
  } else {
    // at the bound, an unreliable frame taken earlier gives way to a line the analysis reads
    const i = firstUnreliable(r.lines);
    if (i >= 0) {
      r.lines.splice(i, 1);
      if (i < r.titleEnd) r.titleEnd--;
      r.lines.push(boundedLine(text, Math.max(1, limits.maxLineBytes)));
    }
    r.truncatedLines++;
  }
}

function interleavesStack(text: string): boolean {
  for (const m of STACK_DUMPING_MESSAGES) if (text.includes(m)) return true;
  return false;
}

/** The header of a stack dump: x86 `Call Trace:`, arm64 `Call trace:`, lockdep `stack backtrace:`. */
function isStackHeader(text: string): boolean {
  return (
    text.includes('Call Trace:') ||
    text.includes('Call trace:') ||
    text.startsWith('stack backtrace:') ||
    text.startsWith('Backtrace:')
  );
}

/** A frame the unwinder marks as a guess: x86 ` ? func+0x1/0x2`, powerpc `... (unreliable)`. */
export function isUnreliableFrame(text: string): boolean {
  return (
    (text.startsWith(' ') && text.includes(' ? ') && !text.includes('<EOI>')) ||
    text.endsWith(' (unreliable)')
  );
}

function firstUnreliable(lines: readonly string[]): number {
  for (let i = 1; i < lines.length; i++) if (isUnreliableFrame(lines[i] ?? '')) return i;
  return -1;
}

function fallbackAnalysis(lines: readonly string[]): ReportAnalysis {
  return {
    kind: 'OTHER',
    title: (lines[0] ?? '').slice(0, 120),
    altTitles: [],
    type: '',
    guiltyFrame: null,
    frames: [],
    taint: null,
    kernelRelease: null,
    corrupted: true,
    panicked: false,
    hwSignature: false,
    inPoisonHandler: false,
    pfns: [],
  };
}

export function finishReport(r: OpenReport): CrashReport {
  let analysis: ReportAnalysis;
  try {
    analysis =
      r.titleEnd > 0 && r.titleEnd < r.lines.length
        ? analyzeReportPrefix(r.lines.slice(0, r.titleEnd), r.lines)
        : analyzeReport(r.lines);
  } catch {
    analysis = fallbackAnalysis(r.lines); // an analyzer bug must not lose the report
  }
  return {
    host: r.host,
    bootId: r.bootId,
    arch: r.arch,
    kernelRelease: r.kernelRelease ?? analysis.kernelRelease,
    ts: r.ts,
    uptimeUs: r.uptimeUs,
    firstSeq: r.firstSeq,
    lines: r.lines,
    truncatedLines: r.truncatedLines,
    analysis,
  };
}
