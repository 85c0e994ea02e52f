import { makeEvent, type KernelLogEvent } from '../../../src/model/event.js';
import type { HwSignal, MarkerSignal, Signal } from '../../../src/model/signal.js';
import { flushHw, type HwState, newHwState, pushHwLine } from '../../../src/parse/hw/index.js';

export const T0 = 1_700_000_000_000_000;

export interface LineSpec {
  text: string;
  /** µs after T0 */
  at?: number;
  bootId?: string | null;
  caller?: string | null;
  kernelRelease?: string | null;
}

export function ev(spec: LineSpec, i = 0): KernelLogEvent {
  return makeEvent({
    host: 'h1',
    ts: T0 + (spec.at ?? i * 100),
    message: spec.text,
    uptime_us: 100_000_000 + (spec.at ?? i * 100),
    seq: i,
    boot_id: spec.bootId ?? null,
    caller: spec.caller ?? null,
    kernel_release: spec.kernelRelease ?? null,
  });
}

/** Feed lines (100 µs apart unless `at` is given) through one host's hw state and flush. */
export function run(lines: ReadonlyArray<string | LineSpec>, state: HwState = newHwState()): Signal[] {
  const out: Signal[] = [];
  lines.forEach((l, i) => {
    const spec = typeof l === 'string' ? { text: l } : l;
    const event = ev(spec, i);
    out.push(...pushHwLine(state, { event, text: spec.text }));
  });
  out.push(...flushHw(state));
  return out;
}

export function hw(signals: readonly Signal[]): HwSignal[] {
  return signals.filter((s): s is HwSignal => s.type === 'hw');
}

export function markers(signals: readonly Signal[]): MarkerSignal[] {
  return signals.filter((s): s is MarkerSignal => s.type === 'marker');
}

/** The one hardware signal a single line gives. */
export function one(line: string): HwSignal | undefined {
  const s = hw(run([line]));
  return s.length === 1 ? s[0] : undefined;
}
