/**
 * Both per-line stages of one host over one event: split the message once, feed every line to the
 * hardware recognizers and to the assembler. This is the loop the pipeline runs per record.
 */
import type { StateLimits } from '../model/config.js';
import type { CrashReport } from '../model/crash.js';
import type { KernelLogEvent } from '../model/event.js';
import type { LineContext, MarkerSignal, Signal } from '../model/signal.js';
import { advanceHw, flushHw, type HwState, hwIsIdle, newHwState, pushHwLine } from '../parse/hw/state.js';
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
  readonly signals: readonly Signal[];
  readonly reports: readonly CrashReport[];
}

interface MutableHostOutput {
  signals: Signal[];
  reports: CrashReport[];
}

/** Shared result of the common case, nothing happened: no allocation per routine record. */
const NOTHING: HostOutput = Object.freeze({ signals: Object.freeze([]), reports: Object.freeze([]) });

export function newHostLineState(): HostLineState {
  return { hw: newHwState(), asm: newAssemblerState() };
}

function collect(
  out: MutableHostOutput | null,
  signals: readonly Signal[],
  reports: readonly CrashReport[],
): MutableHostOutput | null {
  if (signals.length === 0 && reports.length === 0) return out;
  const o = out ?? { signals: [], reports: [] };
  for (const x of signals) o.signals.push(x);
  for (const x of reports) o.reports.push(x);
  return o;
}

/** Reused for every line; the stages never keep the context object. */
const scratch: { event: KernelLogEvent; text: string } = {
  event: {
    host: '',
    boot_id: null,
    ts: 0,
    uptime_us: null,
    seq: null,
    priority: null,
    message: '',
    arch: null,
    kernel_release: null,
    source: null,
    caller: null,
  },
  text: '',
};

/**
 * Order: hardware signals before the reports closed by the same line (errors precede the crash they
 * may explain); at a boot, the previous boot's signals and reports first, then BOOT, then the rest.
 */
function line(
  out: MutableHostOutput | null,
  st: HostLineState,
  event: KernelLogEvent,
  text: string,
  limits: StateLimits,
): MutableHostOutput | null {
  scratch.event = event;
  scratch.text = text;
  const ctx: LineContext = scratch;
  const a = pushLine(st.asm, ctx, limits);
  let o = out;
  if (a.markers.length !== 0) {
    o = collect(o, flushHw(st.hw), a.reports);
    o = collect(o, a.markers as readonly MarkerSignal[], []);
    return collect(o, pushHwLine(st.hw, ctx), []);
  }
  const h = pushHwLine(st.hw, ctx);
  if (a.reports.length !== 0 || h.length !== 0) o = collect(o, h, a.reports);
  return o;
}

/**
 * One record. Lines of a multi-line message are handled one by one, each without the stamp a
 * shipper may have left inside the message. Returns a shared empty result when nothing happened.
 */
export function processEvent(st: HostLineState, event: KernelLogEvent, limits: StateLimits): HostOutput {
  const msg = event.message;
  const nl = msg.indexOf('\n');
  if (nl < 0) {
    const text = msg.length > 0 && msg.charCodeAt(msg.length - 1) === 13 ? msg.slice(0, -1) : msg;
    return line(null, st, event, stripStamp(text), limits) ?? NOTHING;
  }
  let out: MutableHostOutput | null = null;
  let from = 0;
  while (from <= msg.length) {
    let to = msg.indexOf('\n', from);
    if (to < 0) to = msg.length;
    if (to === msg.length && from === to) break;
    let text = msg.slice(from, to);
    if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    out = line(out, st, event, stripStamp(text), limits);
    from = to + 1;
  }
  out = collect(out, [], endEvent(st.asm, event).reports);
  return out ?? NOTHING;
}

/** Nothing open or held in either stage (the host can be evicted without losing a report). */
export function hostIsIdle(st: HostLineState): boolean {
  return st.asm.open === null && hwIsIdle(st.hw);
}

/** The partition's watermark moved; `graceUs`: how far a host may lag it (see advanceAssembler). */
export function advanceHost(
  st: HostLineState,
  watermarkUs: number,
  limits: StateLimits,
  graceUs = 0,
): HostOutput {
  const a = advanceAssembler(st.asm, watermarkUs, limits, graceUs);
  return collect(null, advanceHw(st.hw, watermarkUs - graceUs), a.reports) ?? NOTHING;
}

export function flushHost(st: HostLineState, limits: StateLimits): HostOutput {
  const a = flushAssembler(st.asm, limits);
  return collect(null, flushHw(st.hw), a.reports) ?? NOTHING;
}
