/**
 * Pulls the first crash report out of a whole console log the way syzkaller does for its test
 * corpus: the first line our start table recognizes, then the lines of the same printk context
 * (all CPUs once `Sending NMI from CPU` starts an all-CPU backtrace), stopping the title text at a
 * second report when the log has no caller ids.
 */
import { matchReportStart, syzkallerContinuation } from '../../src/parse/crash/index.js';
import { consoleLine } from './console.js';

const INFO_WITH_STACK = [
  'vmalloc: allocation failure:',
  'FAULT_INJECTION: forcing a failure',
  'FAULT_FLAG_ALLOW_RETRY missing',
];

export interface Extracted {
  /** lines for the title (up to a second report in context-less logs) */
  lines: string[];
  /** all of the report's lines */
  all: string[];
  context: string;
}

export function extractFirstReport(log: string): Extracted | null {
  const raw = log.split('\n');
  let start = -1;
  let context = '';
  for (let i = 0; i < raw.length; i++) {
    const c = consoleLine(raw[i]!);
    if (matchReportStart(c.line) !== null) {
      start = i;
      context = c.context;
      break;
    }
  }
  if (start < 0) return null;
  const first = consoleLine(raw[start]!).text;
  const minLines = first.includes('BUG: KMSAN:') ? 16 : 22;
  const all: string[] = [];
  let end = 0;
  let second = false;
  let textLines = 0;
  let skipText = false;
  let cpuTraceback = false;
  for (let i = start; i < raw.length; i++) {
    const c = consoleLine(raw[i]!);
    const isFirst = i === start;
    if (!isFirst && !second) {
      const s = matchReportStart(c.line);
      if (s !== null && !syzkallerContinuation(c.line)) second = true;
      else if (s === null && INFO_WITH_STACK.some((p) => raw[i]!.includes(p))) second = true;
    }
    if (
      !isFirst &&
      (c.questionable || (c.context !== context && (!cpuTraceback || !/^\[ *C[0-9]+\]$/.test(c.context))))
    ) {
      continue;
    }
    textLines++;
    let skipLine = skipText;
    if (c.text.includes('Disabling lock debugging due to kernel taint')) skipLine = true;
    else if (c.text.includes('Sending NMI from CPU')) cpuTraceback = true;
    else if (
      (c.text.includes('Kernel panic - not syncing') ||
        c.text.includes('WARNING: possible circular locking dependency detected')) &&
      textLines > minLines
    ) {
      skipText = true;
      skipLine = true;
    }
    if (!isFirst && skipLine) continue;
    all.push(c.text);
    if (!second || (context !== '' && context !== 'console')) end = all.length;
  }
  return { lines: all.slice(0, end), all, context };
}
