/**
 * Both per-line stages of one host over one event: split the message once, feed every line to the
 * hardware recognizers and to the assembler. This is the loop the pipeline runs per record.
 */
import type { StateLimits } from '../model/config.js';
import type { CrashReport } from '../model/crash.js';
import type { KernelLogEvent } from '../model/event.js';
import type { LineContext, MarkerSignal, Signal } from '../model/signal.js';
import { advanceHw, flushHw, type HwState, newHwState, pushHwLine } from '../parse/hw/state.js';
import { stripStamp } from '../parse/hw/line.js';
import {
  type AssemblerState,
  advanceAssembler,
  endEvent,
  flushAssembler,
  newAssemblerState,
  pushLine,
} from './assembler.js';

export interface HostLineState {
  hw: HwState;
  asm: AssemblerState;
}

export interface HostOutput {
  /** hardware signals and markers (INJECTION, TAINT_MCE from the recognizers; BOOT from the assembler) */
  signals: Signal[];
  reports: CrashReport[];
}

export function newHostLineState(): HostLineState {
  return { hw: newHwState(), asm: newAssemblerState() };
}

function collect(out: HostOutput, signals: readonly Signal[], reports: readonly CrashReport[]): void {
  for (const x of signals) out.signals.push(x);
  for (const x of reports) out.reports.push(x);
}

/**
 * Order: hardware signals before the reports closed by the same line (errors precede the crash they
 * may explain); at a boot, the previous boot's signals and reports first, then BOOT, then the rest.
 */
function line(out: HostOutput, st: HostLineState, ctx: LineContext, limits: StateLimits): void {
  const a = pushLine(st.asm, ctx, limits);
  if (a.markers.length !== 0) {
    collect(out, flushHw(st.hw), a.reports);
    collect(out, a.markers as readonly MarkerSignal[], []);
    collect(out, pushHwLine(st.hw, ctx), []);
    return;
  }
  const h = pushHwLine(st.hw, ctx);
  if (a.reports.length !== 0 || h.length !== 0) collect(out, h, a.reports);
}

/**
 * One record. Lines of a multi-line message are handled one by one, each without the stamp a
 * shipper may have left inside the message. Returns fresh arrays (empty when nothing happened).
 */
export function processEvent(st: HostLineState, event: KernelLogEvent, limits: StateLimits): HostOutput {
  const out: HostOutput = { signals: [], reports: [] };
  const msg = event.message;
  const nl = msg.indexOf('\n');
  if (nl < 0) {
    const text = msg.length > 0 && msg.charCodeAt(msg.length - 1) === 13 ? msg.slice(0, -1) : msg;
    line(out, st, { event, text: stripStamp(text) }, limits);
    return out;
  }
  let from = 0;
  while (from <= msg.length) {
    let to = msg.indexOf('\n', from);
    if (to < 0) to = msg.length;
    if (to === msg.length && from === to) break;
    let text = msg.slice(from, to);
    if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    line(out, st, { event, text: stripStamp(text) }, limits);
    from = to + 1;
  }
  const e = endEvent(st.asm, event);
  collect(out, [], e.reports);
  return out;
}

export function advanceHost(st: HostLineState, watermarkUs: number, limits: StateLimits): HostOutput {
  const out: HostOutput = { signals: [], reports: [] };
  const a = advanceAssembler(st.asm, watermarkUs, limits);
  collect(out, advanceHw(st.hw, watermarkUs), a.reports);
  return out;
}

export function flushHost(st: HostLineState, limits: StateLimits): HostOutput {
  const out: HostOutput = { signals: [], reports: [] };
  const a = flushAssembler(st.asm, limits);
  collect(out, flushHw(st.hw), a.reports);
  return out;
}
