/**
 * One kernel log record, as DESIGN.md §2 defines it (schemas/kernel-log-event.avsc).
 * Times are integers: `ts` is microseconds since the Unix epoch (event time), `uptimeUs` the
 * kernel's own `[  123.456789]` stamp in microseconds since boot.
 */
export interface KernelLogEvent {
  host: string;
  boot_id: string | null;
  /** event time, µs since the epoch */
  ts: number;
  /** kernel time since boot in µs, from the `[  123.456789]` stamp */
  uptime_us: number | null;
  /** kmsg sequence number */
  seq: number | null;
  /** syslog level 0..7 */
  priority: number | null;
  /** record text without transport prefixes; may hold several lines */
  message: string;
  arch: string | null;
  kernel_release: string | null;
  source: string | null;
  /**
   * printk caller id (`T123` for a task, `C4` for a CPU in interrupt context) when the transport
   * carried one (CONFIG_PRINTK_CALLER). An optional addition to DESIGN.md §2: it lets the
   * assembler keep one report's lines apart from another CPU's interleaved lines.
   */
  caller: string | null;
}

/** Builds an event with every optional field null; for adapters and tests. */
export function makeEvent(
  fields: Pick<KernelLogEvent, 'host' | 'ts' | 'message'> & Partial<KernelLogEvent>,
): KernelLogEvent {
  return {
    boot_id: null,
    uptime_us: null,
    seq: null,
    priority: null,
    arch: null,
    kernel_release: null,
    source: null,
    caller: null,
    ...fields,
  };
}

/**
 * What the per-line stages need of a record whose message is one line of routine chatter, read
 * from the record's bytes without decoding it (src/decode/routine-avro.ts): the fields a routine
 * line on an idle host can change state with. The host name and the boot id stay in the bytes
 * (looked up and compared there, so no string is made for either).
 */
export interface RoutineRecord {
  /** the record's bytes; the host name is `bytes[hostStart, hostEnd)`, 7-bit ASCII, not empty */
  bytes: Uint8Array;
  hostStart: number;
  hostEnd: number;
  /** the name's hash (src/model/host-hash.ts), computed while its bytes were checked */
  hostHash: number;
  /** event time, µs since the epoch */
  ts: number;
  uptimeUs: number | null;
  /** where the boot id's UTF-8 lies in `bytes`; `bootIdStart` < 0: null */
  bootIdStart: number;
  bootIdEnd: number;
}

export function newRoutineRecord(): RoutineRecord {
  return {
    bytes: new Uint8Array(0),
    hostStart: 0,
    hostEnd: 0,
    hostHash: 0,
    ts: 0,
    uptimeUs: null,
    bootIdStart: -1,
    bootIdEnd: -1,
  };
}

/**
 * Whether `b[start, end)` is 7-bit ASCII spelling `text` (no string is made of the bytes). Any
 * other byte fails, so equal bytes are also equal UTF-8.
 */
export function sameAscii(text: string, b: Uint8Array, start: number, end: number): boolean {
  if (text.length !== end - start) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f || c !== b[start + i]) return false;
  }
  return true;
}
