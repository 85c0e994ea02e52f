/**
 * Boot boundaries as a line stream shows them (reference/kernel-formats.md §1): a new boot_id, the
 * `Linux version ` banner, or the uptime stamp going back to near zero.
 */
import type { KernelLogEvent } from '../../model/event.js';

/** An uptime below this after a higher one means the kernel restarted. */
export const BOOT_UPTIME_US = 120_000_000;
/** Uptime may step back this much (reordered shippers) without meaning a reboot. */
export const UPTIME_SLACK_US = 1_000_000;

/** The first line every boot prints (`linux_banner`). */
export const BOOT_BANNER = 'Linux version ';

export function isBootBanner(text: string): boolean {
  return text.charCodeAt(0) === 76 /* L */ && text.startsWith(BOOT_BANNER);
}

/** The uptime stamp went back to near zero after `prevUptimeUs` (-1: none yet): the kernel restarted. */
export function uptimeRestarted(prevUptimeUs: number, uptimeUs: number): boolean {
  return prevUptimeUs >= 0 && uptimeUs < BOOT_UPTIME_US && uptimeUs + UPTIME_SLACK_US < prevUptimeUs;
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
  return up !== null && uptimeRestarted(prevUptimeUs, up) ? 'uptime' : null;
}
