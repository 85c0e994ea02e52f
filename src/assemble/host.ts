/**
 * Both per-line stages of one host over one event: split the message once, feed every line to the
 * hardware recognizers and to the assembler. This is the loop the pipeline runs per record.
 */
import type { StateLimits } from '../model/config.js';
import type { CrashReport } from '../model/crash.js';
import { type KernelLogEvent, type RoutineRecord, sameAscii } from '../model/event.js';
import type { LineContext, MarkerSignal, Signal } from '../model/signal.js';
import {
  advanceHw,
  flushHw,
  type HwState,
  hwIsIdle,
  hwPrefilter,
  MAX_TEXT,
  newHwState,
  pushHwLine,
} from '../parse/hw/state.js';
import { uptimeRestarted } from '../parse/hw/boot.js';
import { stripStamp } from '../parse/hw/line.js';
import {
  type AssemblerState,
  advanceAssembler,
  countRoutineLine,
  endEvent,
  flushAssembler,
  newAssemblerState,
  pushLine,
} from './assembler.js';

export interface HostLineState {
  hw: HwState;
  asm: AssemblerState;
}

/**
 * Where a caller that keeps many hosts holds the hardware state: null stands for a fresh
 * {@link newHwState} and is replaced by a real one at the first line that may be a hardware line
 * (the pipeline keeps a million idle hosts this way; see {@link compactHw}). The functions taking a
 * holder and an assembler state are the ones {@link processEvent} and friends run.
 */
export interface HwHolder {
  hw: HwState | null;
}

const NO_SIGNALS: readonly Signal[] = Object.freeze([]);

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
 * A fresh hardware state returns nothing and stays fresh for a line its prefilter rejects
 * (pushHwLine's first steps touch only facts, blocks and held, all null): so the state is created
 * only for a line that may be a hardware line.
 */
function hwLine(h: HwHolder, ctx: LineContext): readonly Signal[] {
  let hw = h.hw;
  if (hw === null) {
    const raw = ctx.text;
    if (!hwPrefilter(raw.length > MAX_TEXT ? raw.slice(0, MAX_TEXT) : raw)) return NO_SIGNALS;
    hw = newHwState();
    h.hw = hw;
  }
  return pushHwLine(hw, ctx);
}

/**
 * Order: hardware signals before the reports closed by the same line (errors precede the crash they
 * may explain); at a boot, the previous boot's signals and reports first, then BOOT, then the rest.
 */
function line(
  out: MutableHostOutput | null,
  h: HwHolder,
  asm: AssemblerState,
  event: KernelLogEvent,
  text: string,
  limits: StateLimits,
): MutableHostOutput | null {
  scratch.event = event;
  scratch.text = text;
  const ctx: LineContext = scratch;
  const a = pushLine(asm, ctx, limits);
  let o = out;
  if (a.markers.length !== 0) {
    if (h.hw !== null) o = collect(o, flushHw(h.hw), a.reports);
    else o = collect(o, NO_SIGNALS, a.reports);
    o = collect(o, a.markers as readonly MarkerSignal[], []);
    return collect(o, hwLine(h, ctx), []);
  }
  const hs = hwLine(h, ctx);
  if (a.reports.length !== 0 || hs.length !== 0) o = collect(o, hs, a.reports);
  return o;
}

/**
 * One record. Lines of a multi-line message are handled one by one, each without the stamp a
 * shipper may have left inside the message. Returns a shared empty result when nothing happened.
 */
export function processEvent(st: HostLineState, event: KernelLogEvent, limits: StateLimits): HostOutput {
  return processLines(st, st.asm, event, limits);
}

/** {@link processEvent} over a hardware-state holder and an assembler state kept apart. */
export function processLines(
  h: HwHolder,
  asm: AssemblerState,
  event: KernelLogEvent,
  limits: StateLimits,
): HostOutput {
  const msg = event.message;
  const nl = msg.indexOf('\n');
  if (nl < 0) {
    const text = msg.length > 0 && msg.charCodeAt(msg.length - 1) === 13 ? msg.slice(0, -1) : msg;
    return line(null, h, asm, event, stripStamp(text), limits) ?? NOTHING;
  }
  let out: MutableHostOutput | null = null;
  let from = 0;
  while (from <= msg.length) {
    let to = msg.indexOf('\n', from);
    if (to < 0) to = msg.length;
    if (to === msg.length && from === to) break;
    let text = msg.slice(from, to);
    if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    out = line(out, h, asm, event, stripStamp(text), limits);
    from = to + 1;
  }
  out = collect(out, [], endEvent(asm, event).reports);
  return out ?? NOTHING;
}

/**
 * A record whose message is one routine line (a RoutineRecord: src/parse/routine.ts
 * `lineMayMatter` rejected its bytes), applied as processLines would apply the decoded record:
 * on a host with no report or record block open and no signal held, such a line only counts and
 * moves the uptime. Returns false and changes nothing when that does not hold, or when the
 * record starts a new boot (uptime back to zero, another boot id) or brings a boot id a stage
 * does not hold yet: the caller then runs processLines on the decoded record.
 */
export function routineLine(h: HwHolder, asm: AssemblerState, r: RoutineRecord): boolean {
  if (asm.open !== null) return false;
  const hw = h.hw;
  if (hw !== null && (hw.blocks !== null || hw.held !== null)) return false;
  const facts = hw === null ? null : hw.facts;
  if (r.bootIdStart >= 0) {
    // the id both stages hold already: no boot change, and they keep their string
    if (asm.bootId === null || !sameAscii(asm.bootId, r.bytes, r.bootIdStart, r.bootIdEnd)) return false;
    if (
      facts !== null &&
      (facts.bootId === null || !sameAscii(facts.bootId, r.bytes, r.bootIdStart, r.bootIdEnd))
    ) {
      return false;
    }
  }
  const up = r.uptimeUs;
  if (up !== null) {
    if (uptimeRestarted(asm.lastUptimeS < 0 ? -1 : asm.lastUptimeS * 1_000_000, up)) return false;
    if (facts !== null && uptimeRestarted(facts.lastUptimeUs, up)) return false;
  }
  countRoutineLine(asm, up);
  if (facts !== null && up !== null) facts.lastUptimeUs = up;
  return true;
}

/** Nothing open or held in either stage (the host can be evicted without losing a report). */
export function hostIsIdle(st: HostLineState): boolean {
  return linesIdle(st, st.asm);
}

export function linesIdle(h: HwHolder, asm: AssemblerState): boolean {
  return asm.open === null && (h.hw === null || hwIsIdle(h.hw));
}

/** Drops a hardware state that is back to fresh (a boot cleared its facts): null stands for it. */
export function compactHw(h: HwHolder): void {
  const hw = h.hw;
  if (hw !== null && hw.facts === null && hw.blocks === null && hw.held === null && hw.pageShift === 12) {
    h.hw = null;
  }
}

/** The partition's watermark moved; `graceUs`: how far a host may lag it (see advanceAssembler). */
export function advanceHost(
  st: HostLineState,
  watermarkUs: number,
  limits: StateLimits,
  graceUs = 0,
): HostOutput {
  return advanceLines(st, st.asm, watermarkUs, limits, graceUs);
}

export function advanceLines(
  h: HwHolder,
  asm: AssemblerState,
  watermarkUs: number,
  limits: StateLimits,
  graceUs = 0,
): HostOutput {
  const a = advanceAssembler(asm, watermarkUs, limits, graceUs);
  const hs = h.hw === null ? NO_SIGNALS : advanceHw(h.hw, watermarkUs - graceUs);
  return collect(null, hs, a.reports) ?? NOTHING;
}

export function flushHost(st: HostLineState, limits: StateLimits): HostOutput {
  return flushLines(st, st.asm, limits);
}

export function flushLines(h: HwHolder, asm: AssemblerState, limits: StateLimits): HostOutput {
  const a = flushAssembler(asm, limits);
  return collect(null, h.hw === null ? NO_SIGNALS : flushHw(h.hw), a.reports) ?? NOTHING;
}
