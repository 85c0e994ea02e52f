import { createHash } from 'node:crypto';
import type { KernelLogEvent } from '../model/event.js';
import type { SkipReason } from './errors.js';
import { type LineParts, type TransportId, parseDmesgLine } from './dmesg-line.js';
import { yearOf } from './wall-clock.js';

/**
 * dmesg / console / syslog text → KernelLogEvent, one event per text line, in order.
 *
 * Event time, per line, first that applies:
 * 1. the line's own sub-second wall clock (console collector, ISO syslog);
 * 2. the line's own wall clock to the second (syslog, dmesg -T) with an uptime stamp: the boot's
 *    anchor (wall clock of uptime 0) is taken from the first such line of the boot and kept,
 *    so lines keep the kernel's µs spacing; a line more than `reanchorUs` off (suspend, clock
 *    step) re-anchors;
 * 3. the same without an uptime stamp: the wall clock itself;
 * 4. an uptime stamp alone: `bootTimeUs + uptime` for the first boot; later boots of the text,
 *    whose start is unknown, begin 1 µs after the previous boot's last event;
 * 5. no stamp at all: the previous event's time (order is kept), or the boot time.
 * Without `bootTimeUs`, boot time is `fallbackBootTimeUs` (default 0, the epoch), so output is
 * deterministic for a given text.
 *
 * Boots: an uptime more than 1 s below the previous one and under `newBootBelowUs` starts a new
 * boot. boot_id is `bootId` when given (first boot), else derived from host and boot index.
 * Syslog stamps carry no year: `year` (the first line's), else the year of the boot time, rolled over when the
 * month goes back. Wall clocks in text are local time: `utcOffsetMinutes` says which (default 0).
 */
export interface DmesgReaderOptions {
  /** host name for lines whose text names none (syslog lines name their host) */
  host: string;
  /** wall clock of uptime 0, µs since the epoch (--boot-time) */
  bootTimeUs?: number;
  /** boot time used when neither --boot-time nor the text gives one (default 0) */
  fallbackBootTimeUs?: number;
  /** boot_id of the first boot; later boots get derived ids */
  bootId?: string;
  year?: number;
  utcOffsetMinutes?: number;
  arch?: string | null;
  kernelRelease?: string | null;
  /** `source` for every event; default: the transport (`dmesg`, `syslog`, `console`, `kmsg`) */
  source?: string;
  /** an uptime below this after a drop starts a new boot (default 120 s) */
  newBootBelowUs?: number;
  /** a wall clock this far from the boot's anchor re-anchors it (default 60 s) */
  reanchorUs?: number;
}

export type DmesgLineResult =
  | { kind: 'event'; event: KernelLogEvent }
  | { kind: 'skip'; reason: SkipReason; line: string };

export interface DmesgReader {
  /** the event of one text line (without its line terminator), or null when it holds none */
  pushLine(line: string): KernelLogEvent | null;
  /** as pushLine, saying why a line gave no event */
  push(line: string): DmesgLineResult;
  /** boots seen so far, per host */
  bootCount(host: string): number;
}

interface HostBoots {
  index: number;
  bootId: string;
  anchorUs: number | null;
  anchorFromText: boolean;
  lastUptimeUs: number | null;
  lastTs: number | null;
}

/** A boot id for text that has none: a UUID-shaped hash of host and boot index. */
export function syntheticBootId(host: string, bootIndex: number): string {
  const h = createHash('sha256').update(`poisonlink-boot\0${host}\0${bootIndex}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const SOURCE_OF: Record<TransportId, string> = {
  kmsg: 'kmsg',
  'syslog-broadcast': 'syslog',
  syslog: 'syslog',
  'syslog-iso': 'syslog',
  'dmesg-iso': 'dmesg',
  'journal-monotonic': 'journald',
  'dmesg-decode': 'dmesg',
  'console-wall': 'console',
  'dmesg-ctime': 'dmesg',
  'printk-dropped': 'dmesg',
  'shell-prompt': 'console',
  'console-splice': 'console',
  plain: 'dmesg',
};

const KMSG_DICT = /^ [A-Z0-9_]{1,64}=/;
const BROADCAST_BODY = /^\s{0,16}kernel: ?/;

export function createDmesgReader(opts: DmesgReaderOptions): DmesgReader {
  const fallbackBoot = opts.bootTimeUs ?? opts.fallbackBootTimeUs ?? 0;
  const newBootBelow = opts.newBootBelowUs ?? 120_000_000;
  const reanchor = opts.reanchorUs ?? 60_000_000;
  const utcOffsetUs = (opts.utcOffsetMinutes ?? 0) * 60_000_000;
  let year = opts.year ?? yearOf(fallbackBoot);
  let lastMonth = -1;
  const ctx = {
    utcOffsetUs,
    yearFor(month0: number): number {
      if (lastMonth >= 0 && month0 >= 0 && month0 < lastMonth - 6) year++;
      if (month0 >= 0) lastMonth = month0;
      return year;
    },
  };
  const hosts = new Map<string, HostBoots>();
  let afterBroadcastHeader = false;
  let lastTransport: TransportId | null = null;

  function boots(host: string): HostBoots {
    let b = hosts.get(host);
    if (b === undefined) {
      b = {
        index: 0,
        bootId: opts.bootId ?? syntheticBootId(host, 0),
        anchorUs: opts.bootTimeUs ?? null,
        anchorFromText: false,
        lastUptimeUs: null,
        lastTs: null,
      };
      hosts.set(host, b);
    }
    return b;
  }

  function eventTime(b: HostBoots, p: LineParts): number {
    if (p.wallUs !== null && p.wallPrecise) {
      if (p.uptimeUs !== null && !b.anchorFromText) {
        b.anchorUs = p.wallUs - p.uptimeUs;
        b.anchorFromText = true;
      }
      return p.wallUs;
    }
    if (p.wallUs !== null) {
      if (p.uptimeUs === null) return p.wallUs;
      const predicted = b.anchorFromText && b.anchorUs !== null ? b.anchorUs + p.uptimeUs : null;
      if (predicted === null || Math.abs(predicted - p.wallUs) > reanchor) {
        b.anchorUs = p.wallUs - p.uptimeUs;
        b.anchorFromText = true;
      }
      return (b.anchorUs as number) + p.uptimeUs;
    }
    if (p.uptimeUs !== null) {
      if (b.anchorUs === null)
        b.anchorUs = b.index === 0 ? fallbackBoot : (b.lastTs ?? fallbackBoot) + 1 - p.uptimeUs;
      return b.anchorUs + p.uptimeUs;
    }
    return b.lastTs ?? b.anchorUs ?? fallbackBoot;
  }

  function push(line: string): DmesgLineResult {
    if (afterBroadcastHeader && BROADCAST_BODY.test(line)) {
      afterBroadcastHeader = false;
      // The wall broadcast repeats a KERN_EMERG record that syslog also writes to its log.
      return { kind: 'skip', reason: 'DUPLICATE', line };
    }
    if (lastTransport === 'kmsg' && KMSG_DICT.test(line))
      return { kind: 'skip', reason: 'NOT_A_RECORD', line };
    const p = parseDmesgLine(line, ctx);
    if (p.kind === 'blank') return { kind: 'skip', reason: 'NOT_A_RECORD', line };
    afterBroadcastHeader = p.kind === 'broadcast-header';
    if (p.kind === 'broadcast-header') return { kind: 'skip', reason: 'NOT_A_RECORD', line };
    if (p.kind === 'not-kernel') return { kind: 'skip', reason: 'NOT_KERNEL', line };
    lastTransport = p.transport;

    const host = p.host ?? opts.host;
    const b = boots(host);
    if (
      p.uptimeUs !== null &&
      b.lastUptimeUs !== null &&
      p.uptimeUs + 1_000_000 < b.lastUptimeUs &&
      p.uptimeUs < newBootBelow
    ) {
      b.index++;
      b.bootId = syntheticBootId(host, b.index);
      b.anchorUs = null;
      b.anchorFromText = false;
    }
    const ts = eventTime(b, p);
    if (p.uptimeUs !== null) b.lastUptimeUs = p.uptimeUs;
    b.lastTs = ts;
    return {
      kind: 'event',
      event: {
        host,
        boot_id: b.bootId,
        ts,
        uptime_us: p.uptimeUs,
        seq: p.seq,
        priority: p.priority,
        message: p.message,
        arch: opts.arch ?? null,
        kernel_release: opts.kernelRelease ?? null,
        source: opts.source ?? SOURCE_OF[p.transport],
        caller: p.caller,
      },
    };
  }

  return {
    push,
    pushLine(line) {
      const r = push(line);
      return r.kind === 'event' ? r.event : null;
    },
    bootCount(host) {
      const b = hosts.get(host);
      return b === undefined ? 0 : b.index + 1;
    },
  };
}

/** Splits text into lines (\n, \r\n) and reads them all; one event per line that holds one. */
export function parseDmesgText(text: string, opts: DmesgReaderOptions): KernelLogEvent[] {
  const reader = createDmesgReader(opts);
  const out: KernelLogEvent[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const e = reader.pushLine(line);
    if (e !== null) out.push(e);
  }
  return out;
}
