/**
 * Title, alt titles and corruption of one report, from the format table: the earliest title
 * match in the report wins (table order breaks ties), the guilty frame comes from the format's
 * stack walk, and a report whose format needs a stack but shows none is corrupted.
 */
import type { Format, OopsGroup } from './formats.js';
import { capLine, InOrder, type LineMatcher } from './pattern.js';
import {
  type ExtractedFrame,
  extractStackFrames,
  isFrameLine,
  RISCV_STACK_START,
  STACK_STARTS,
  STRIP_PREFIXES,
} from './stack.js';

interface Hit {
  line: number;
  col: number;
  groups: string[];
}

function cmp(a: Hit, line: number, col: number): number {
  return a.line !== line ? a.line - line : a.col - col;
}

function execLine(r: LineMatcher, line: string): RegExpExecArray | null {
  return r.exec(capLine(line));
}

/** First line (from `from`) where the pattern sequence completes. */
function findSeq(lines: readonly string[], seq: readonly LineMatcher[], from = 0): Hit | null {
  const first = seq[0];
  if (first === undefined) return null;
  for (let i = from; i < lines.length; i++) {
    const m = execLine(first, lines[i]!);
    if (m === null) continue;
    const groups = m.slice(1).map((g) => g ?? '');
    let j = i;
    for (let k = 1; k < seq.length; k++) {
      const r = seq[k]!;
      let found = false;
      for (j = j + 1; j < lines.length; j++) {
        const mk = execLine(r, lines[j]!);
        if (mk !== null) {
          for (const g of mk.slice(1)) groups.push(g ?? '');
          found = true;
          break;
        }
      }
      // Later starts see fewer lines, so they cannot complete either.
      if (!found) return null;
    }
    return { line: i, col: m.index, groups };
  }
  return null;
}

function findTitle(lines: readonly string[], title: LineMatcher | readonly LineMatcher[]): Hit | null {
  return findSeq(lines, title instanceof RegExp || title instanceof InOrder ? [title] : title);
}

export function formatTitle(fmt: string, args: readonly string[]): string {
  return fmt.replace(/%\[(\d+)\][vs]/g, (_, n: string) => args[Number(n) - 1] ?? '%!v(BADINDEX)');
}

export interface Description {
  title: string;
  altTitles: string[];
  corrupted: boolean;
  corruptedReason: string;
  format: Format | null;
  /** line index the title was taken from */
  titleLine: number;
}

function partiallyStripped(prefix: readonly string[], frames: readonly ExtractedFrame[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i <= STRIP_PREFIXES.length; i++) {
    const strip = i > 0 ? STRIP_PREFIXES[i - 1]! : '';
    let add = i === 0;
    const list: string[] = [];
    for (const f of frames) {
      const t = strip !== '' && f.raw.startsWith(strip) ? f.raw.slice(strip.length) : f.raw;
      if (t !== f.raw) add = true;
      list.push(t);
    }
    if (add) out.push([...prefix, ...list]);
  }
  return out;
}

export function describe(
  lines: readonly string[],
  group: OopsGroup,
  corruptionLines: readonly string[] = lines,
): Description {
  let best: Hit | null = null;
  let title = '';
  let corrupted = '';
  let format: Format | null = null;
  let matchedTitle = false;
  let titleLine = 0;
  const alts: string[] = [];
  for (const f of group.formats) {
    const t = findTitle(lines, f.title);
    if (t === null) continue;
    if (best !== null) {
      const c = cmp(t, best.line, best.col);
      if (c > 0 || (c === 0 && title !== '')) continue;
      if (c < 0) {
        title = '';
        format = null;
      }
    }
    best = t;
    matchedTitle = true;
    let m: Hit | null = t;
    if (f.report !== undefined) {
      m = findSeq(lines, f.report);
      if (m === null) continue;
    }
    let frames: ExtractedFrame[] = [];
    corrupted = '';
    if (f.stack !== undefined) {
      const from = lines.slice(m.line, m.line + STACK_WINDOW);
      if (from.length > 0) from[0] = from[0]!.slice(m.col);
      const r = extractStackFrames(f.stack, from);
      frames = r.frames;
      if (!r.ok) corrupted = 'extracted no frames';
    }
    const args = [...m.groups, ...frames.map((x) => x.canonical)];
    title = formatTitle(f.fmt, args);
    titleLine = t.line;
    for (const a of f.alt ?? []) alts.push(formatTitle(a, args));
    for (const seq of partiallyStripped(m.groups, frames)) {
      const alt = formatTitle(f.fmt, seq);
      if (alt !== title) alts.push(alt);
      for (const a of f.alt ?? []) alts.push(formatTitle(a, seq));
    }
    format = f;
  }
  if (title === '') {
    if (matchedTitle) corrupted = 'matched title but not report regexp';
    for (let i = 0; i < lines.length; i++) {
      const pos = lines[i]!.indexOf(group.header);
      if (pos >= 0) {
        title = capLine(lines[i]!).slice(pos);
        titleLine = i;
        break;
      }
    }
  }
  if (corrupted === '' && format?.corrupted === true) corrupted = 'report format is marked as corrupted';
  if (corrupted === '') corrupted = corruptedByStack(title, corruptionLines, format);
  return {
    title,
    altTitles: [...new Set(alts)],
    corrupted: corrupted !== '',
    corruptedReason: corrupted,
    format,
    titleLine,
  };
}

/** Lines a stack walk may look at from the title line. */
export const STACK_WINDOW = 5000;

function corruptedByStack(title: string, lines: readonly string[], format: Format | null): string {
  if (/\[ *[0-9]+\.[0-9]+\]/.test(title)) return 'title matches corrupted regexp';
  if (format === null || format.noStackTrace === true) return '';
  let hasStack = false;
  for (const key of STACK_STARTS) {
    let at = -1;
    for (let i = 0; i < lines.length && i < STACK_WINDOW; i++) {
      if (key.test(capLine(lines[i]!))) {
        at = i;
        break;
      }
    }
    if (at < 0) continue;
    // The rest of the text from the match, split on newlines, with the empty tail after the last one.
    if (lines.length - at + 1 < 4) return 'call trace is missed';
    let bad = true;
    for (let i = 0; i < 15 && at + 1 + i < lines.length; i++) {
      const ln = capLine(lines[at + 1 + i]!);
      if (STACK_STARTS.some((r) => r.test(ln))) break;
      if (ln.includes('(stack is not available)') || isFrameLine(ln)) {
        hasStack = true;
        bad = false;
        break;
      }
    }
    if (key !== RISCV_STACK_START && bad) return 'no frames in a stack trace';
  }
  return hasStack ? '' : 'no stack trace in report';
}
