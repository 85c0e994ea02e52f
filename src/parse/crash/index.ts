/**
 * Public API of the crash-report recognizers (owned by the crash-analysis work; the assembler and
 * the pipeline call only these functions). Everything here is pure and never throws on input.
 */
import type { CrashKind, ReportAnalysis } from '../../model/crash.js';

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
}

/** Does this line (transport prefixes removed) start a crash report? */
export function matchReportStart(text: string): ReportStart | null {
  if (text.startsWith('Kernel panic - not syncing: ')) return { kind: 'PANIC', id: 'panic', secondary: true };
  if (/^(?:Oops: |Internal error: |BUG: |kernel BUG at |WARNING: |general protection fault)/.test(text)) {
    return { kind: 'OOPS', id: 'stub', secondary: false };
  }
  return null;
}

/** Does this line end the report it belongs to (`---[ end trace ...`, `---[ end Kernel panic ...`)? */
export function isReportEnd(text: string): boolean {
  return text.startsWith('---[ end ');
}

/** Titles, frames, taint and flags of one report, from its lines (first line = the start line). */
export function analyzeReport(lines: readonly string[]): ReportAnalysis {
  const first = lines[0] ?? '';
  return {
    kind: 'OTHER',
    title: first.slice(0, 120),
    altTitles: [],
    type: '',
    guiltyFrame: null,
    frames: [],
    taint: null,
    kernelRelease: null,
    corrupted: false,
    panicked: first.startsWith('Kernel panic'),
    hwSignature: false,
    inPoisonHandler: false,
    pfns: [],
  };
}
