import { type HostLineState, newHostLineState, processEvent, flushHost } from '../../src/assemble/index.js';
import { DEFAULT_LIMITS, type StateLimits } from '../../src/model/config.js';
import type { CrashReport } from '../../src/model/crash.js';
import { type KernelLogEvent, makeEvent } from '../../src/model/event.js';
import type { Signal } from '../../src/model/signal.js';

export const T0 = 1_700_000_000_000_000;

export interface Rec {
  text: string;
  /** µs after T0; default: 100 µs per record */
  at?: number;
  caller?: string | null;
  bootId?: string | null;
  uptimeUs?: number | null;
  source?: string | null;
}

export function event(r: Rec, i: number): KernelLogEvent {
  const at = r.at ?? i * 100;
  return makeEvent({
    host: 'h1',
    ts: T0 + at,
    message: r.text,
    uptime_us: r.uptimeUs === undefined ? 500_000_000 + at : r.uptimeUs,
    seq: i,
    caller: r.caller ?? null,
    boot_id: r.bootId ?? null,
    source: r.source ?? null,
  });
}

export interface Result {
  reports: CrashReport[];
  signals: Signal[];
  state: HostLineState;
}

/** Feed records through one host's line stages, then flush (unless `flush` is false). */
export function assemble(
  recs: ReadonlyArray<string | Rec>,
  limits: StateLimits = DEFAULT_LIMITS,
  flush = true,
  state: HostLineState = newHostLineState(),
): Result {
  const reports: CrashReport[] = [];
  const signals: Signal[] = [];
  recs.forEach((r, i) => {
    const o = processEvent(state, event(typeof r === 'string' ? { text: r } : r, i), limits);
    reports.push(...o.reports);
    signals.push(...o.signals);
  });
  if (flush) {
    const f = flushHost(state, limits);
    reports.push(...f.reports);
    signals.push(...f.signals);
  }
  return { reports, signals, state };
}

/** An x86_64 oops that ends with `---[ end trace` (no panic), as 6.12 prints it. */
export const X86_OOPS = [
  'BUG: kernel NULL pointer dereference, address: 0000000000000008',
  '#PF: supervisor read access in kernel mode',
  '#PF: error_code(0x0000) - not-present page',
  'PGD 0 P4D 0 ',
  'Oops: Oops: 0000 [#1] SMP NOPTI',
  'CPU: 3 UID: 0 PID: 1234 Comm: kworker/3:1 Not tainted 6.12.0 #1',
  'RIP: 0010:d_lookup+0x5c/0x220',
  'Call Trace:',
  ' <TASK>',
  ' d_lookup+0x5c/0x220',
  ' lookup_fast+0x2a/0x100',
  ' </TASK>',
  '---[ end trace 0000000000000000 ]---',
];
