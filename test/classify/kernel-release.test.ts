import { describe, expect, it } from 'vitest';
import { compareKernelReleases, isAtOrAfter, parseKernelRelease } from '../../src/classify/kernel-release.js';

const cmp = (a: string, b: string): number => {
  const x = parseKernelRelease(a);
  const y = parseKernelRelease(b);
  if (!x || !y) throw new Error(`unparsable ${a} or ${b}`);
  return Math.sign(compareKernelReleases(x, y));
};

describe('kernel release order', () => {
  it('orders release candidates before the release and the release before its stable updates', () => {
    expect(cmp('7.0-rc3', '7.0')).toBe(-1);
    expect(cmp('7.0', '7.0.1')).toBe(-1);
    expect(cmp('7.0-rc3', '7.0-rc10')).toBe(-1);
    expect(cmp('6.19.9', '7.0-rc1')).toBe(-1);
    expect(cmp('6.9', '6.10')).toBe(-1);
  });

  it('compares vendor builds by their numeric part only', () => {
    expect(cmp('6.16.1-0_fbk3', '6.16.1-0_fbk2_0_gf40efc324cc8')).toBe(0);
    expect(cmp('6.16.1-0_fbk3', '6.16.1')).toBe(1);
    expect(cmp('6.16.1-0_fbk3', '6.16.2')).toBe(-1);
    expect(cmp('5.14.0-284.el9', '5.14.0-362.8.1.el9_3.x86_64')).toBe(-1);
    expect(cmp('5.14.0-284.11.1.el9_2', '5.14.0-284.el9')).toBe(1);
    expect(cmp('6.8.0-45-generic', '6.8.0-100-generic')).toBe(-1);
  });

  it('reads the build numbers of RHEL and Meta releases', () => {
    expect(parseKernelRelease('5.14.0-362.8.1.el9_3.x86_64')).toEqual({
      major: 5,
      minor: 14,
      patch: 0,
      rc: null,
      build: [362, 8, 1],
    });
    expect(parseKernelRelease('6.16.1-0_fbk2_0_gf40efc324cc8')?.build).toEqual([0]);
  });

  it('says whether a host is at or after a fix, and unknown for unparsable releases', () => {
    const fixed = parseKernelRelease('6.16.1')!;
    expect(isAtOrAfter('6.16.1-0_fbk3', fixed)).toBe(true);
    expect(isAtOrAfter('6.16.0', fixed)).toBe(false);
    expect(isAtOrAfter('6.16.1-rc2', fixed)).toBe(false);
    expect(isAtOrAfter('garbage', fixed)).toBeNull();
    expect(isAtOrAfter(null, fixed)).toBeNull();
    expect(parseKernelRelease('not a release')).toBeNull();
  });
});
