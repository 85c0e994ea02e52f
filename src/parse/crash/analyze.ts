/**
 * analyzeReport: title, frames, taint and hardware flags of one assembled report.
 * Bounded: at most MAX_LINES lines are looked at, each capped at MAX_LINE characters.
 */
import type { CrashKind, ReportAnalysis } from '../../model/crash.js';
import { describe } from './describe.js';
import { allFrameNames, collectFrames, hwStack, inPoison, panicPfns, taintAndRelease } from './facts.js';
import { panicKind } from './formats.js';
import { capLine } from './pattern.js';
import { findStart, type StartMatch, startKind } from './start.js';
import { isGenericFrame } from './stack.js';
import { normalizeTitle, titleFrame, titleType } from './title.js';

export const MAX_LINES = 5000;

const HW_KINDS: ReadonlySet<CrashKind> = new Set([
  'MEMORY_FAILURE_PANIC',
  'MACHINE_CHECK',
  'HW_ERROR_PANIC',
  'EXTERNAL_ABORT',
  'SERROR',
]);

/** Minimum lines of the first report before a later panic / lockdep splat is cut off as a follow-up. */
function minLines(first: string): number {
  return first.includes('BUG: KMSAN:') ? 16 : 22;
}

/**
 * The report's own text: drop `Disabling lock debugging` notes, and once the report has enough
 * lines, drop everything from a following `Kernel panic` or circular-locking splat (panic_on_warn
 * and oops-induced lockdep reports repeat the same stack).
 */
function isUnreliable(line: string): boolean {
  return (line.includes(' ? ') && !line.includes('<EOI>')) || line.endsWith(' (unreliable)');
}

function ownLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  const min = minLines(lines[0] ?? '');
  let n = 0;
  for (let i = 0; i < lines.length && i < MAX_LINES; i++) {
    const line = lines[i]!;
    // syzkaller's parser leaves unreliable frames (` ? func`, ppc `(unreliable)`) out of the report
    if (i > 0 && isUnreliable(line)) continue;
    n++;
    if (i > 0 && line.includes('Disabling lock debugging due to kernel taint')) continue;
    if (
      i > 0 &&
      n > min &&
      (line.includes('Kernel panic - not syncing') ||
        line.includes('WARNING: possible circular locking dependency detected'))
    ) {
      break;
    }
    out.push(line);
  }
  return out;
}

function empty(kind: CrashKind, title: string): ReportAnalysis {
  return {
    kind,
    title,
    altTitles: [],
    type: '',
    guiltyFrame: null,
    frames: [],
    taint: null,
    kernelRelease: null,
    corrupted: false,
    panicked: false,
    hwSignature: false,
    inPoisonHandler: false,
    pfns: [],
  };
}

/** Kind named by a later line (a hardware panic or MCE verdict) when it says more than the start line. */
function upgradeKind(kind: CrashKind, lines: readonly string[]): CrashKind {
  if (HW_KINDS.has(kind)) return kind;
  for (let i = 1; i < lines.length && i < MAX_LINES; i++) {
    const line = lines[i]!;
    const at = line.indexOf('Kernel panic - not syncing: ');
    if (at >= 0) {
      const k = panicKind(capLine(line).slice(at + 'Kernel panic - not syncing: '.length));
      if (HW_KINDS.has(k)) return k;
    }
    if (line.includes('mce: [Hardware Error]: Machine check: ')) return 'MACHINE_CHECK';
  }
  return kind;
}

function analyze(lines: readonly string[], whole: readonly string[]): ReportAnalysis {
  if (lines.length === 0) return empty('OTHER', '');
  let start: StartMatch | null = null;
  let at = 0;
  for (; at < lines.length && at < MAX_LINES; at++) {
    start = findStart(lines[at]!);
    if (start !== null) break;
  }
  if (start === null) {
    const a = empty('OTHER', normalizeTitle(lines[0]!));
    return a;
  }
  const kind0 = startKind(capLine(lines[at]!), start);
  const full = lines.slice(at, at + MAX_LINES);
  let body = full;
  let wholeBody = whole.slice(at, at + MAX_LINES);
  // Our own hardware rows give way to a syzkaller-style header later in the same report, so a
  // `Kernel panic - not syncing: Fatal machine check` titles the MCE report as syzkaller would.
  if (start.group.ext === true) {
    for (let i = 1; i < body.length; i++) {
      const s = findStart(body[i]!, false);
      if (s !== null) {
        start = s;
        body = body.slice(i);
        wholeBody = wholeBody.slice(i);
        break;
      }
    }
  }
  const own = ownLines(body);
  const d = describe(own, start.group, whole === lines ? own : ownLines(wholeBody));
  const title = normalizeTitle(d.title);
  const altTitles = d.altTitles.map(normalizeTitle);
  const names = allFrameNames(lines, MAX_LINES);
  const kind = upgradeKind(kind0, lines);
  const { taint, release } = taintAndRelease(lines, MAX_LINES);
  const frames = collectFrames(ownLines(full), MAX_LINES);
  const tf = titleFrame(title);
  // Titles without a function (`kernel panic: Fatal machine check`) still name the code that was
  // running: the first frame that is not generic.
  const guilty =
    tf !== null && tf !== 'corrupted'
      ? tf
      : tf === null
        ? (frames.find((f) => !isGenericFrame(f)) ?? null)
        : null;
  let panicked = false;
  for (let i = 0; i < lines.length && i < MAX_LINES; i++) {
    if (lines[i]!.includes('Kernel panic - not syncing')) {
      panicked = true;
      break;
    }
  }
  return {
    kind,
    title,
    altTitles,
    type: titleType(title),
    guiltyFrame: guilty,
    frames,
    taint,
    kernelRelease: release,
    corrupted: d.corrupted,
    panicked,
    hwSignature: HW_KINDS.has(kind) || hwStack(names),
    inPoisonHandler: inPoison(names),
    pfns: panicPfns(lines, MAX_LINES),
  };
}

/** Never throws: a bug here must not stop the stream; the report is then titled from its first line. */
export function analyzeReportLines(
  lines: readonly string[],
  whole: readonly string[] = lines,
): ReportAnalysis {
  try {
    return analyze(lines, whole);
  } catch {
    return empty('OTHER', normalizeTitle(lines[0] ?? ''));
  }
}
