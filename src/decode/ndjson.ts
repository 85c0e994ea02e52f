import type { KernelLogEvent } from '../model/event.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  type DecodeResult,
  decodeFail,
  decodeOk,
  describeValue,
} from './errors.js';
import { type FieldResult, asCount, asPriority, asString, optional, readJsonObject } from './json-line.js';
import { parseRfc3339Micros } from './wall-clock.js';

/** `ts`: an integer of µs since the epoch, or an RFC 3339 string. */
function asEventTime(v: unknown): FieldResult<number> {
  if (typeof v === 'number') {
    return Number.isSafeInteger(v)
      ? { ok: true, value: v }
      : { ok: false, message: `expected an integer of µs since the epoch, found ${describeValue(v)}` };
  }
  if (typeof v === 'string') {
    const us = parseRfc3339Micros(v);
    return us === null
      ? { ok: false, message: `expected an RFC 3339 date-time with a zone, found ${describeValue(v)}` }
      : { ok: true, value: us };
  }
  return {
    ok: false,
    message: `expected µs since the epoch or an RFC 3339 string, found ${describeValue(v)}`,
  };
}

function nonEmpty(v: unknown): FieldResult<string> {
  const s = asString(v);
  return s.ok && s.value === '' ? { ok: false, message: 'expected a non-empty string, found ""' } : s;
}

/**
 * One ndjson line with the native KernelLogEvent field names. `host`, `ts` and `message` are
 * required; every other field may be absent or null (→ null). Unknown fields are ignored.
 */
export function decodeNdjsonLine(
  bytes: Buffer | string,
  maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
): DecodeResult<KernelLogEvent> {
  const obj = readJsonObject(bytes, maxBytes, 'ndjson KernelLogEvent');
  if (!obj.ok) return obj;
  const o = obj.value;
  for (const req of ['host', 'ts', 'message'] as const) {
    if (o[req] === undefined || o[req] === null) {
      return decodeFail('MISSING_FIELD', `${req}: expected a value, found ${describeValue(o[req])}`, req);
    }
  }
  const fields = {
    host: nonEmpty(o['host']),
    ts: asEventTime(o['ts']),
    message: asString(o['message']),
    boot_id: optional(o['boot_id'], asString),
    uptime_us: optional(o['uptime_us'], asCount),
    seq: optional(o['seq'], asCount),
    priority: optional(o['priority'], asPriority),
    arch: optional(o['arch'], asString),
    kernel_release: optional(o['kernel_release'], asString),
    source: optional(o['source'], asString),
    caller: optional(o['caller'], asString),
  };
  for (const [name, r] of Object.entries(fields)) {
    if (!r.ok) return decodeFail('INVALID_FIELD', `${name}: ${r.message}`, name);
  }
  const v = <T>(r: FieldResult<T>): T => (r as { ok: true; value: T }).value;
  return decodeOk({
    host: v(fields.host),
    boot_id: v(fields.boot_id),
    ts: v(fields.ts),
    uptime_us: v(fields.uptime_us),
    seq: v(fields.seq),
    priority: v(fields.priority),
    message: v(fields.message),
    arch: v(fields.arch),
    kernel_release: v(fields.kernel_release),
    source: v(fields.source),
    caller: v(fields.caller),
  });
}
