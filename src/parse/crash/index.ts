/**
 * Public API of the crash-report recognizers (owned by the crash-analysis work; the assembler and
 * the pipeline call only these functions). Everything here is pure and never throws on input.
 */
import type { CrashKind, ReportAnalysis } from '../../model/crash.js';
import { analyzeReportLines } from './analyze.js';
import { findStart, startKind } from './start.js';

export interface ReportStart {
  kind: CrashKind;
  /** id of the recognizer row */
  id: string;
  /**
   * The line usually follows another report and belongs to it when one is open
   * (`Kernel panic - not syncing: Fatal exception`, `Kernel panic - not syncing: panic_on_warn set`).
   * When no report is open it starts one of its own.
   */
  secondary: boolean;
  /**
   * Inside an open report this line is not a second report (syzkaller's report-start ignores:
   * panics, `invalid opcode: 0000`, `Internal error:`, `PANIC: double fault`, netdev refcount waits;
   * and the `INFO:` trailer lines of a SLUB report).
   */
  noSplit: boolean;
  /**
   * The line is the message of an open report whose first line matches this (see CONTINUES): it
   * joins that report instead of starting one; null for every other start.
   */
  continues: RegExp | null;
}

/**
 * Start lines that are the message of the report printed just before them. Kernels before 4.x
 * printed a hard lockup as `WARN(1, "Watchdog detected hard LOCKUP on cpu %d", cpu)` in
 * watchdog_overflow_callback: the `WARNING: at kernel/watchdog.c` line, then that message, then
 * the WARNING's registers and stack. One report, as syzkaller reads it.
 */
const CONTINUES: ReadonlyArray<{ line: RegExp; header: RegExp }> = [
  {
    line: /Watchdog detected hard LOCKUP on cpu/,
    header: /WARNING: .*at kernel\/watchdog\.c:\d+ watchdog_overflow_callback/,
  },
];

// syzkaller's report-start ignores: these lines do not open a second report inside an open one.
const NO_SPLIT: readonly RegExp[] = [
  /invalid opcode: 0000/,
  /Kernel panic - not syncing/,
  /unregister_netdevice: waiting for/,
  /PANIC: double fault/,
  /Internal error:/,
  /Oops: /,
];

/** Does this line (transport prefixes removed) start a crash report? */
export function matchReportStart(text: string): ReportStart | null {
  if (typeof text !== 'string') return null;
  const m = findStart(text);
  if (m === null) return null;
  const g = m.group;
  const kind = startKind(text, m);
  // An arm64 external abort is its own crash, whatever report may still be open.
  const ownCrash = g.id === 'internal-error' && kind === 'EXTERNAL_ABORT';
  return {
    kind,
    id: g.id,
    secondary: !ownCrash && (g.secondary?.test(text) ?? false),
    noSplit: !ownCrash && (syzkallerContinuation(text) || slubTrailer(text)),
    continues: CONTINUES.find((c) => c.line.test(text))?.header ?? null,
  };
}

/**
 * The `INFO:` lines older kernels' mm/slub.c prints under its `BUG <cache> (<taint>): <what>` header
 * (check_bytes_and_report / slab_pad_check, print_track, print_page_info, print_trailer). They
 * carry the `INFO:` anchor, but inside an open report they are that report's lines, not new
 * reports (a poison-overwritten report is one crash, not six).
 */
const SLUB_TRAILER: readonly RegExp[] = [
  /INFO: 0x[0-9a-f]+-0x[0-9a-f]+[.@ ]/,
  /INFO: (?:Allocated|Freed) in .* age=\d+ cpu=\d+ pid=\d+/,
  /INFO: Slab 0x[0-9a-f]+ objects=\d+ used=\d+/,
  /INFO: Object 0x[0-9a-f]+ @offset=\d+/,
];

/** syzkaller's rule: inside an open report this line never starts a second one (for the corpus evaluation). */
export function syzkallerContinuation(text: string): boolean {
  return NO_SPLIT.some((r) => r.test(text));
}

function slubTrailer(text: string): boolean {
  return text.includes('INFO: ') && SLUB_TRAILER.some((r) => r.test(text));
}

/** Does this line end the report it belongs to (`---[ end trace ...`, `---[ end Kernel panic ...`)? */
export function isReportEnd(text: string): boolean {
  return text.startsWith('---[ end trace') || text.startsWith('---[ end Kernel panic');
}

/** Titles, frames, taint and flags of one report, from its lines (first line = the start line). */
export function analyzeReport(lines: readonly string[]): ReportAnalysis {
  return analyzeReportLines(lines);
}

/**
 * Like analyzeReport, for a report cut short at a second report (console captures without caller
 * ids): the title comes from `lines`, the stack-presence check looks at all of `whole`
 * (which starts with `lines`).
 */
export function analyzeReportPrefix(lines: readonly string[], whole: readonly string[]): ReportAnalysis {
  return analyzeReportLines(lines, whole);
}

export { normalizeFrame } from './facts.js';
export { guiltyFile } from './guilty.js';
export { titleType } from './title.js';
