/**
 * Crash report assembly for one host (DESIGN.md §1). The state is a plain object; `open` is null
 * when no report is open, so an idle host costs a few numbers.
 *
 * A report starts at a line `matchReportStart` accepts and takes the lines of its own printk caller
 * (`T123`/`C4`) when the transport carries caller ids; other callers' lines go elsewhere, except
 * the `NMI backtrace for cpu N` output other CPUs print for an RCU stall, lockup or hung-task
 * report (that caller is adopted by the report).
 * Without caller ids one report takes every line. A new start of a caller whose report has not
 * printed its stack yet (early in it) nests: the kernel hit it while printing the first (a WARNING
 * in an RCU stall report, a fault in a lockdep report, a Rust panic's BUG()); the first report
 * takes the nested one's lines too and closes with it. Unstamped lines while stamped reports are
 * open are another writer's on the console and are ignored. A report ends at:
 * - its end marker (`isReportEnd`), then it waits `limits.epilogueMs` (event time) for the panic
 *   epilogue (`Kernel panic - not syncing`, `Kernel Offset:`, `---[ end Kernel panic`), which the
 *   kernel prints right after the marker (x86 oops_end: the register summary, then panic());
 * - a new non-secondary report start of the same caller (or any, without caller ids);
 * - a boot marker; `limits.reportIdleMs` without a line; MAX_SPAN after it started;
 * - the end of the multi-line message it started in (pstore, kdump).
 */
import type { StateLimits } from '../model/config.js';
import type { CrashReport } from '../model/crash.js';
import type { KernelLogEvent } from '../model/event.js';
import type { LineContext, MarkerSignal } from '../model/signal.js';
import { isReportEnd, matchReportStart, type ReportStart } from '../parse/crash/index.js';
import { bootChange } from '../parse/hw/boot.js';
import { boundedLine } from '../parse/hw/line.js';
import { appendLine, finishReport, MAX_ADOPTED, type OpenReport, openReport } from './report.js';

export interface AssemblerState {
  bootId: string | null;
  /** last uptime stamp in whole seconds, or -1 (seconds stay a small integer: no boxed double per host) */
  lastUptimeS: number;
  /** lines since the last boot marker (capped), to fold a banner that follows a boot_id change */
  sinceBoot: number;
  /** open reports, oldest first; null when none */
  open: OpenReport[] | null;
}

export interface AssembleOutput {
  readonly reports: readonly CrashReport[];
  readonly markers: readonly MarkerSignal[];
}

interface MutableOutput {
  reports: CrashReport[];
  markers: MarkerSignal[];
}

/** Non-epilogue lines after an end marker before the report closes anyway. */
export const MAX_AFTER_END = 64;
/** Reports open at once (one per caller); the oldest is closed beyond this. */
export const MAX_OPEN = 8;
/** A report nests a new start of its caller only this many lines after its own start. */
const NEST_WITHIN_LINES = 40;
/** A banner this many lines after a boot_id change belongs to the same boot. */
const BANNER_FOLD_LINES = 256;
const SINCE_BOOT_CAP = 1 << 20;

const EMPTY: AssembleOutput = Object.freeze({ reports: Object.freeze([]), markers: Object.freeze([]) });

const GATHERING_KINDS = new Set(['RCU_STALL', 'LOCKUP', 'HUNG_TASK']);

const EPILOGUE_LEADS = [
  'Kernel panic - not syncing',
  '---[ end Kernel panic',
  'Kernel Offset: ',
  'Rebooting in ',
  'SMP: stopping secondary CPUs',
  'PHYS_OFFSET: ',
  'CPU features: ',
  'Memory Limit: ',
  'Shutting down cpus with NMI',
];

export function newAssemblerState(): AssemblerState {
  return { bootId: null, lastUptimeS: -1, sinceBoot: SINCE_BOOT_CAP, open: null };
}

function isEpilogue(text: string): boolean {
  for (const lead of EPILOGUE_LEADS) if (text.startsWith(lead)) return true;
  return false;
}

function isPanicEnd(text: string): boolean {
  return text.startsWith('---[ end Kernel panic');
}

function startOf(text: string): ReportStart | null {
  try {
    return matchReportStart(text);
  } catch {
    return null;
  }
}

function endOf(text: string): boolean {
  try {
    return isReportEnd(text);
  } catch {
    return false;
  }
}

function maxSpanUs(limits: StateLimits): number {
  return Math.max(60_000_000, limits.reportIdleMs * 6000);
}

function out0(o: MutableOutput | null): MutableOutput {
  return o ?? { reports: [], markers: [] };
}

function closeAt(s: AssemblerState, i: number, o: MutableOutput | null): MutableOutput | null {
  const open = s.open;
  if (open === null) return o;
  const r = open[i];
  if (r === undefined) return o;
  let res = o;
  const p = r.parent;
  if (p !== null) {
    // the report this one is nested in closes with it, and first (it started first)
    r.parent = null;
    res = closeReport(s, p, res);
  }
  const list = s.open;
  if (list === null) return res;
  const at = list.indexOf(r);
  if (at < 0) return res;
  list.splice(at, 1);
  for (const x of list) if (x.parent === r) x.parent = null;
  if (list.length === 0) s.open = null;
  const out = out0(res);
  out.reports.push(finishReport(r));
  return out;
}

/** Take one line into a report and into the report it is nested in. */
function take(r: OpenReport, text: string, important: boolean, ts: number, limits: StateLimits): void {
  appendLine(r, text, important, limits);
  r.lastTs = ts;
  const p = r.parent;
  if (p !== null) {
    appendLine(p, text, important, limits);
    p.lastTs = ts;
  }
}

function closeReport(s: AssemblerState, r: OpenReport, o: MutableOutput | null): MutableOutput | null {
  const i = s.open === null ? -1 : s.open.indexOf(r);
  return i < 0 ? o : closeAt(s, i, o);
}

function closeAll(s: AssemblerState, o: MutableOutput | null): MutableOutput | null {
  let res = o;
  while (s.open !== null) res = closeAt(s, 0, res);
  return res;
}

/** Close what is idle, past its epilogue window, or too long, as of event time `nowUs`. */
function closeDue(
  s: AssemblerState,
  nowUs: number,
  limits: StateLimits,
  o: MutableOutput | null,
  graceUs = 0,
): MutableOutput | null {
  let res = o;
  const open = s.open;
  if (open === null) return res;
  const idleUs = limits.reportIdleMs * 1000;
  const epilogueUs = limits.epilogueMs * 1000;
  const span = maxSpanUs(limits);
  const runningNow = nowUs - graceUs; // graceUs is 0 on the host's own clock
  for (let i = open.length - 1; i >= 0; i--) {
    const r = open[i];
    if (r === undefined) continue;
    // After its end marker a report waits only for the epilogue, which the kernel prints right
    // after it and which reaches us in the host's order: the host's own lag is grace enough.
    const endedNow = r.endLagUs === undefined ? runningNow : nowUs - Math.min(graceUs, r.endLagUs);
    if (
      (r.endedTs >= 0 && endedNow - r.endedTs > epilogueUs) ||
      runningNow - r.lastTs > idleUs ||
      runningNow - r.ts > span
    ) {
      res = closeAt(s, i, res);
    }
  }
  return res;
}

function byCaller(s: AssemblerState, caller: string): OpenReport | null {
  const open = s.open;
  if (open === null) return null;
  for (let i = open.length - 1; i >= 0; i--) {
    const r = open[i];
    if (r !== undefined && r.caller === caller) return r;
  }
  return null;
}

function mostRecent(s: AssemblerState): OpenReport | null {
  const open = s.open;
  return open === null ? null : (open[open.length - 1] ?? null);
}

/** The open report a non-start line belongs to, or null (the line goes elsewhere). */
function ownerOf(s: AssemblerState, caller: string | null, text: string): OpenReport | null {
  if (s.open === null) return null;
  if (caller === null) return mostRecent(s);
  const own = byCaller(s, caller);
  if (own !== null) return own;
  const last = mostRecent(s);
  if (last === null) return null;
  if (last.caller === null) return last; // the report came without caller ids: it takes everything
  if (last.endedTs >= 0 && isEpilogue(text)) return last;
  const open = s.open;
  for (let i = open.length - 1; i >= 0; i--) {
    const r = open[i];
    if (r?.adopted?.includes(caller)) return r;
  }
  if (text.startsWith('NMI backtrace for cpu')) {
    // another CPU answering the all-CPU backtrace an RCU stall or lockup report asked for
    for (let i = open.length - 1; i >= 0; i--) {
      const r = open[i];
      if (r !== undefined && r.endedTs < 0 && GATHERING_KINDS.has(r.kind)) {
        if (r.adopted === null) r.adopted = [];
        if (r.adopted.length < MAX_ADOPTED) r.adopted.push(caller);
        return r;
      }
    }
  }
  return null;
}

/**
 * A console line without the kernel's stamp while the open reports came with stamps: another
 * writer on the same console (a fuzzer's or init's output), not printk. It neither joins nor
 * ends nor starts a report. Lines of one multi-line record (pstore, kdump) carry no stamps of
 * their own and are not meant.
 */
function otherWriter(s: AssemblerState, ev: KernelLogEvent): boolean {
  if (ev.caller !== null || ev.message.indexOf('\n') >= 0 || s.open === null) return false;
  for (const r of s.open) if (r.uptimeUs === null || r.inMessage) return false;
  return true;
}

function bootMarker(event: KernelLogEvent, text: string): MarkerSignal {
  return {
    type: 'marker',
    marker: 'BOOT',
    pfn: null,
    line: boundedLine(text, 1024),
    ts: event.ts,
    uptimeUs: event.uptime_us,
    bootId: event.boot_id,
  };
}

/**
 * The state pushLine keeps for a routine line on a host with no report open and no boot change
 * (see host.ts `routineLine`, which checks those first): the line count and the uptime.
 */
export function countRoutineLine(s: AssemblerState, uptimeUs: number | null): void {
  if (s.sinceBoot < SINCE_BOOT_CAP) s.sinceBoot++;
  if (uptimeUs !== null) s.lastUptimeS = (uptimeUs / 1_000_000) | 0;
}

/**
 * One line of one event (transport prefixes and stamps removed; see `splitMessage`). Returns the
 * reports this line closed and the BOOT marker when it starts a new boot. Routine lines with no
 * report open return a shared empty result.
 */
export function pushLine(s: AssemblerState, ctx: LineContext, limits: StateLimits): AssembleOutput {
  const ev = ctx.event;
  const text = ctx.text;
  let o: MutableOutput | null = null;

  const change = bootChange(s.bootId, s.lastUptimeS < 0 ? -1 : s.lastUptimeS * 1_000_000, ev, text);
  if (change !== null && !(change === 'banner' && s.sinceBoot < BANNER_FOLD_LINES)) {
    o = out0(closeAll(s, o));
    o.markers.push(bootMarker(ev, text));
    s.sinceBoot = 0;
  } else if (s.sinceBoot < SINCE_BOOT_CAP) s.sinceBoot++;
  if (ev.boot_id !== null) s.bootId = ev.boot_id;
  if (ev.uptime_us !== null) s.lastUptimeS = (ev.uptime_us / 1_000_000) | 0;

  if (s.open !== null) o = closeDue(s, ev.ts, limits, o);
  if (s.open !== null && ev.uptime_us === null && otherWriter(s, ev)) return o ?? EMPTY;

  const start = startOf(text);
  if (start !== null) {
    o = onStart(s, ctx, start, limits, o);
    return o ?? EMPTY;
  }
  if (s.open === null) return o ?? EMPTY;

  const r = ownerOf(s, ev.caller, text);
  if (r === null) return o ?? EMPTY;
  if (r.endedTs >= 0) {
    if (isEpilogue(text)) {
      take(r, text, true, ev.ts, limits);
      if (isPanicEnd(text)) o = closeReport(s, r, o);
    } else if (++r.afterEnd > MAX_AFTER_END) o = closeReport(s, r, o);
    return o ?? EMPTY;
  }
  const end = endOf(text);
  take(r, text, end || isEpilogue(text), ev.ts, limits);
  if (end) {
    if (isPanicEnd(text)) o = closeReport(s, r, o);
    else r.endedTs = ev.ts;
  }
  return o ?? EMPTY;
}

function onStart(
  s: AssemblerState,
  ctx: LineContext,
  start: ReportStart,
  limits: StateLimits,
  o: MutableOutput | null,
): MutableOutput | null {
  const ev = ctx.event;
  let res = o;
  if (start.continues !== null) {
    // the message of the report its caller (or, without caller ids, the stream) has open
    const r = ev.caller !== null ? byCaller(s, ev.caller) : mostRecent(s);
    const first = r?.lines[0];
    if (r !== null && r.endedTs < 0 && first !== undefined && start.continues.test(first)) {
      take(r, ctx.text, true, ev.ts, limits);
      return res;
    }
  }
  if (start.secondary || start.noSplit === true) {
    // continues the open report of this caller (a panic may come from another CPU: then the latest)
    const own = ev.caller !== null ? byCaller(s, ev.caller) : null;
    const r = own ?? (start.secondary || ev.caller === null ? mostRecent(s) : null);
    // past its end marker a report takes only its epilogue; an `Oops:` then is a new report
    if (r !== null && (r.endedTs < 0 || isEpilogue(ctx.text))) {
      take(r, ctx.text, true, ev.ts, limits);
      if (endOf(ctx.text)) {
        if (isPanicEnd(ctx.text)) res = closeReport(s, r, res);
        else if (r.endedTs < 0) r.endedTs = ev.ts;
      }
      return res;
    }
  }
  const prev = ev.caller !== null ? byCaller(s, ev.caller) : mostRecent(s);
  if (prev !== null && prev.endedTs < 0 && dieForReportedFault(prev, ctx.text)) {
    take(prev, ctx.text, true, ev.ts, limits);
    return res;
  }
  const outer = prev !== null && ev.caller !== null && nestsIn(prev) ? prev : null;
  if (s.open !== null) {
    // a new report ends the previous one of the same caller, and every report already past its end
    for (let i = s.open.length - 1; s.open !== null && i >= 0; i--) {
      const r = s.open[i];
      if (r === undefined || r === outer) continue;
      if (r.endedTs >= 0 || ev.caller === null || r.caller === null || r.caller === ev.caller) {
        res = closeAt(s, i, res);
      }
    }
  }
  if (s.open !== null && s.open.length >= MAX_OPEN) res = closeAt(s, 0, res);
  const r = openReport(ev, start.kind, ctx.text, limits);
  if (outer !== null && s.open?.includes(outer) === true) {
    r.parent = outer;
    appendLine(outer, ctx.text, true, limits);
    outer.lastTs = ev.ts;
  }
  if (s.open === null) s.open = [r];
  else s.open.push(r);
  return res;
}

/**
 * A report of one caller that has not printed its stack yet when the same caller starts another:
 * the kernel hit the second while printing the first (an RCU stall report's WARNING, a lockdep
 * report that faults, a Rust panic that ends in BUG()). The first report's stack is the one the
 * second prints, so the first takes the second's lines too (as syzkaller reads one caller's
 * lines); the second stays a report of its own. Only with caller ids (else the lines may be
 * another CPU's), one level deep, and only early in the first report.
 */
function nestsIn(r: OpenReport): boolean {
  return (
    r.caller !== null &&
    r.parent === null &&
    r.endedTs < 0 &&
    !r.hasStack &&
    r.lines.length <= NEST_WITHIN_LINES
  );
}

const UNHANDLED_FAULT_ESR = /^Unhandled fault: [^(]{1,80}\(0x([0-9a-f]{1,16})\) at 0x/;
const INTERNAL_ERROR_ESR = /^Internal error: [^\n]{0,80}?: ([0-9a-f]{1,16}) \[#\d/;

/**
 * arm64 ≤4.x `do_mem_abort()` prints `Unhandled fault: %s (0x%08x) at 0x%016lx` and then, for a
 * kernel-mode fault, `die()` prints `Internal error: %s: %x [#%d]` with the same ESR: one crash,
 * not two, although both lines start reports.
 */
function dieForReportedFault(r: OpenReport, text: string): boolean {
  if (r.lines.length > 4 || !text.startsWith('Internal error: ')) return false;
  const u = UNHANDLED_FAULT_ESR.exec(r.lines[0] ?? '');
  if (u === null) return false;
  const i = INTERNAL_ERROR_ESR.exec(text);
  return i !== null && Number.parseInt(i[1] ?? '', 16) === Number.parseInt(u[1] ?? '', 16);
}

/**
 * After the last line of a multi-line message (pstore, kdump dump): the reports that started in it
 * are complete.
 */
export function endEvent(s: AssemblerState, event: KernelLogEvent): AssembleOutput {
  if (s.open === null || event.message.indexOf('\n') < 0) return EMPTY;
  let o: MutableOutput | null = null;
  for (let i = s.open.length - 1; s.open !== null && i >= 0; i--) {
    const r = s.open[i];
    if (r?.inMessage) o = closeAt(s, i, o);
  }
  return o ?? EMPTY;
}

/** Event time moved on to `watermarkUs`: close idle reports and finished epilogues. */
/**
 * Event time moved on elsewhere (the partition's watermark). A report that is still running is
 * closed by it only `graceUs` later than by the host's own clock: a host whose shipper lags the
 * partition by less than that keeps its reports whole, whatever the batching. The same holds for
 * the epilogue window after an end marker. A panic's own `---[ end Kernel panic` line closes the
 * report at once, so the grace delays only reports that were cut off (the host died mid-report).
 */
export function advanceAssembler(
  s: AssemblerState,
  watermarkUs: number,
  limits: StateLimits,
  graceUs = 0,
): AssembleOutput {
  if (s.open === null) return EMPTY;
  return closeDue(s, watermarkUs, limits, null, graceUs) ?? EMPTY;
}

/** No report is open: the state holds only the boot id, an uptime and a counter. */
export function assemblerIsIdle(s: AssemblerState): boolean {
  return s.open === null;
}

/** End of input: close every open report. */
export function flushAssembler(s: AssemblerState, limits: StateLimits): AssembleOutput {
  void limits;
  return closeAll(s, null) ?? EMPTY;
}
