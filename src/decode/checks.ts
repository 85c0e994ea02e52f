import type { KernelLogEvent } from '../model/event.js';
import type { HostHardwareEvent, TriagedCrash } from '../model/verdict.js';
import type { DecodeError } from './errors.js';

/*
 * Checks that Avro itself does not make: avsc reads longs beyond 2^53 as rounded doubles, and the
 * schema cannot say that a priority is 0..7 or that a host name is not empty.
 */

function invalid(field: string, expected: string, found: unknown): DecodeError {
  return {
    code: 'INVALID_FIELD',
    message: `${field}: expected ${expected}, found ${String(found)}`,
    retriable: false,
    field,
  };
}

function badOptionalCount(v: number | null): boolean {
  return v !== null && !(Number.isSafeInteger(v) && v >= 0);
}

export function checkKernelLogEvent(e: KernelLogEvent): DecodeError | null {
  if (e.host.length === 0) return invalid('host', 'a non-empty host name', 'an empty string');
  if (!Number.isSafeInteger(e.ts)) return invalid('ts', 'µs since the epoch within ±2^53', e.ts);
  if (badOptionalCount(e.uptime_us))
    return invalid('uptime_us', 'null or µs since boot (0..2^53)', e.uptime_us);
  if (badOptionalCount(e.seq)) return invalid('seq', 'null or a sequence number 0..2^53', e.seq);
  if (e.priority !== null && (e.priority < 0 || e.priority > 7)) {
    return invalid('priority', 'null or a syslog level 0..7', e.priority);
  }
  return null;
}

function has(s: string | null): boolean {
  return s?.includes('\uFFFD') === true;
}

export function kernelLogEventHasReplacementChar(e: KernelLogEvent): boolean {
  return (
    e.message.includes('\uFFFD') ||
    e.host.includes('\uFFFD') ||
    has(e.boot_id) ||
    has(e.arch) ||
    has(e.kernel_release) ||
    has(e.source) ||
    has(e.caller)
  );
}

function badOptionalLong(v: number | null): boolean {
  return v !== null && !Number.isSafeInteger(v);
}

export function checkTriagedCrash(c: TriagedCrash): DecodeError | null {
  if (!Number.isSafeInteger(c.ts)) return invalid('ts', 'µs since the epoch within ±2^53', c.ts);
  if (c.revision < 0) return invalid('revision', 'a revision >= 0', c.revision);
  for (const [i, ev] of c.evidence.entries()) {
    if (!Number.isSafeInteger(ev.ts))
      return invalid(`evidence[${i}].ts`, 'µs since the epoch within ±2^53', ev.ts);
    if (badOptionalLong(ev.pfn)) return invalid(`evidence[${i}].pfn`, 'null or a pfn within 2^53', ev.pfn);
    if (badOptionalLong(ev.phys_addr)) {
      return invalid(`evidence[${i}].phys_addr`, 'null or an address within 2^53', ev.phys_addr);
    }
  }
  return null;
}

export function checkHostHardwareEvent(h: HostHardwareEvent): DecodeError | null {
  if (!Number.isSafeInteger(h.ts)) return invalid('ts', 'µs since the epoch within ±2^53', h.ts);
  if (badOptionalLong(h.pfn)) return invalid('pfn', 'null or a pfn within 2^53', h.pfn);
  if (badOptionalLong(h.phys_addr))
    return invalid('phys_addr', 'null or an address within 2^53', h.phys_addr);
  if (h.reports < 0) return invalid('reports', 'a count >= 0', h.reports);
  return null;
}

/** For the output records, off the hot path: one scan of the serialized value. */
export function jsonHasReplacementChar(value: unknown): boolean {
  return JSON.stringify(value).includes('\uFFFD');
}
