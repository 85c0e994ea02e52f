/**
 * Boot boundaries as a line stream shows them (reference/kernel-formats.md §1): a new boot_id, the
 * `Linux version ` banner, or the uptime stamp going back to near zero.
 */
import type { KernelLogEvent } from '../../model/event.js';

/** An uptime below this after a higher one means the kernel restarted. */
export const BOOT_UPTIME_US = 120_000_000;
/** Uptime may step back this much (reordered shippers) without meaning a reboot. */
export const UPTIME_SLACK_US = 1_000_000;

export function isBootBanner(text: string): boolean {
  return text.charCodeAt(0) === 76 /* L */ && text.startsWith('Linux version ');
}

/** What, if anything, says this line starts a new boot, given the previous boot id and uptime (-1: none). */
export function bootChange(
  prevBootId: string | null,
  prevUptimeUs: number,
  event: KernelLogEvent,
  text: string,
): 'boot_id' | 'banner' | 'uptime' | null {
  const id = event.boot_id;
  if (id !== null && prevBootId !== null && id !== prevBootId) return 'boot_id';
  if (isBootBanner(text)) return 'banner';
  const up = event.uptime_us;
  if (up !== null && prevUptimeUs >= 0 && up < BOOT_UPTIME_US && up + UPTIME_SLACK_US < prevUptimeUs) {
    return 'uptime';
  }
  return null;
}
