/**
 * Per-host hardware-signal state and the line loop. The state is a plain object (serialisable, no
 * closures); module functions update it. Routine lines leave through a first-character prefilter
 * without touching a regex or allocating.
 *
 * Synthetic poison (reference §2.3, §9 rule 5) is decided here:
 * - an injection marker (madvise / hwpoison-inject / `MCE exception done` / `Unpoison:`) within
 *   INJECT_WINDOW_US before the signal, or naming its pfn, or EINJ / mce-inject loaded this boot;
 * - a marker on the line right after a signal: signals wait one line (`hold`), because mce-inject
 *   prints `MCE exception done on CPU %d` after the machine check it raised;
 * - memory-failure verdicts with no hardware record in the minute before them that come as a run
 *   of FLOOD_PFNS or more different pfns, each within FLOOD_US of the last (SNP/ccp, selftests:
 *   hundreds of pfns in milliseconds); the first ones wait in `held` until the run is clear;
 * - page-fault-path kills (`MCE: Killing ... fault at <uaddr>`) in a boot that saw no hardware
 *   error (userfaultfd UFFDIO_POISON prints them for simulated poison).
 * Markers after a signal was released cannot change it; the correlator sees the INJECTION markers.
 */
import type { KernelLogEvent } from '../../model/event.js';
import type { LineContext, MarkerSignal, Signal, HwSignal } from '../../model/signal.js';
import { blockIsUseful, continueBlock, type HwBlock, openBlock } from './blocks.js';
import { bootChange } from './boot.js';
import { physToPfn } from './hex.js';
import { boundedLine } from './line.js';
import {
  HW_ROWS,
  type HoldKind,
  type HwDraft,
  type HwRow,
  LEADS,
  type MarkerDraft,
  NEEDLES,
} from './rows.js';

/** What this boot has shown so far; created at the first hardware line, dropped at a boot. */
export interface HwFacts {
  bootId: string | null;
  /** last uptime stamp seen, µs, or -1 */
  lastUptimeUs: number;
  /** event time of the last hardware error record of this boot, or -1 */
  hwSeenTs: number;
  /** event time of the last non-synthetic memory-failure verdict of this boot, or -1 */
  mfSeenTs: number;
  injectTs: number;
  injectPfn: number;
  /** EINJ or mce-inject was loaded this boot */
  injectBoot: boolean;
  /** last memory-failure verdict that had no hardware record before it */
  loneTs: number;
  lonePfn: number;
  /** distinct pfns in the current run of lone verdicts (FLOOD_PFNS or more: software poison) */
  runPfns: number;
  userAccessTs: number;
  userAccessPfn: number;
}

/**
 * Per-host state. A host that never printed a hardware line carries four small fields (target:
 * a few dozen bytes), so a million idle hosts stay cheap.
 */
export interface HwState {
  /** boot-scoped facts, null until this boot shows a hardware line */
  facts: HwFacts | null;
  /** signals waiting one line for a marker, or a lone memory-failure run */
  held: HwSignal[] | null;
  /** open multi-line records */
  blocks: HwBlock[] | null;
  /**
   * log2 of the kernel's page size: memory-failure and EDAC print pfns in kernel pages, so physical
   * addresses (GHES, AEST) are converted with this. 12 until a line shows otherwise (an EDAC
   * `offset:` past 4 KiB, a `-64k`/`+64k` kernel release).
   */
  pageShift: number;
}

export const BLOCK_GAP_US = 1_000_000;
export const HOLD_US = 1_000_000;
export const INJECT_WINDOW_US = 5_000_000;
export const HW_CONTEXT_US = 60_000_000;
export const FLOOD_US = 1_000_000;
/** this many different pfns in lone verdicts, each within FLOOD_US of the last, is a software flood */
export const FLOOD_PFNS = 3;
export const MAX_HELD = 16;
export const MAX_BLOCKS = 4;
/** recognizers look at no more than this much of a line (printk lines are < 1024 bytes) */
export const MAX_TEXT = 2048;
/** bound on the `line` a signal carries */
export const MAX_SIGNAL_LINE = 1024;

const NONE: Signal[] = [];
Object.freeze(NONE);

export function newHwState(): HwState {
  return { facts: null, held: null, blocks: null, pageShift: 12 };
}

function newFacts(bootId: string | null, uptimeUs: number): HwFacts {
  return {
    bootId,
    lastUptimeUs: uptimeUs,
    hwSeenTs: -1,
    mfSeenTs: -1,
    injectTs: -1,
    injectPfn: -1,
    injectBoot: false,
    loneTs: -1,
    lonePfn: -1,
    runPfns: 0,
    userAccessTs: -1,
    userAccessPfn: -1,
  };
}

/** Boot-scoped facts start at the first line that is a hardware record, marker or verdict. */
function ensureFacts(s: HwState, ev: KernelLogEvent): void {
  if (s.facts === null) s.facts = newFacts(ev.boot_id, ev.uptime_us ?? -1);
}

/** The boot id string the facts already hold when `id` is the same text (one copy per host). */
function heldId(s: HwState, id: string | null): string | null {
  const f = s.facts;
  return f !== null && f.bootId === id ? f.bootId : id;
}

function facts(s: HwState): HwFacts {
  if (s.facts === null) s.facts = newFacts(null, -1);
  return s.facts;
}

// ---- prefilter: leads indexed by first character
const LEADS_BY_CHAR = new Map<number, string[]>();
for (const lead of LEADS) {
  const c = lead.charCodeAt(0);
  const list = LEADS_BY_CHAR.get(c) ?? [];
  list.push(lead);
  LEADS_BY_CHAR.set(c, list);
}

/** Could this line be a hardware-error line at all? One map lookup for routine chatter. */
export function hwPrefilter(text: string): boolean {
  const leads = LEADS_BY_CHAR.get(text.charCodeAt(0));
  if (leads !== undefined) for (const lead of leads) if (text.startsWith(lead)) return true;
  // `comm[pid]: unhandled exception: ...`, `<dev>: [Hardware Error]: GHES: ...`
  if (text.length < 40 || text.indexOf(']: ') < 0) return false;
  for (const needle of NEEDLES) if (text.indexOf(needle) >= 0) return true;
  return false;
}

/**
 * One line of one event (transport prefixes and stamps removed). Returns the signals completed by
 * this line, which can include earlier multi-line records it closed and signals that were held.
 */
export function pushHwLine(s: HwState, ctx: LineContext): Signal[] {
  const ev = ctx.event;
  let out: Signal[] | null = null;
  const raw = ctx.text;

  const f0 = s.facts;
  if (f0 !== null) {
    if (bootChange(f0.bootId, f0.lastUptimeUs, ev, raw) !== null) {
      out = closeAll(s, out);
      s.facts = null;
    } else {
      // an equal id keeps the string already held (no fresh copy retained per record)
      if (ev.boot_id !== null && ev.boot_id !== f0.bootId) f0.bootId = ev.boot_id;
      if (ev.uptime_us !== null) f0.lastUptimeUs = ev.uptime_us;
    }
  }
  // records idle for BLOCK_GAP_US of event time close even while other lines keep coming
  if (s.blocks !== null || s.held !== null) out = closeIdle(s, ev.ts, out);

  const text = raw.length > MAX_TEXT ? raw.slice(0, MAX_TEXT) : raw;

  if (s.blocks !== null) {
    const r = offerToBlocks(s, text, ctx, out);
    out = r.out;
    if (r.done) return out ?? NONE;
  }

  if (!hwPrefilter(text)) {
    if (s.held !== null) out = release(s, out);
    return out ?? NONE;
  }

  if (s.pageShift === 12 && ev.kernel_release !== null) s.pageShift = releasePageShift(ev.kernel_release);
  const block = openBlock(text, ev, boundedLine(raw, MAX_SIGNAL_LINE));
  if (block !== null) {
    ensureFacts(s, ev);
    if (s.held !== null) out = release(s, out);
    if (s.blocks !== null && s.blocks.length >= MAX_BLOCKS) out = closeBlock(s, 0, out);
    s.blocks = grow(s.blocks, block);
    return out ?? NONE;
  }

  const r = recognize(s, ctx, text, out, 0);
  out = r.out;
  if (!r.any && s.held !== null) out = release(s, out);
  return out ?? NONE;
}

/** Event time moved on: close records and release signals that have waited long enough. */
export function advanceHw(s: HwState, watermarkUs: number): Signal[] {
  return closeIdle(s, watermarkUs, null) ?? NONE;
}

function closeIdle(s: HwState, nowUs: number, out: Signal[] | null): Signal[] | null {
  let o = out;
  if (s.blocks !== null) {
    for (let i = s.blocks.length - 1; s.blocks !== null && i >= 0; i--) {
      const b = s.blocks[i];
      if (b !== undefined && nowUs - b.lastTs > BLOCK_GAP_US) o = closeBlock(s, i, o);
    }
  }
  if (s.held !== null && nowUs - (s.held[0]?.ts ?? 0) > HOLD_US) o = release(s, o);
  return o;
}

/** End of input (or the host went idle): everything open is emitted. */
export function flushHw(s: HwState): Signal[] {
  return closeAll(s, null) ?? NONE;
}

/** Nothing is open or held: the state carries only boot-scoped facts. */
export function hwIsIdle(s: HwState): boolean {
  return s.blocks === null && s.held === null;
}

/** Distribution kernels built with 16/64 KiB pages say so in the release (`-64k`, `+64k`, `.16k`). */
function releasePageShift(release: string): number {
  if (/[-+._]64k\b/i.test(release)) return 16;
  if (/[-+._]16k\b/i.test(release)) return 14;
  return 12;
}

/**
 * A memory-failure pfn that matches an open record's physical address only at a larger page size
 * (the verdict follows its GHES/AEST record) shows the kernel's page size.
 */
function learnPageShift(s: HwState, pfn: number): void {
  if (s.blocks === null) return;
  for (const b of s.blocks) {
    if (b.physAddr === null || (b.kind !== 'ghes' && b.kind !== 'aest')) continue;
    if (Math.floor(b.physAddr / 2 ** s.pageShift) === pfn) return;
    for (const shift of [16, 14, 12]) {
      if (Math.floor(b.physAddr / 2 ** shift) === pfn) {
        s.pageShift = shift;
        return;
      }
    }
  }
}

function closeAll(s: HwState, out: Signal[] | null): Signal[] | null {
  let o = out;
  while (s.blocks !== null) o = closeBlock(s, 0, o);
  if (s.held !== null) o = release(s, o);
  return o;
}

function offerToBlocks(
  s: HwState,
  text: string,
  ctx: LineContext,
  out: Signal[] | null,
): { out: Signal[] | null; done: boolean } {
  const blocks = s.blocks;
  if (blocks === null) return { out, done: false };
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    if (b === undefined) continue;
    const r = continueBlock(b, text, ctx.event);
    if (r === 'absorbed') {
      let o = out;
      if (b.complete) o = closeBlock(s, i, o);
      return { out: o, done: true };
    }
    if (r === 'new-record') return { out: closeBlock(s, i, out), done: false };
  }
  return { out, done: false };
}

function closeBlock(s: HwState, index: number, out: Signal[] | null): Signal[] | null {
  const blocks = s.blocks;
  if (blocks === null) return out;
  const b = blocks[index];
  blocks.splice(index, 1);
  if (blocks.length === 0) s.blocks = null;
  if (b === undefined || !blockIsUseful(b)) return out;
  const sig: HwSignal = {
    type: 'hw',
    source: b.source,
    severity: b.severity,
    pfn: b.kind === 'mce' ? b.pfn : physToPfn(b.physAddr, s.pageShift),
    physAddr: b.physAddr,
    pageType: null,
    result: 'Reported',
    synthetic: false,
    count: 1,
    recognizer:
      b.kind === 'aest' ? 'aest-record' : b.kind === 'ghes' ? 'ghes-cper-record' : `${b.kind}-record`,
    line: b.line,
    ts: b.ts,
    uptimeUs: b.uptimeUs,
    bootId: heldId(s, b.bootId),
  };
  return admit(s, sig, b.kind === 'mce' || b.kind === 'edac-mce' ? 'next' : 'none', true, out);
}

function recognize(
  s: HwState,
  ctx: LineContext,
  text: string,
  out: Signal[] | null,
  depth: number,
): { out: Signal[] | null; any: boolean } {
  let o = out;
  for (const row of HW_ROWS) {
    if (!text.startsWith(row.lead)) continue;
    if (row.needle !== undefined && text.indexOf(row.needle) < 0) continue;
    const m = row.match.exec(text);
    if (m === null) continue;
    const d = safeExtract(row, m, text);
    if (d === null) continue;
    ensureFacts(s, ctx.event);
    if (d.kind === 'hw' && d.pageShift !== 0) s.pageShift = d.pageShift;
    if (d.kind === 'hw' && d.hold === 'mf' && d.pfn !== null) learnPageShift(s, d.pfn);
    // a line that is not part of an open record closes those records first (keeps causal order)
    if (depth === 0) while (s.blocks !== null) o = closeBlock(s, 0, o);
    if (d.kind === 'marker') return { out: onMarker(s, ctx, d, o), any: true };
    o = onDraft(s, ctx, row.id, d, o);
    if (d.rest !== null && depth < 2) {
      const rest = d.rest.length > MAX_TEXT ? d.rest.slice(0, MAX_TEXT) : d.rest;
      o = recognize(s, ctx, rest, o, depth + 1).out;
    }
    return { out: o, any: true };
  }
  return { out: o, any: false };
}

function safeExtract(row: HwRow, m: RegExpExecArray, text: string): HwDraft | MarkerDraft | null {
  try {
    return row.extract(m, text);
  } catch {
    return null; // a recognizer bug must not stop the stream; the line stays unrecognised
  }
}

function onMarker(s: HwState, ctx: LineContext, d: MarkerDraft, out: Signal[] | null): Signal[] | null {
  const f = facts(s);
  const ev = ctx.event;
  if (d.needsHw && f.hwSeenTs < 0) return s.held !== null ? release(s, out) : out;
  let o = out;
  if (d.marker === 'INJECTION') {
    f.injectTs = ev.ts;
    f.injectPfn = d.pfn ?? -1;
    if (d.bootWide) f.injectBoot = true;
    if (s.held !== null) for (const h of s.held) h.synthetic = true;
  }
  if (s.held !== null) o = release(s, o);
  const m: MarkerSignal = {
    type: 'marker',
    marker: d.marker,
    pfn: d.pfn,
    line: boundedLine(ctx.text, MAX_SIGNAL_LINE),
    ts: ev.ts,
    uptimeUs: ev.uptime_us,
    bootId: heldId(s, ev.boot_id),
  };
  if (o === null) o = [];
  o.push(m);
  return o;
}

function onDraft(
  s: HwState,
  ctx: LineContext,
  id: string,
  d: HwDraft,
  out: Signal[] | null,
): Signal[] | null {
  const f = facts(s);
  const ev = ctx.event;
  let pfn = d.pfn;
  let physAddr = d.physAddr;
  if (
    d.wantsUserAccessPfn &&
    pfn === null &&
    f.userAccessTs >= 0 &&
    ev.ts - f.userAccessTs <= INJECT_WINDOW_US
  ) {
    pfn = f.userAccessPfn;
    physAddr = null;
  }
  if (id === 'mce-user-access' && pfn !== null) {
    f.userAccessTs = ev.ts;
    f.userAccessPfn = pfn;
  }
  let synthetic = d.synthetic;
  if (d.faultKill && f.hwSeenTs < 0 && f.mfSeenTs < 0) synthetic = true;
  const sig: HwSignal = {
    type: 'hw',
    source: d.source,
    severity: d.severity,
    pfn,
    physAddr,
    pageType: d.pageType,
    result: d.result,
    synthetic,
    count: d.count,
    recognizer: id,
    line: boundedLine(ctx.text, MAX_SIGNAL_LINE),
    ts: ev.ts,
    uptimeUs: ev.uptime_us,
    bootId: heldId(s, ev.boot_id),
  };
  if (d.result === 'Unpoisoned') {
    // any `Unpoison:` line means a test machine (unpoison is refused after real hardware poison)
    f.injectTs = ev.ts;
    f.injectPfn = pfn ?? -1;
  }
  return admit(s, sig, d.hold, d.record, out);
}

function injectedNear(s: HwState, sig: HwSignal): boolean {
  const f = facts(s);
  if (f.injectBoot) return true;
  if (f.injectTs >= 0 && sig.ts - f.injectTs <= INJECT_WINDOW_US && sig.ts >= f.injectTs - INJECT_WINDOW_US) {
    return true;
  }
  return sig.pfn !== null && sig.pfn === f.injectPfn;
}

/** Decide synthetic, then emit, hold, or fold into a software-poison run. */
function admit(
  s: HwState,
  sig: HwSignal,
  hold: HoldKind,
  record: boolean,
  out: Signal[] | null,
): Signal[] | null {
  const f = facts(s);
  if (!sig.synthetic && injectedNear(s, sig)) sig.synthetic = true;
  if (record && !sig.synthetic) f.hwSeenTs = sig.ts;
  let o = out;

  if (hold === 'mf' && !sig.synthetic && sig.pfn !== null) {
    const lone = f.hwSeenTs < 0 || sig.ts - f.hwSeenTs > HW_CONTEXT_US;
    if (lone) {
      const near = f.loneTs >= 0 && sig.ts - f.loneTs <= FLOOD_US;
      if (!near) f.runPfns = 0;
      if (f.runPfns === 0 || f.lonePfn !== sig.pfn) f.runPfns++;
      f.loneTs = sig.ts;
      f.lonePfn = sig.pfn;
      if (f.runPfns >= FLOOD_PFNS) {
        if (s.held !== null) for (const h of s.held) if (h.source === 'MEMORY_FAILURE') h.synthetic = true;
        o = release(s, o);
        sig.synthetic = true;
        return push(o, sig);
      }
      const inRun =
        near &&
        s.held !== null &&
        s.held.length < MAX_HELD &&
        s.held.every((h) => h.source === 'MEMORY_FAILURE' && !h.synthetic);
      if (!inRun && s.held !== null) o = release(s, o);
      hold1(s, sig);
      return o;
    }
  }

  if (s.held !== null) o = release(s, o);
  if (hold === 'next') {
    hold1(s, sig);
    return o;
  }
  noteReleased(s, sig);
  return push(o, sig);
}

/**
 * `list` with `x` appended. Held signals and open blocks are short lists kept per host: an empty
 * array that is pushed to reserves room for 17 elements, so the first few are copied into arrays
 * of their exact length instead (both lists are bounded: MAX_HELD, MAX_BLOCKS).
 */
function grow<T>(list: T[] | null, x: T): T[] {
  if (list === null) return [x];
  if (list.length >= 4) {
    list.push(x);
    return list;
  }
  return list.concat([x]);
}

function hold1(s: HwState, sig: HwSignal): void {
  s.held = grow(s.held, sig);
}

function release(s: HwState, out: Signal[] | null): Signal[] | null {
  const held = s.held;
  if (held === null) return out;
  s.held = null;
  const o = out ?? [];
  for (const h of held) {
    noteReleased(s, h);
    o.push(h);
  }
  return o;
}

function noteReleased(s: HwState, sig: HwSignal): void {
  if (
    !sig.synthetic &&
    sig.source === 'MEMORY_FAILURE' &&
    sig.result !== 'SoftOffline' &&
    sig.result !== 'Unpoisoned' &&
    sig.pfn !== null
  ) {
    facts(s).mfSeenTs = sig.ts;
  }
}

function push(out: Signal[] | null, sig: Signal): Signal[] {
  const o = out ?? [];
  o.push(sig);
  return o;
}
