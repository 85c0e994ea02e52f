/**
 * Boot boundaries of one host. A boot is known by its boot_id when the transport carries one; without
 * it, by an uptime reset (a record whose kernel uptime is below the previous one's) or a `Linux
 * version` BOOT marker. Boots get ordinals (0, 1, 2, ...) so that incidents and crashes can be compared
 * even when ids are null; the last {@link MAX_PAST_BOOTS} boots are remembered to place late records.
 */
import type { HostState } from './types.js';

export const MAX_PAST_BOOTS = 3;
/** a record's uptime must drop by more than this to count as a reset */
export const UPTIME_RESET_SLACK_US = 1_000_000;
/** two boot-start estimates closer than this describe the same boot */
export const SAME_BOOT_START_US = 60_000_000;

/** The host's event-time clock: its newest record or the newest watermark, whichever is later. */
export function clockOf(s: HostState): number {
  const a = s.lastTs ?? Number.NEGATIVE_INFINITY;
  const b = s.wm ?? Number.NEGATIVE_INFINITY;
  return Math.max(a, b);
}

export function openBoot(s: HostState, id: string | null, start: number | null): void {
  const past = s.prevBoots ?? [];
  past.push({ n: s.boot, id: s.bootId, start: s.bootStart });
  while (past.length > MAX_PAST_BOOTS) past.shift();
  s.prevBoots = past;
  s.boot += 1;
  s.bootId = id;
  s.bootStart = start;
  s.lastUptimeUs = undefined;
}

function olderThanKnown(s: HostState): number {
  const oldest = s.prevBoots?.[0]?.n ?? s.boot;
  return oldest - 1;
}

/** The boot a record written at `ts` before the current boot belongs to, by time. */
function pastBootByTime(s: HostState, ts: number): number {
  const past = s.prevBoots ?? [];
  for (let i = past.length - 1; i >= 0; i--) {
    const b = past[i];
    if (b && (b.start === null || b.start <= ts)) return b.n;
  }
  return olderThanKnown(s);
}

/**
 * The boot ordinal of a record. When `inOrder` (the record is not older than the host's newest), a
 * record that shows a new boot opens it.
 */
export function bootOf(
  s: HostState,
  bootId: string | null,
  ts: number,
  uptimeUs: number | null,
  inOrder: boolean,
): number {
  const start = uptimeUs !== null ? ts - uptimeUs : null;
  const uptimeReset =
    uptimeUs !== null && s.lastUptimeUs !== undefined && uptimeUs + UPTIME_RESET_SLACK_US < s.lastUptimeUs;
  if (bootId !== null) {
    if (s.bootId === bootId) return s.boot;
    const past = s.prevBoots?.find((b) => b.id === bootId);
    if (past) return past.n;
    if (s.bootId === null && !uptimeReset && (s.bootStart === null || start === null || ts >= s.bootStart)) {
      s.bootId = bootId; // the current boot's id, seen for the first time
      s.bootStart ??= start;
      return s.boot;
    }
    if (inOrder && (s.bootStart === null || ts >= s.bootStart - SAME_BOOT_START_US)) {
      openBoot(s, bootId, start ?? ts);
      return s.boot;
    }
    return s.bootStart !== null && ts < s.bootStart ? pastBootByTime(s, ts) : olderThanKnown(s);
  }
  if (uptimeReset && inOrder) {
    openBoot(s, null, start);
    return s.boot;
  }
  if (s.bootStart !== null && ts < s.bootStart - UPTIME_RESET_SLACK_US) return pastBootByTime(s, ts);
  if (s.bootStart === null && start !== null && inOrder) s.bootStart = start;
  return s.boot;
}

/** Records an in-order record's time and uptime. */
export function noteTime(s: HostState, ts: number, uptimeUs: number | null, boot: number): void {
  if (s.lastTs === null || ts >= s.lastTs) {
    s.lastTs = ts;
    if (uptimeUs !== null && boot === s.boot) s.lastUptimeUs = uptimeUs;
  }
}

/** boot_id of a boot ordinal, when remembered. */
export function bootIdOf(s: HostState, n: number): string | null {
  if (n === s.boot) return s.bootId;
  return s.prevBoots?.find((b) => b.n === n)?.id ?? null;
}

/** A BOOT marker (`Linux version ...`) or the pipeline's boot input: opens a boot unless it is the current one. */
export function markBoot(s: HostState, bootId: string | null, ts: number, uptimeUs: number | null): void {
  const before = s.boot;
  const inOrder = s.lastTs === null || ts >= s.lastTs - SAME_BOOT_START_US;
  bootOf(s, bootId, ts, uptimeUs, inOrder);
  if (s.boot !== before || bootId !== null) return;
  const start = ts - (uptimeUs ?? 0);
  if (s.lastTs === null && s.bootStart === null) {
    s.bootStart = start;
    return;
  }
  if (s.bootStart !== null && Math.abs(start - s.bootStart) <= SAME_BOOT_START_US) return;
  if (inOrder) openBoot(s, null, start);
}
