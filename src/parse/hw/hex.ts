/**
 * Hex helpers for kernel numbers. `%#lx` pfns fit in a double exactly; 16-digit physical addresses
 * and MCi_STATUS values do not always, so they are taken apart in 32-bit halves.
 */

const TWO_32 = 0x1_0000_0000;

/** Parse lower- or upper-case hex digits (no `0x`) into a safe integer, or null. */
export function hexToNumber(digits: string): number | null {
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48 /* 0 */) start++;
  const len = digits.length - start;
  if (len <= 0 || len > 16) return null;
  if (len <= 13) {
    const v = Number.parseInt(digits.slice(start), 16);
    return Number.isNaN(v) ? null : v;
  }
  const hi = Number.parseInt(digits.slice(start, digits.length - 8), 16);
  const lo = Number.parseInt(digits.slice(digits.length - 8), 16);
  if (Number.isNaN(hi) || Number.isNaN(lo)) return null;
  const v = hi * TWO_32 + lo;
  return Number.isSafeInteger(v) ? v : null;
}

/** The upper 32 bits of a 64-bit hex value (MCi_STATUS flags live there). */
export function hexHigh32(digits: string): number {
  if (digits.length <= 8) return 0;
  const hi = Number.parseInt(digits.slice(Math.max(0, digits.length - 16), digits.length - 8), 16);
  return Number.isNaN(hi) ? 0 : hi;
}

/** Physical address → page frame number (4 KiB pages unless the host's kernel uses larger ones). */
export function physToPfn(addr: number | null, pageShift = 12): number | null {
  return addr === null ? null : Math.floor(addr / 2 ** pageShift);
}

/**
 * Arm RAS `ERR<n>ADDR`: bits 55:0 are the physical address, the top byte holds NS/SI/AI/VA/NSE
 * flags (`0x8400000043344521` → `0x43344521`).
 */
export function armErrAddr(digits: string): number | null {
  if (digits.length === 0 || digits.length > 16) return null;
  const hiDigits = digits.length > 8 ? digits.slice(0, digits.length - 8) : '0';
  const hi = Number.parseInt(hiDigits, 16) & 0x00ff_ffff;
  const lo = Number.parseInt(digits.slice(Math.max(0, digits.length - 8)), 16);
  if (Number.isNaN(hi) || Number.isNaN(lo)) return null;
  const v = hi * TWO_32 + lo;
  return Number.isSafeInteger(v) ? v : null;
}
