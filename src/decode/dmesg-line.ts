import { fractionMicros, monthIndex, parseRfc3339Micros, utcMicros } from './wall-clock.js';

/**
 * One text line of a kernel log taken apart: the transport prefixes (syslog, console collector,
 * dmesg -T / -x, /dev/kmsg, printk level, uptime stamp, caller id) and the record text.
 * Pure; the boot and event-time logic lives in dmesg-reader.ts.
 *
 * The transports are rows of TRANSPORTS, tried in order; a new shape is a new row.
 * Every pattern is anchored and has no nested quantifiers (linear on any input).
 */

export const TRANSPORT_IDS = [
  'kmsg',
  'syslog-broadcast',
  'syslog',
  'syslog-iso',
  'dmesg-iso',
  'dmesg-decode',
  'console-wall',
  'dmesg-ctime',
  'printk-dropped',
  'shell-prompt',
  'console-splice',
  'journal-monotonic',
  'plain',
] as const;
export type TransportId = (typeof TRANSPORT_IDS)[number];

export type LineKind =
  /** a kernel log record */
  | 'record'
  /** a syslog line of another program */
  | 'not-kernel'
  /** `Message from syslogd@host at ...`: the header of a wall broadcast */
  | 'broadcast-header'
  /** a /dev/kmsg dictionary line (` SUBSYSTEM=pci`) */
  | 'kmsg-dict'
  | 'blank';

export interface LineParts {
  kind: LineKind;
  transport: TransportId;
  message: string;
  uptimeUs: number | null;
  caller: string | null;
  priority: number | null;
  seq: number | null;
  /** the line's own wall clock, µs since the epoch (local time read as UTC plus the offset given) */
  wallUs: number | null;
  /** wallUs has sub-second precision (console collector, ISO syslog) */
  wallPrecise: boolean;
  host: string | null;
}

export interface LineContext {
  /** year for syslog stamps, which carry none; given the month so the reader can roll years over */
  yearFor(month0: number): number;
  /** added to every wall clock read from text (local time zone of the text), µs */
  utcOffsetUs: number;
}

const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'] as const;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * `[  123.456789]` at `i`: [end index, µs] or null. µs is null for a stamp beyond 2^53 µs (a
 * wrapped clock: `[18444175627.134970]`): the stamp is still a stamp, its value is unusable.
 */
function readUptime(s: string, i: number, exactMicros = false): [number, number | null] | null {
  if (s.charCodeAt(i) !== 91) return null; // [
  let j = i + 1;
  while (s.charCodeAt(j) === 32) j++;
  const intStart = j;
  while (isDigit(s.charCodeAt(j)) && j - intStart < 12) j++;
  if (j === intStart || s.charCodeAt(j) !== 46) return null; // .
  const fracStart = ++j;
  while (isDigit(s.charCodeAt(j)) && j - fracStart < 9) j++;
  const fracEnd = j;
  if (exactMicros && fracEnd - fracStart !== 6) return null;
  // dmesg -d adds the delta to the previous record inside the brackets: `[  12.000100 <    0.000100>]`
  if (s.charCodeAt(j) === 32 && s.charCodeAt(j + 1) === 60) {
    j += 2;
    const deltaStart = j;
    while (j - deltaStart < 32 && s.charCodeAt(j) !== 62 && j < s.length) j++;
    if (s.charCodeAt(j) !== 62) return null;
    j++;
  }
  if (fracEnd === fracStart || s.charCodeAt(j) !== 93) return null; // ]
  const us =
    Number(s.slice(intStart, fracStart - 1)) * 1_000_000 + fractionMicros(s.slice(fracStart, fracEnd));
  return [j + 1, Number.isSafeInteger(us) ? us : null];
}

/** `[ T123]`, `[T123]`, `[    C4]` at `i`: [end index, id] or null. */
function readCaller(s: string, i: number): [number, string] | null {
  if (s.charCodeAt(i) !== 91) return null;
  let j = i + 1;
  while (s.charCodeAt(j) === 32) j++;
  const c = s.charCodeAt(j);
  if (c !== 84 && c !== 67) return null; // T or C
  const start = j++;
  const digits = j;
  while (isDigit(s.charCodeAt(j)) && j - digits < 10) j++;
  if (j === digits || s.charCodeAt(j) !== 93) return null;
  return [j + 1, s.slice(start, j)];
}

/** `<4>` at `i`: [end index, level] or null. */
function readLevel(s: string, i: number): [number, number] | null {
  if (s.charCodeAt(i) !== 60) return null; // <
  let j = i + 1;
  while (isDigit(s.charCodeAt(j)) && j - i <= 3) j++;
  if (j === i + 1 || s.charCodeAt(j) !== 62) return null;
  return [j + 1, Number(s.slice(i + 1, j)) % 8];
}

function emptyParts(transport: TransportId): LineParts {
  return {
    kind: 'record',
    transport,
    message: '',
    uptimeUs: null,
    caller: null,
    priority: null,
    seq: null,
    wallUs: null,
    wallPrecise: false,
    host: null,
  };
}

/**
 * The kernel's own prefixes inside any transport: `<level>`, `[uptime]`, `[caller]`, then the
 * one space printk puts before the text. Leading spaces beyond that one belong to the message
 * (stack frames and continuation records start with a space).
 */
function peelKernel(s: string, p: LineParts): LineParts {
  let i = 0;
  let stamped = false;
  const level = readLevel(s, i);
  if (level !== null) {
    p.priority = level[1];
    i = level[0];
    stamped = true;
  }
  let up = readUptime(s, i);
  if (up === null && level !== null && s.charCodeAt(i) === 32) up = readUptime(s, i + 1);
  if (up !== null) {
    p.uptimeUs = up[1];
    i = up[0];
    stamped = true;
  }
  if (stamped || p.wallUs !== null) {
    let caller = readCaller(s, i);
    if (caller === null && s.charCodeAt(i) === 32) caller = readCaller(s, i + 1);
    if (caller !== null) {
      p.caller = caller[1];
      i = caller[0];
    }
  } else {
    // printk.time=0 with CONFIG_PRINTK_CALLER: the caller id alone, padded by `[%6s]`
    const caller = readCaller(s, 0);
    if (caller !== null && caller[0] >= 8) {
      p.caller = caller[1];
      i = caller[0];
      stamped = true;
    }
  }
  if (stamped && s.charCodeAt(i) === 32) i++;
  p.message = i === 0 ? s : s.slice(i);
  if (p.uptimeUs !== null && p.transport === 'plain') {
    // journalctl -o short-monotonic: `[  233.001921] host kernel: text`
    const m = JOURNAL_MONOTONIC.exec(p.message);
    if (m !== null) {
      p.transport = 'journal-monotonic';
      p.host = m[1] ?? null;
      p.message = p.message.slice(m[0].length);
    }
  }
  return p;
}

const JOURNAL_MONOTONIC = /^([\w.-]{1,255}) kernel: /;

/** After a syslog time stamp: `[host ]kernel: ...`, or another program's line. */
function peelSyslogProgram(rest: string, p: LineParts): LineParts {
  // an empty host field leaves two spaces: `Feb 23 03:28:16  kernel: ...`
  let start = 0;
  while (rest.charCodeAt(start) === 32) start++;
  let r = rest.slice(start);
  // a console capture timestamped by a collector (`Jun 22 21:55:31 [  12.000000] text`): no program tag
  if (readUptime(r, 0) !== null || readLevel(r, 0) !== null) return peelKernel(r, p);
  if (!r.startsWith('kernel:')) {
    const sp = r.indexOf(' ');
    if (sp <= 0) {
      p.kind = 'not-kernel';
      p.message = rest;
      return p;
    }
    p.host = r.slice(0, sp);
    r = r.slice(sp + 1);
  }
  if (!r.startsWith('kernel:')) {
    p.kind = 'not-kernel';
    p.message = r;
    return p;
  }
  r = r.slice(7);
  if (r.charCodeAt(0) === 32) r = r.slice(1);
  return peelKernel(r, p);
}

interface Transport {
  id: TransportId;
  match: RegExp;
  extract(m: RegExpExecArray, ctx: LineContext): LineParts;
}

const TRANSPORTS: readonly Transport[] = [
  {
    // /dev/kmsg: `prio,seq,usec,flags[,caller=T1];text`
    id: 'kmsg',
    match: /^(\d{1,4}),(\d{1,20}),(\d{1,20}),([^;]*);/,
    extract(m) {
      const p = emptyParts('kmsg');
      p.priority = Number(m[1]) % 8;
      const seq = Number(m[2]);
      const usec = Number(m[3]);
      p.seq = Number.isSafeInteger(seq) ? seq : null;
      p.uptimeUs = Number.isSafeInteger(usec) ? usec : null;
      const caller = /(?:^|,)caller=([TC]\d{1,10})(?:,|$)/.exec(m[4] ?? '');
      if (caller !== null) p.caller = caller[1] ?? null;
      p.message = m.input.slice(m[0].length);
      return p;
    },
  },
  {
    id: 'syslog-broadcast',
    match: /^Message from syslogd@(\S{1,255}) at /,
    extract(m) {
      const p = emptyParts('syslog-broadcast');
      p.kind = 'broadcast-header';
      p.host = m[1] ?? null;
      p.message = m.input;
      return p;
    },
  },
  {
    // `Jul  7 00:27:08 host kernel: [  233.001921] text` (rsyslog, journalctl -o short[-precise])
    id: 'syslog',
    match: /^([A-Z][a-z]{2}) ([ \d]?\d) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? /,
    extract(m, ctx) {
      const p = emptyParts('syslog');
      const month0 = monthIndex(m[1] ?? '');
      const wall = utcMicros(
        ctx.yearFor(month0),
        month0,
        Number((m[2] ?? '').trim()),
        Number(m[3]),
        Number(m[4]),
        Number(m[5]),
        m[6] === undefined ? 0 : fractionMicros(m[6]),
      );
      if (wall === null) return peelKernel(m.input, emptyParts('plain'));
      p.wallUs = wall - ctx.utcOffsetUs;
      p.wallPrecise = m[6] !== undefined;
      return peelSyslogProgram(m.input.slice(m[0].length), p);
    },
  },
  {
    // `2023-06-22T21:55:31.352444+02:00 host kernel: text` (rsyslog high-precision format)
    id: 'syslog-iso',
    match: /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})) /,
    extract(m) {
      const p = emptyParts('syslog-iso');
      p.wallUs = parseRfc3339Micros(m[1] ?? '');
      p.wallPrecise = (m[1] ?? '').includes('.');
      return peelSyslogProgram(m.input.slice(m[0].length), p);
    },
  },
  {
    // dmesg --time-format iso: `2022-10-03T13:52:42,123456+02:00 text` (util-linux writes a comma)
    id: 'dmesg-iso',
    match: /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}),(\d{1,9})(Z|[+-]\d{2}:?\d{2}) ?/,
    extract(m) {
      const p = emptyParts('dmesg-iso');
      p.wallUs = parseRfc3339Micros(`${m[1]}.${m[2]}${m[3]}`);
      p.wallPrecise = true;
      return peelKernel(m.input.slice(m[0].length), p);
    },
  },
  {
    // dmesg -x: `kern  :warn  : [   13.708881] text`
    id: 'dmesg-decode',
    match: /^([a-z]{2,8}) *:(emerg|alert|crit|err|warn|notice|info|debug) *: /,
    extract(m) {
      const p = emptyParts('dmesg-decode');
      const inner = peelKernel(m.input.slice(m[0].length), p);
      inner.priority = (LEVELS as readonly string[]).indexOf(m[2] ?? '');
      return inner;
    },
  },
  {
    // console server: `[2023-06-22 21:55:31.352444][5975153.869131] text`
    id: 'console-wall',
    match: /^\[(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)\] ?/,
    extract(m, ctx) {
      const p = emptyParts('console-wall');
      const wall = parseRfc3339Micros(m[1] ?? '', false);
      if (wall === null) return peelKernel(m.input, emptyParts('plain'));
      p.wallUs = wall - ctx.utcOffsetUs;
      p.wallPrecise = (m[1] ?? '').includes('.');
      return peelKernel(m.input.slice(m[0].length), p);
    },
  },
  {
    // dmesg -T: `[Mon Oct  3 13:52:42 2022] text`
    id: 'dmesg-ctime',
    match: /^\[[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]?\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})\]/,
    extract(m, ctx) {
      const p = emptyParts('dmesg-ctime');
      const wall = utcMicros(
        Number(m[6]),
        monthIndex(m[1] ?? ''),
        Number((m[2] ?? '').trim()),
        Number(m[3]),
        Number(m[4]),
        Number(m[5]),
      );
      if (wall === null) return peelKernel(m.input, emptyParts('plain'));
      p.wallUs = wall - ctx.utcOffsetUs;
      let rest = m.input.slice(m[0].length);
      const caller = readCaller(rest, rest.charCodeAt(0) === 32 ? 1 : 0);
      if (caller !== null) {
        p.caller = caller[1];
        rest = rest.slice(caller[0]);
      }
      p.message = rest.charCodeAt(0) === 32 ? rest.slice(1) : rest;
      return p;
    },
  },
  {
    // an old kernel's `** 123 printk messages dropped **` notice glued to the next record
    id: 'printk-dropped',
    match: /^\*\* \d{1,12} printk messages dropped \*\* ?(?=[[<])/,
    extract(m) {
      return peelKernel(m.input.slice(m[0].length), emptyParts('printk-dropped'));
    },
  },
  {
    // a shell prompt glued in front of a console line: `root@debian:~# [  212.473177] text`
    id: 'shell-prompt',
    match: /^[\w.-]{1,64}@[\w.-]{1,255}:[^\s#$]{0,4096}[#$] ?(?=[[<])/,
    extract(m) {
      return peelKernel(m.input.slice(m[0].length), emptyParts('shell-prompt'));
    },
  },
];

/**
 * Console output of other programs spliced in front of a kernel record (`syzkaller login: [
 * 16.305150] ...`, `trusty crashed[  388.879777] ...`): the record starts at the first uptime
 * stamp with the kernel's six fraction digits; the text before it is not the kernel's.
 */
function findSplicedStamp(line: string): number {
  let i = line.indexOf('[', 1);
  while (i > 0) {
    if (readUptime(line, i, true) !== null) return i;
    i = line.indexOf('[', i + 1);
  }
  return -1;
}

/** Takes one text line apart. Never throws. */
export function parseDmesgLine(raw: string, ctx: LineContext): LineParts {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.trim() === '') {
    const p = emptyParts('plain');
    p.kind = 'blank';
    p.message = line;
    return p;
  }
  for (const t of TRANSPORTS) {
    const m = t.match.exec(line);
    if (m !== null) return t.extract(m, ctx);
  }
  if (readLevel(line, 0) === null && readUptime(line, 0) === null) {
    const at = findSplicedStamp(line);
    if (at > 0) return peelKernel(line.slice(at), emptyParts('console-splice'));
  }
  return peelKernel(line, emptyParts('plain'));
}
