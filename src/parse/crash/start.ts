/**
 * Report-start recognition, called on every log line: a cheap prefilter keeps routine chatter
 * off the table walk. Every group header contains one of PREFILTER's anchors, so the prefilter
 * never rejects a line that a header would match.
 */
import type { CrashKind } from '../../model/crash.js';
import { OOPS_GROUPS, type OopsGroup, panicKind } from './formats.js';
import { capLine } from './pattern.js';

export interface StartMatch {
  group: OopsGroup;
  /** column of the header in the line */
  col: number;
}

/**
 * Literals one of which every group header contains (kept in step with the headers by a unit test
 * that checks every header against them). Looked for anywhere in the line: by PREFILTER in text,
 * and by src/parse/routine.ts in a record's bytes before it is decoded.
 */
export const START_ANCHORS: readonly string[] = [
  'BUG',
  'WARNING:',
  'INFO:',
  'Unable to handle kernel',
  'general protection fault',
  'stack segment: ',
  'Kernel panic',
  'PANIC: double fault',
  'rust_kernel: panicked',
  'divide error:',
  'divide_error:',
  'invalid opcode:',
  'UBSAN:',
  'Booting the kernel.',
  'unregister_netdevice: waiting for',
  'VFS: ',
  'Internal error:',
  'Unhandled fault:',
  'Alignment trap:',
  'trusty: panic',
  'fatal error:',
  'SYZFA',
  'panic:',
  'SError Interrupt on CPU',
  'Machine check: ',
  'Watchdog detected hard LOCKUP',
  'Oops: ',
];

// One alternation of literals; V8 compiles it to a fast scan.
const PREFILTER = new RegExp(START_ANCHORS.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));

export function prefilter(line: string): boolean {
  return PREFILTER.test(line);
}

function suppressed(line: string, g: OopsGroup): boolean {
  for (const r of g.suppress) if (r.test(line)) return true;
  return false;
}

/** The first group (table order) whose header is in the line and that no suppression rules out. */
export function findStart(text: string, includeExt = true): StartMatch | null {
  const line = capLine(text);
  if (!PREFILTER.test(line)) return null;
  for (const g of OOPS_GROUPS) {
    if (g.ext === true && !includeExt) continue;
    const col = line.indexOf(g.header);
    if (col < 0 || suppressed(line, g)) continue;
    return { group: g, col };
  }
  return null;
}

const EXTERNAL_ABORT =
  /synchronous external abort|synchronous parity or ECC error|level -?\d \(translation table walk\)|level -?\d synchronous parity error/;

const DIE_ESR = /(?:Internal error|Unhandled fault): [^:]*: (?:0x)?([0-9a-f]{8,16}) \[#/;

/**
 * Old arm64 kernels print an empty die string (`Internal error: : 96000210 [#1] SMP`): read the
 * ESR instead. Abort classes (EC 0x20/0x21 instruction, 0x24/0x25 data) whose fault status is a
 * synchronous external abort or a parity/ECC error (also on a table walk) are external aborts.
 */
export function esrIsExternalAbort(line: string): boolean {
  const m = DIE_ESR.exec(line);
  if (m === null) return false;
  const esr = Number.parseInt(m[1]!.slice(-8), 16);
  const ec = (esr >>> 26) & 0x3f;
  if (ec !== 0x20 && ec !== 0x21 && ec !== 0x24 && ec !== 0x25) return false;
  const fsc = esr & 0x3f;
  return fsc === 0x10 || fsc === 0x18 || (fsc >= 0x13 && fsc <= 0x17) || (fsc >= 0x1b && fsc <= 0x1f);
}

/** Crash kind a start line announces. */
export function startKind(line: string, m: StartMatch): CrashKind {
  const g = m.group;
  if (g.id === 'panic') {
    const at = line.indexOf('not syncing: ');
    return at < 0 ? 'PANIC' : panicKind(line.slice(at + 'not syncing: '.length));
  }
  if (g.id === 'internal-error' || g.id === 'unhandled-fault') {
    if (EXTERNAL_ABORT.test(line) || esrIsExternalAbort(line)) return 'EXTERNAL_ABORT';
    if (/Internal error: Oops - BUG/.test(line)) return 'BUG';
    return g.kind;
  }
  if (/soft lockup/.test(line)) return 'LOCKUP';
  if (/spinlock lockup suspected/.test(line)) return 'LOCKUP';
  for (const f of g.formats) {
    const t = Array.isArray(f.title) ? f.title[0] : f.title;
    if (f.kind !== undefined && t !== undefined && 'test' in t && t.test(line)) return f.kind;
  }
  if (g.id === 'info' && /INFO: task .* blocked for more than/.test(line)) return 'HUNG_TASK';
  if (g.id === 'info' && /detected stalls? on CPU|self-detected stall|detected expedited stall/.test(line))
    return 'RCU_STALL';
  return g.kind;
}
