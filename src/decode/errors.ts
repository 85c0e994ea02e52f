/** Why a record could not be decoded. A closed list: dead-letter headers and metrics use it. */
export const DECODE_ERROR_CODES = [
  'EMPTY',
  'TRUNCATED',
  'TRAILING_DATA',
  'BAD_MAGIC',
  'UNKNOWN_SCHEMA_ID',
  'INCOMPATIBLE_SCHEMA',
  'REGISTRY_UNAVAILABLE',
  'SCHEMA_NOT_LOADED',
  'INVALID_AVRO',
  'INVALID_UTF8',
  'TOO_LARGE',
  'INVALID_JSON',
  'NOT_AN_OBJECT',
  'MISSING_FIELD',
  'INVALID_FIELD',
] as const;
export type DecodeErrorCode = (typeof DECODE_ERROR_CODES)[number];

export interface DecodeError {
  code: DecodeErrorCode;
  /** what was expected and what was found */
  message: string;
  /** the same bytes may decode later (registry down, schema not fetched yet); everything else is final */
  retriable: boolean;
  /** the field at fault, for MISSING_FIELD / INVALID_FIELD */
  field?: string;
}

const RETRIABLE: ReadonlySet<DecodeErrorCode> = new Set(['REGISTRY_UNAVAILABLE', 'SCHEMA_NOT_LOADED']);

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

/**
 * A record that is well formed but is not a kernel log record (a journald entry of another
 * transport, a dmesg line that only repeats an earlier one). Not an error: skip it, do not
 * dead-letter it.
 */
export const SKIP_REASONS = ['NOT_KERNEL', 'DUPLICATE', 'NOT_A_RECORD'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export interface Skipped {
  ok: false;
  skipped: SkipReason;
  message: string;
}

export function skipped(reason: SkipReason, message: string): Skipped {
  return { ok: false, skipped: reason, message };
}

export function decodeOk<T>(value: T): DecodeResult<T> {
  return { ok: true, value };
}

export function decodeFail<T = never>(
  code: DecodeErrorCode,
  message: string,
  field?: string,
): DecodeResult<T> {
  const retriable = RETRIABLE.has(code);
  const error: DecodeError =
    field === undefined ? { code, message, retriable } : { code, message, retriable, field };
  return { ok: false, error };
}

/** Default and bound for one record's size: bigger records are rejected with TOO_LARGE. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** A short, printable description of a JS value for error messages (never the whole value). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'undefined':
      return 'nothing';
    default:
      return typeof value;
  }
}
