/** Calendar helpers for the wall-clock stamps of dmesg -T, syslog and console collectors. */

export const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

/** 0..11 for `Jan`..`Dec`, -1 otherwise. */
export function monthIndex(name: string): number {
  return (MONTHS as readonly string[]).indexOf(name);
}

/** µs since the epoch of a UTC calendar time; null when a field is out of range. */
export function utcMicros(
  year: number,
  month0: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  micros = 0,
): number | null {
  if (month0 < 0 || month0 > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return null;
  const ms = Date.UTC(year, month0, day, hour, minute, second);
  if (!Number.isFinite(ms)) return null;
  return ms * 1000 + micros;
}

/** `.123` → 123000 µs: a decimal fraction of a second, truncated to µs. */
export function fractionMicros(digits: string): number {
  return Number(`${digits}000000`.slice(0, 6));
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * An RFC 3339 date-time (`2023-06-22T21:55:31.352444Z`, `...+02:00`) to µs since the epoch.
 * `requireZone` false also accepts a time with no zone, read as UTC (console collectors print
 * none). Null when the text is not one.
 */
export function parseRfc3339Micros(text: string, requireZone = true): number | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const zoned = m[8] !== undefined || m[9] !== undefined;
  if (requireZone && !zoned) return null;
  const base = utcMicros(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    m[7] === undefined ? 0 : fractionMicros(m[7]),
  );
  if (base === null) return null;
  if (m[9] === undefined) return base;
  const offsetMin = Number(m[10]) * 60 + Number(m[11]);
  return base - (m[9] === '-' ? -1 : 1) * offsetMin * 60_000_000;
}

/** The UTC year of a µs timestamp. */
export function yearOf(us: number): number {
  return new Date(Math.floor(us / 1000)).getUTCFullYear();
}
