import type { KernelLogEvent } from './event.js';

/** Where a hardware-error signal came from (DESIGN.md §3, HostHardwareEvent.source). */
export const HW_SOURCES = ['MEMORY_FAILURE', 'MCE', 'GHES', 'EDAC', 'SEA', 'SERROR'] as const;
export type HwSource = (typeof HW_SOURCES)[number];

/** DESIGN.md §6 `hw_errors_total{severity}`. */
export const SEVERITIES = ['corrected', 'uncorrected', 'fatal'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Outcome reported for the page. The first four are the kernel's action_name[] strings; the rest
 * name the other verdict-like lines of mm/memory-failure.c and arch code.
 */
export const HW_RESULTS = [
  'Ignored',
  'Failed',
  'Delayed',
  'Recovered',
  'Unhandlable', // `%#lx: unhandlable page.`
  'AlreadyPoisoned', // old `%#lx: already hardware poisoned`
  'NotRecovered', // x86 `mce: Memory error not recovered`
  'Killed', // `Sending SIGBUS to` / `Killing ... due to hardware memory corruption`
  'SoftOffline', // soft offline (corrected-error path)
  'Unpoisoned', // `Unpoison: ...`
  'Panic', // the crash is the hardware error itself
  'Reported', // a raw error record (MCE/GHES/EDAC/SEA) with no verdict of its own
] as const;
export type HwResult = (typeof HW_RESULTS)[number];

/**
 * One hardware-error observation, possibly built from several lines (an MCE record block, a GHES
 * `{N}` CPER record). Folding several reporters of one fault into one incident is the
 * correlator's job, keyed by `pfn`.
 */
export interface HwSignal {
  readonly type: 'hw';
  source: HwSource;
  severity: Severity;
  /** 4 KiB page frame number; physical addresses are converted (addr >> 12) */
  pfn: number | null;
  /** physical address when the line gave one */
  physAddr: number | null;
  /** memory-failure page type string (`get hwpoison page`, `reserved kernel page`, ...) */
  pageType: string | null;
  result: HwResult;
  /** injection or software poison (EINJ, madvise, hwpoison-inject, mce-inject, unpoison) */
  synthetic: boolean;
  /** error count when the line gave one (EDAC `262 CE`), else 1 */
  count: number;
  /** id of the recognizer row that produced it */
  recognizer: string;
  /** the log line (first line of a block), bounded */
  line: string;
  ts: number;
  uptimeUs: number | null;
  bootId: string | null;
}

/** Non-error facts that change how errors and crashes are read. */
export const MARKERS = [
  'BOOT', // `Linux version ...`, uptime back to ~0, boot_id change
  'INJECTION', // EINJ loaded, `Injecting memory failure`, `MCE exception done`, mce-inject
  'TAINT_MCE', // `Disabling lock debugging due to kernel taint` after a hardware error
] as const;
export type Marker = (typeof MARKERS)[number];

export interface MarkerSignal {
  readonly type: 'marker';
  marker: Marker;
  pfn: number | null;
  line: string;
  ts: number;
  uptimeUs: number | null;
  bootId: string | null;
}

export type Signal = HwSignal | MarkerSignal;

/** The line context every recognizer gets: one line of one event. */
export interface LineContext {
  event: KernelLogEvent;
  /** one line of event.message, transport prefixes already removed */
  text: string;
}
