/**
 * Multi-line hardware-error records, grouped into one signal each:
 * - x86 `__print_mce()`: `[Hardware Error]: CPU %d: Machine Check%s: %Lx Bank %d: %016Lx`, then
 *   `TSC %llx [ADDR %llx ]...` (ADDR is physical, bare hex), `PROCESSOR ...` (the last line).
 * - EDAC decoders re-printing an MCE: `EDAC sbridge MC1: CPU 1: Machine Check Event: 0 Bank 11: ...`,
 *   `EDAC sbridge MC1: ADDR ee30a0000` (skx/i10nm print `0x`), `... PROCESSOR ...`.
 * - GHES/CPER `{N}[Hardware Error]: ...` records and AEST `AEST: {N}[Hardware Error]: ...` records,
 *   keyed by the global sequence number N that every line of the record carries.
 * A block is a plain object so the per-host state stays serialisable.
 */
import type { KernelLogEvent } from '../../model/event.js';
import type { HwSource, Severity } from '../../model/signal.js';
import { armErrAddr, hexToNumber, physToPfn } from './hex.js';
import { mceStatusSeverity } from './rows.js';

export const BLOCK_KINDS = ['mce', 'edac-mce', 'ghes', 'aest'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

export interface HwBlock {
  kind: BlockKind;
  /** GHES/AEST sequence number, MCE CPU, or -1 */
  key: number;
  /** EDAC decoder prefix (`EDAC sbridge MC1: `) so continuation lines find their block */
  tag: string;
  source: HwSource;
  severity: Severity;
  physAddr: number | null;
  pfn: number | null;
  /** the header was seen (a block opened by a stray continuation line has none) */
  header: boolean;
  /** the record's last line was seen */
  complete: boolean;
  lines: number;
  line: string;
  ts: number;
  lastTs: number;
  uptimeUs: number | null;
  bootId: string | null;
}

/** Lines per block beyond which further lines are ignored (a record is 4..20 lines). */
export const MAX_BLOCK_LINES = 64;

const MCE_HEADER =
  /^(?:mce: )?\[Hardware Error\]: CPU (\d{1,5}): Machine Check(?: Exception)?: [0-9a-f]{1,16} Bank \d{1,4}: ([0-9a-f]{1,16})/;
const MCE_CONT =
  /^(?:mce: )?\[Hardware Error\]: (TSC |RIP|PROCESSOR |Run the above|Machine check: |MISC |IPID |SYND )/;
const ADDR_FIELD = / ADDR (?:0x)?([0-9a-f]{1,16})/;
const EDAC_MCE_HEADER =
  /^(EDAC [A-Za-z0-9_]{1,20} MC\d{1,4}: )CPU (\d{1,5}): Machine Check Event: (?:0x)?[0-9a-f]{1,16} Bank \d{1,4}: (?:0x)?([0-9a-f]{1,16})/;
const GHES_LINE = /^(AEST: )?\{(\d{1,10})\}\[Hardware Error\]: ?/;

/** MCi_STATUS: UC is bit 61, PCC bit 57 (bits 29 and 25 of the upper word). */
export const mceSeverity = mceStatusSeverity;

function ghesSeverity(word: string): Severity {
  if (word.startsWith('fatal')) return 'fatal';
  if (word.startsWith('recoverable')) return 'uncorrected';
  return 'corrected'; // corrected, info
}

/** Arm RAS ERR<n>STATUS: UE bit 29, DE bit 23, CE bits 25:24. */
function aestSeverity(status: number): Severity {
  if ((status & (1 << 29)) !== 0 || (status & (1 << 23)) !== 0) return 'uncorrected';
  if ((status & (3 << 24)) !== 0) return 'corrected';
  return 'uncorrected';
}

function newBlock(
  kind: BlockKind,
  key: number,
  tag: string,
  source: HwSource,
  severity: Severity,
  header: boolean,
  event: KernelLogEvent,
  line: string,
): HwBlock {
  return {
    kind,
    key,
    tag,
    source,
    severity,
    physAddr: null,
    pfn: null,
    header,
    complete: false,
    lines: 1,
    line,
    ts: event.ts,
    lastTs: event.ts,
    uptimeUs: event.uptime_us,
    bootId: event.boot_id,
  };
}

/** A line that opens a block: an MCE header, an EDAC MCE decode header, or any `{N}` line. */
export function openBlock(text: string, event: KernelLogEvent, line: string): HwBlock | null {
  const c = text.charCodeAt(0);
  if (c === 123 /* { */ || c === 65 /* A */) {
    const g = GHES_LINE.exec(text);
    if (g === null) return null;
    const aest = g[1] !== undefined;
    const body = text.slice(g[0].length);
    const header = body.startsWith('Hardware error from ');
    const b = newBlock(
      aest ? 'aest' : 'ghes',
      Number(g[2]),
      '',
      'GHES',
      aest ? 'uncorrected' : 'corrected',
      header,
      event,
      line,
    );
    b.lines = 0;
    addGhesLine(b, body, event);
    return b;
  }
  if (c === 109 /* m */ || c === 91 /* [ */) {
    const m = MCE_HEADER.exec(text);
    if (m === null) return null;
    return newBlock('mce', Number(m[1]), '', 'MCE', mceSeverity(m[2] ?? ''), true, event, line);
  }
  if (c === 69 /* E */) {
    const m = EDAC_MCE_HEADER.exec(text);
    if (m === null) return null;
    return newBlock('edac-mce', Number(m[2]), m[1] ?? '', 'EDAC', mceSeverity(m[3] ?? ''), true, event, line);
  }
  return null;
}

function addGhesLine(b: HwBlock, body: string, event: KernelLogEvent): void {
  b.lines++;
  b.lastTs = event.ts;
  const t = body.trimStart();
  if (b.kind === 'ghes') {
    if (t.startsWith('event severity: ')) b.severity = ghesSeverity(t.slice(16));
    else if (
      b.physAddr === null &&
      (t.startsWith('physical_address: 0x') || t.startsWith('physical fault address: 0x'))
    ) {
      const m = /0x([0-9a-f]{1,16})/.exec(t.slice(0, 48));
      if (m !== null) {
        b.physAddr = hexToNumber(m[1] ?? '');
        b.pfn = physToPfn(b.physAddr);
      }
    }
    return;
  }
  // AEST register dump
  const m = /^ERR\d{1,3}(ADDR|STATUS): 0x([0-9a-f]{1,16})/.exec(t.slice(0, 40));
  if (m === null) return;
  if (m[1] === 'ADDR' && b.physAddr === null) {
    b.physAddr = armErrAddr(m[2] ?? '');
    b.pfn = physToPfn(b.physAddr);
  } else if (m[1] === 'STATUS') {
    const v = hexToNumber(m[2] ?? '');
    if (v !== null) b.severity = aestSeverity(v % 0x1_0000_0000);
  }
}

export type Continue = 'absorbed' | 'new-record' | 'no';

/**
 * Offer a line to an open block. `absorbed`: it was one of the block's lines. `new-record`: it
 * starts another record (the caller closes this block and opens a new one). `no`: not this block's.
 */
export function continueBlock(b: HwBlock, text: string, event: KernelLogEvent): Continue {
  if (b.kind === 'ghes' || b.kind === 'aest') {
    const c = text.charCodeAt(0);
    if (c !== 123 && c !== 65) return 'no';
    const g = GHES_LINE.exec(text);
    if (g === null || (g[1] !== undefined) !== (b.kind === 'aest')) return 'no';
    if (Number(g[2]) !== b.key) return 'no';
    const body = text.slice(g[0].length);
    if (body.startsWith('Hardware error from ') && b.lines > 0 && b.header) return 'new-record';
    if (b.lines >= MAX_BLOCK_LINES) return 'absorbed';
    addGhesLine(b, body, event);
    return 'absorbed';
  }
  if (b.kind === 'mce') {
    if (MCE_HEADER.test(text)) return 'new-record';
    const m = MCE_CONT.exec(text);
    if (m === null) return 'no';
    b.lines++;
    b.lastTs = event.ts;
    if (m[1] === 'TSC ' && b.physAddr === null) {
      const a = ADDR_FIELD.exec(text.slice(0, 200));
      if (a !== null) {
        b.physAddr = hexToNumber(a[1] ?? '');
        b.pfn = physToPfn(b.physAddr);
      }
    } else if (m[1] === 'PROCESSOR ') b.complete = true;
    if (b.lines >= MAX_BLOCK_LINES) b.complete = true;
    return 'absorbed';
  }
  // edac-mce
  if (!text.startsWith(b.tag)) return 'no';
  if (EDAC_MCE_HEADER.test(text)) return 'new-record';
  const rest = text.slice(b.tag.length);
  if (rest.startsWith('ADDR ')) {
    const a = ADDR_FIELD.exec(` ${rest.slice(0, 40)}`);
    if (a !== null && b.physAddr === null) {
      b.physAddr = hexToNumber(a[1] ?? '');
      b.pfn = physToPfn(b.physAddr);
    }
  } else if (rest.startsWith('PROCESSOR ')) b.complete = true;
  else if (!/^(?:TSC|MISC|RIP|IPID|SYND|MCGSTATUS|STATUS|MCGCAP|CPU|HANDLING)\b/.test(rest)) return 'no';
  b.lines++;
  b.lastTs = event.ts;
  if (b.lines >= MAX_BLOCK_LINES) b.complete = true;
  return 'absorbed';
}

/** A block worth reporting: a header, or at least an address or a stated severity. */
export function blockIsUseful(b: HwBlock): boolean {
  return b.header || b.physAddr !== null;
}
