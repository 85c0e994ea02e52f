/**
 * Corrected-error storms. Corrected errors (and soft offline, their recovery path) are never
 * evidence; they are counted per host over one-hour windows, with the rate estimated from the
 * current and the previous window (`prev * (1 - elapsed/1h) + n`), so a storm straddling a window
 * edge is still seen. Crossing `correctedStormPerHour` opens a storm episode and emits one
 * REPLACE_AT_MAINTENANCE event; the episode ends when a whole window stays at or below the rate.
 */
import type { CorrelationConfig } from '../model/config.js';
import type { HwSignal } from '../model/signal.js';
import type { HostHardwareEvent } from '../model/verdict.js';
import { bootIdOf } from './boots.js';
import { boundLine } from './incidents.js';
import type { CorrectedRate, HostState } from './types.js';

export const HOUR_US = 3_600_000_000;

/** Moves the window forward to the one holding `ts`; a window at or below the rate ends an episode. */
function rollWindow(ce: CorrectedRate, ts: number, threshold: number): void {
  if (ts < ce.start + HOUR_US) return;
  const windows = Math.floor((ts - ce.start) / HOUR_US);
  const ended = windows === 1 ? ce.n : 0;
  if (ce.storm && ended <= threshold) ce.storm = false;
  ce.prev = ended;
  ce.n = 0;
  ce.start += windows * HOUR_US;
}

export function correctedRate(s: HostState, ts: number): number {
  const ce = s.ce;
  if (!ce) return 0;
  const elapsed = Math.min(Math.max(ts - ce.start, 0), HOUR_US);
  return ce.prev * (1 - elapsed / HOUR_US) + ce.n;
}

/** Counts one corrected-error report; returns the storm event when this report opens an episode. */
export function countCorrected(
  s: HostState,
  sig: HwSignal,
  boot: number,
  config: CorrelationConfig,
): HostHardwareEvent | null {
  if (!s.ce) s.ce = { start: sig.ts, n: 0, prev: 0, storm: false };
  const ce = s.ce;
  rollWindow(ce, sig.ts, config.correctedStormPerHour);
  ce.n += Math.max(1, sig.count);
  const rate = correctedRate(s, Math.max(sig.ts, ce.start));
  if (ce.storm || rate <= config.correctedStormPerHour) return null;
  ce.storm = true;
  return {
    host: s.host,
    boot_id: bootIdOf(s, boot),
    ts: sig.ts,
    source: sig.source,
    severity: 'corrected',
    pfn: sig.pfn,
    phys_addr: sig.physAddr,
    page_type: sig.pageType,
    result: sig.result,
    synthetic: sig.synthetic,
    advice: 'REPLACE_AT_MAINTENANCE',
    reports: Math.round(rate),
    line: boundLine(sig.line),
  };
}

/** Forgets the counter once two quiet windows have passed and no episode is open. */
export function expireCorrected(s: HostState, clock: number, config: CorrelationConfig): void {
  const ce = s.ce;
  if (!ce) return;
  rollWindow(ce, clock, config.correctedStormPerHour);
  if (!ce.storm && ce.n === 0 && ce.prev === 0) s.ce = undefined;
}
