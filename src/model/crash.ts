/** DESIGN.md §3 `TriagedCrash.kind`. */
export const CRASH_KINDS = [
  'PANIC',
  'OOPS',
  'BUG',
  'WARNING',
  'KASAN',
  'LOCKUP',
  'HUNG_TASK',
  'RCU_STALL',
  'MACHINE_CHECK',
  'EXTERNAL_ABORT',
  'SERROR',
  'HW_ERROR_PANIC',
  'MEMORY_FAILURE_PANIC',
  'OTHER',
] as const;
export type CrashKind = (typeof CRASH_KINDS)[number];

/** What the report analyzer says about one report's text. Pure function of the lines. */
export interface ReportAnalysis {
  kind: CrashKind;
  /** syzkaller-style title, e.g. `BUG: unable to handle kernel paging request in d_lookup` */
  title: string;
  altTitles: string[];
  /** syzkaller report type, e.g. `WARNING`, `KASAN-USE-AFTER-FREE-READ`, `HANG` (for evaluation) */
  type: string;
  guiltyFrame: string | null;
  /** up to 32 function names, innermost first, offsets and suffixes removed */
  frames: string[];
  /** taint letters from the `Tainted:` field, e.g. `GM E` → `GME` */
  taint: string | null;
  kernelRelease: string | null;
  corrupted: boolean;
  panicked: boolean;
  /**
   * The crash is itself a hardware error (DESIGN.md §4 rule 1): memory_failure() panic, fatal
   * MCE, GHES fatal, arm64 SEA/SError, or a stack through the poison handlers.
   */
  hwSignature: boolean;
  /** the stack runs inside the poison handler (memory_failure, action_result, kill_me_maybe, ...) */
  inPoisonHandler: boolean;
  /** pfns the report names (`Memory failure: 0x..: unrecoverable page`, `Memory failure on page ..`) */
  pfns: number[];
}

/** One assembled crash report of one host. */
export interface CrashReport {
  host: string;
  bootId: string | null;
  arch: string | null;
  kernelRelease: string | null;
  /** event time of the report's first line, µs */
  ts: number;
  uptimeUs: number | null;
  /** seq of the first record, when known */
  firstSeq: number | null;
  /** the report's own lines, bounded */
  lines: string[];
  /** lines dropped because the report exceeded its bound */
  truncatedLines: number;
  analysis: ReportAnalysis;
}
