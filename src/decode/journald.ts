import type { KernelLogEvent } from '../model/event.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  type DecodeResult,
  type Skipped,
  decodeFail,
  decodeOk,
  describeValue,
  skipped,
} from './errors.js';
import { type FieldResult, asCount, asPriority, asString, optional, readJsonObject } from './json-line.js';

/**
 * One `journalctl -o json` line → KernelLogEvent.
 *
 * - only `_TRANSPORT=kernel` records are kernel log records; others give a `NOT_KERNEL` skip;
 * - `MESSAGE` is a string, or an array of byte values when journald found it not valid UTF-8
 *   (decoded here with U+FFFD for the bad sequences); `null` (journalctl prints that for a field
 *   over its size limit without --all) or absent is MISSING_FIELD;
 * - `ts` = `__REALTIME_TIMESTAMP`; `uptime_us` = `_SOURCE_MONOTONIC_TIMESTAMP` (the kernel's own
 *   stamp, which journald copies from /dev/kmsg) when present, else `__MONOTONIC_TIMESTAMP`;
 * - `_BOOT_ID` (32 hex digits in journald) is written in /proc's dashed form, so journald and
 *   kmsg shippers of one host agree;
 * - `host` = `_HOSTNAME`, or `fallbackHost` when the record has none.
 */
export interface JournaldOptions {
  maxMessageBytes?: number;
  fallbackHost?: string | null;
  arch?: string | null;
  kernelRelease?: string | null;
}

function asMessage(v: unknown): FieldResult<string> {
  if (typeof v === 'string') return { ok: true, value: v };
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255)) {
    return { ok: true, value: Buffer.from(v as number[]).toString('utf8') };
  }
  return { ok: false, message: `expected a string or an array of bytes, found ${describeValue(v)}` };
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

function asBootId(v: unknown): FieldResult<string> {
  const s = asString(v);
  if (!s.ok || !HEX32.test(s.value)) return s;
  const h = s.value.toLowerCase();
  return {
    ok: true,
    value: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
  };
}

export function decodeJournaldLine(
  bytes: Buffer | string,
  opts: JournaldOptions = {},
): DecodeResult<KernelLogEvent> | Skipped {
  const obj = readJsonObject(bytes, opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, 'journald export');
  if (!obj.ok) return obj;
  const o = obj.value;
  const transport = o['_TRANSPORT'];
  if (transport !== 'kernel') {
    return skipped(
      'NOT_KERNEL',
      `expected _TRANSPORT "kernel", found ${transport === undefined ? 'no _TRANSPORT' : describeValue(transport)}`,
    );
  }
  if (o['MESSAGE'] === undefined || o['MESSAGE'] === null) {
    return decodeFail(
      'MISSING_FIELD',
      `MESSAGE: expected a string or an array of bytes, found ${o['MESSAGE'] === null ? 'null (a field journalctl left out; export with --all)' : 'nothing'}`,
      'MESSAGE',
    );
  }
  if (o['__REALTIME_TIMESTAMP'] === undefined || o['__REALTIME_TIMESTAMP'] === null) {
    return decodeFail(
      'MISSING_FIELD',
      '__REALTIME_TIMESTAMP: expected µs since the epoch, found nothing',
      '__REALTIME_TIMESTAMP',
    );
  }
  const hostRaw = o['_HOSTNAME'] ?? opts.fallbackHost ?? null;
  if (hostRaw === null || hostRaw === '') {
    return decodeFail(
      'MISSING_FIELD',
      '_HOSTNAME: expected a host name (or a --host), found nothing',
      '_HOSTNAME',
    );
  }
  const mono = o['_SOURCE_MONOTONIC_TIMESTAMP'] ?? o['__MONOTONIC_TIMESTAMP'];
  const fields = {
    MESSAGE: asMessage(o['MESSAGE']),
    _HOSTNAME: asString(hostRaw),
    __REALTIME_TIMESTAMP: asCount(o['__REALTIME_TIMESTAMP']),
    __MONOTONIC_TIMESTAMP: optional(mono, asCount),
    _BOOT_ID: optional(o['_BOOT_ID'], asBootId),
    PRIORITY: optional(o['PRIORITY'], asPriority),
  };
  for (const [name, r] of Object.entries(fields)) {
    if (!r.ok) return decodeFail('INVALID_FIELD', `${name}: ${r.message}`, name);
  }
  const v = <T>(r: FieldResult<T>): T => (r as { ok: true; value: T }).value;
  return decodeOk({
    host: v(fields._HOSTNAME),
    boot_id: v(fields._BOOT_ID),
    ts: v(fields.__REALTIME_TIMESTAMP),
    uptime_us: v(fields.__MONOTONIC_TIMESTAMP),
    seq: null,
    priority: v(fields.PRIORITY),
    message: v(fields.MESSAGE),
    arch: opts.arch ?? null,
    kernel_release: opts.kernelRelease ?? null,
    source: 'journald',
    caller: null,
  });
}
