import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../../src/model/event.js';
import {
  armErrAddr,
  bootChange,
  boundedLine,
  hexToNumber,
  physToPfn,
  stripStamp,
} from '../../../src/parse/hw/index.js';

describe('kernel number helpers', () => {
  it('reads hex up to 16 digits exactly and refuses what a double cannot hold', () => {
    expect(hexToNumber('40272d')).toBe(0x40272d);
    expect(hexToNumber('00000040272d5080')).toBe(0x40272d5080);
    expect(hexToNumber('000fffffffffffff')).toBe(0xfffffffffffff);
    expect(hexToNumber('b200000080060001')).toBeNull(); // above 2^53
    expect(hexToNumber('1'.repeat(17))).toBeNull();
    expect(hexToNumber('')).toBeNull();
    expect(hexToNumber('xyz')).toBeNull();
  });

  it('converts physical addresses to pfns at the host page size', () => {
    expect(physToPfn(0x8a398a400)).toBe(0x8a398a);
    expect(physToPfn(0x40272d5080, 16)).toBe(0x40272d);
    expect(physToPfn(null)).toBeNull();
  });

  it('drops the flag bits of an Arm RAS ERR<n>ADDR', () => {
    expect(armErrAddr('8400000043344521')).toBe(0x43344521);
    expect(armErrAddr('43344521')).toBe(0x43344521);
  });

  it('bounds a line to the limit', () => {
    const s = 'a'.repeat(10_000);
    expect(boundedLine(s, 100)).toBe('a'.repeat(100));
    expect(boundedLine('short', 100)).toBe('short');
  });

  it('strips dmesg stamps, levels and caller ids but nothing else', () => {
    expect(stripStamp('<4>[    1.540630] Oops: Oops: 0000 [#1] SMP PTI')).toBe(
      'Oops: Oops: 0000 [#1] SMP PTI',
    );
    expect(stripStamp('[  284.388061][ T3706] soft offline: 0x956000: x')).toBe('soft offline: 0x956000: x');
    expect(stripStamp('[drm] Initialized')).toBe('[drm] Initialized');
    expect(stripStamp('{1}[Hardware Error]: x')).toBe('{1}[Hardware Error]: x');
  });

  it('sees a boot in a new boot_id, the banner, or the uptime going back to near zero', () => {
    const ev = (f: { boot_id?: string; uptime_us?: number }) =>
      makeEvent({ host: 'h', ts: 1, message: 'x', ...f });
    expect(bootChange('a', 5_000_000, ev({ boot_id: 'b' }), 'x')).toBe('boot_id');
    expect(bootChange('a', 5_000_000, ev({ boot_id: 'a' }), 'Linux version 6.1.0 (b@h) (gcc) #1 SMP')).toBe(
      'banner',
    );
    expect(bootChange(null, 88_757_000_000, ev({ uptime_us: 64_261 }), 'x')).toBe('uptime');
    expect(bootChange(null, 500_000_000, ev({ uptime_us: 300_000_000 }), 'x')).toBeNull(); // not near zero
    expect(bootChange(null, -1, ev({ uptime_us: 0 }), 'x')).toBeNull(); // first line seen
  });
});
