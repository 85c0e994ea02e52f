/**
 * Kernel release strings (`uname -r`) as an ordered key, for `fixed_in` in the known-issues file.
 *
 * Order: `7.0-rc3 < 7.0 < 7.0.1`. A vendor suffix compares by its leading numeric part only:
 * `6.16.1-0_fbk3` → build `[0]`, `5.14.0-284.el9` → `[284]`, `5.14.0-362.8.1.el9_3` → `[362, 8, 1]`,
 * `6.8.0-45-generic` → `[45]`. A release with a build is after the same release without one
 * (`6.16.1-0_fbk3 >= 6.16.1`), which is what "the host runs at or after the fix" needs when the
 * rule names the upstream release and the host a vendor build of it. Letters (`_fbk3`, `.el9`, git
 * hashes) never take part, so two vendor builds with the same numbers compare equal.
 */
export interface KernelRelease {
  major: number;
  minor: number;
  patch: number;
  /** release candidate number; null for a final release (which sorts after every rc) */
  rc: number | null;
  /** leading numeric part of the vendor suffix, empty when there is none */
  build: number[];
}

// Bounded, linear pattern: no nested quantifiers.
const RELEASE = /^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(?:-rc(\d{1,4}))?(.*)$/;
const BUILD = /^[-+~_.]?(\d{1,9}(?:\.\d{1,9}){0,7})/;

export function parseKernelRelease(text: string): KernelRelease | null {
  const s = text.trim().slice(0, 200);
  const m = RELEASE.exec(s);
  if (!m) return null;
  const rest = m[5] ?? '';
  const b = BUILD.exec(rest);
  const build = b?.[1] ? b[1].split('.').map((x) => Number.parseInt(x, 10)) : [];
  return {
    major: Number.parseInt(m[1] ?? '0', 10),
    minor: Number.parseInt(m[2] ?? '0', 10),
    patch: m[3] !== undefined ? Number.parseInt(m[3], 10) : 0,
    rc: m[4] !== undefined ? Number.parseInt(m[4], 10) : null,
    build,
  };
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareKernelReleases(a: KernelRelease, b: KernelRelease): number {
  const base = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (base !== 0) return base;
  const rcA = a.rc ?? Number.POSITIVE_INFINITY;
  const rcB = b.rc ?? Number.POSITIVE_INFINITY;
  if (rcA !== rcB) return rcA < rcB ? -1 : 1;
  const n = Math.max(a.build.length, b.build.length);
  for (let i = 0; i < n; i++) {
    const x = a.build[i];
    const y = b.build[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x !== y) return x - y;
  }
  return 0;
}

/** The host runs `host` at or after `fixedIn`; null when either does not parse. */
export function isAtOrAfter(host: string | null, fixedIn: KernelRelease): boolean | null {
  if (host === null) return null;
  const h = parseKernelRelease(host);
  if (!h) return null;
  return compareKernelReleases(h, fixedIn) >= 0;
}
