import { isUtf8 } from 'node:buffer';
import { type DecodeResult, decodeFail, decodeOk, describeValue } from './errors.js';

/**
 * Bytes of one JSON line → a plain object. Shared by the ndjson and journald adapters: size limit
 * first, then UTF-8, then JSON, then "is an object". Never throws.
 */
export function readJsonObject(
  bytes: Buffer | string,
  maxBytes: number,
  what: string,
): DecodeResult<Record<string, unknown>> {
  let text: string;
  if (typeof bytes === 'string') {
    if (bytes.length > maxBytes) {
      return decodeFail(
        'TOO_LARGE',
        `expected a ${what} line of at most ${maxBytes} bytes, found ${bytes.length} characters`,
      );
    }
    text = bytes;
  } else {
    if (bytes.length > maxBytes) {
      return decodeFail(
        'TOO_LARGE',
        `expected a ${what} line of at most ${maxBytes} bytes, found ${bytes.length}`,
      );
    }
    if (!isUtf8(bytes))
      return decodeFail('INVALID_UTF8', `expected a UTF-8 ${what} line, found invalid byte sequences`);
    text = bytes.toString('utf8');
  }
  if (text.trim() === '') return decodeFail('EMPTY', `expected a ${what} JSON object, found an empty line`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    return decodeFail(
      'INVALID_JSON',
      `expected a ${what} JSON object, found text that is not JSON (${reason})`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return decodeFail('NOT_AN_OBJECT', `expected a ${what} JSON object, found ${describeValue(value)}`);
  }
  return decodeOk(value as Record<string, unknown>);
}

export type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Absent or null → null; otherwise the check's verdict. */
export function optional<T>(value: unknown, check: (v: unknown) => FieldResult<T>): FieldResult<T | null> {
  if (value === undefined || value === null) return { ok: true, value: null };
  return check(value);
}

export function asString(v: unknown): FieldResult<string> {
  return typeof v === 'string'
    ? { ok: true, value: v }
    : { ok: false, message: `expected a string, found ${describeValue(v)}` };
}

/** A non-negative safe integer, as a JSON number or a decimal string (journald sends strings). */
export function asCount(v: unknown): FieldResult<number> {
  const n = typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return { ok: true, value: n };
  return { ok: false, message: `expected an integer 0..2^53, found ${describeValue(v)}` };
}

export function asPriority(v: unknown): FieldResult<number> {
  const n = typeof v === 'string' && /^\d$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 7) return { ok: true, value: n };
  return { ok: false, message: `expected a syslog level 0..7, found ${describeValue(v)}` };
}
