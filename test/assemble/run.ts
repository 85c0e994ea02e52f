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
