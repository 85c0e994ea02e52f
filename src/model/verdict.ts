import type { CrashKind } from './crash.js';
import type { HwResult, HwSource } from './signal.js';

export const CATEGORIES = ['HARDWARE', 'KNOWN_ISSUE', 'NEW_CRASH'] as const;
export type Category = (typeof CATEGORIES)[number];

export const REASONS = [
  'HW_SIGNATURE',
  'POISON_CORRELATED',
  'TAINT_MACHINE_CHECK',
  'KNOWN_ISSUE_RULE',
  'REGRESSION_AFTER_FIX',
  'UNMATCHED',
] as const;
export type Reason = (typeof REASONS)[number];

export const CONFIDENCES = ['HIGH', 'MEDIUM', 'LOW'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export const ADVICE = ['DRAIN', 'REPLACE_AT_MAINTENANCE', 'MONITOR'] as const;
export type Advice = (typeof ADVICE)[number];

export interface Evidence {
  source: HwSource;
  /** µs since epoch */
  ts: number;
  pfn: number | null;
  phys_addr: number | null;
  page_type: string | null;
  result: HwResult;
  /** seconds from this error to the crash (negative never happens for accepted evidence) */
  seconds_before: number;
  /** the same boot as the crash */
  same_boot: boolean;
  confidence: Confidence;
  line: string;
}

export interface KnownIssueRef {
  id: string;
  title: string;
  url: string | null;
}

/** DESIGN.md §3 TriagedCrash, field names as in the Avro schema. */
export interface TriagedCrash {
  crash_id: string;
  revision: number;
  host: string;
  boot_id: string | null;
  arch: string | null;
  kernel_release: string | null;
  ts: number;
  kind: CrashKind;
  title: string;
  alt_titles: string[];
  guilty_frame: string | null;
  frames: string[];
  signature: string;
  taint: string | null;
  category: Category;
  reason: Reason;
  confidence: Confidence;
  evidence: Evidence[];
  known_issue: KnownIssueRef | null;
  corrupted: boolean;
  excerpt: string[];
  /** sha256 (hex, first 16) of the known-issues file the verdict was made with */
  rules_hash: string | null;
}

/** DESIGN.md §3 HostHardwareEvent. */
export interface HostHardwareEvent {
  host: string;
  boot_id: string | null;
  ts: number;
  source: HwSource;
  severity: 'corrected' | 'uncorrected' | 'fatal';
  pfn: number | null;
  phys_addr: number | null;
  page_type: string | null;
  result: HwResult;
  synthetic: boolean;
  advice: Advice;
  /** how many log lines / reporters were folded into this incident */
  reports: number;
  line: string;
}
