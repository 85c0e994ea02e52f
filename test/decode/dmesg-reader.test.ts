import { describe, expect, it } from 'vitest';
import { createDmesgReader, parseDmesgText, syntheticBootId } from '../../src/decode/dmesg-reader.js';
import type { KernelLogEvent } from '../../src/model/event.js';

const BOOT = Date.UTC(2024, 2, 1, 12, 0, 0) * 1000; // --boot-time
const utc = (y: number, mo: number, d: number, h: number, mi: number, s: number): number =>
  Date.UTC(y, mo, d, h, mi, s) * 1000;

function one(line: string, opts: Partial<Parameters<typeof createDmesgReader>[0]> = {}): KernelLogEvent {
  const e = createDmesgReader({ host: 'given-host', bootTimeUs: BOOT, ...opts }).pushLine(line);
  if (e === null) throw new Error(`no event for ${line}`);
  return e;
}

describe('dmesg line forms (reference/kernel-formats.md §1)', () => {
  it('reads a plain right-aligned stamp: uptime in µs, message without the prefix, time from --boot-time', () => {
    const e = one('[88690.498473] Memory failure: 0x40272d: unhandlable page.');
    expect(e).toEqual({
      host: 'given-host',
      boot_id: syntheticBootId('given-host', 0),
      ts: BOOT + 88_690_498_473,
      uptime_us: 88_690_498_473,
      seq: null,
      priority: null,
      message: 'Memory failure: 0x40272d: unhandlable page.',
      arch: null,
      kernel_release: null,
      source: 'dmesg',
      caller: null,
    });
    expect(one('[    0.064261] mce: [Hardware Error]: Machine check events logged')).toMatchObject({
      uptime_us: 64_261,
      message: 'mce: [Hardware Error]: Machine check events logged',
    });
  });

  it('puts printk caller ids into caller, glued or after a space, padded or not', () => {
    expect(one('[  284.388061][ T3706] soft offline: 0x956000: hugepage isolation failed: 0')).toMatchObject({
      uptime_us: 284_388_061,
      caller: 'T3706',
      message: 'soft offline: 0x956000: hugepage isolation failed: 0',
    });
    expect(
      one(
        '[88690.478913] [ T593001] {1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784',
      ),
    ).toMatchObject({
      caller: 'T593001',
      message: '{1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784',
    });
    expect(one('[  477.405123][T18348]  <TASK>')).toMatchObject({ caller: 'T18348', message: ' <TASK>' });
    expect(one('[  142.165151][    C0]  net_tx_action+0x77c/0x9a0')).toMatchObject({
      caller: 'C0',
      message: ' net_tx_action+0x77c/0x9a0',
    });
  });

  it('reads a padded caller id without a time stamp (printk.time=0)', () => {
    expect(one('[    T1] Run /init as init process')).toMatchObject({
      caller: 'T1',
      uptime_us: null,
      message: 'Run /init as init process',
    });
    expect(one('[T1] not a printk prefix: too short').caller).toBeNull();
  });

  it('keeps the message’s own leading spaces after the one printk puts before it', () => {
    expect(one('[   42.863016]  [<ffffffff81536f70>] genl_rcv_msg+0x250/0x2d0').message).toBe(
      ' [<ffffffff81536f70>] genl_rcv_msg+0x250/0x2d0',
    );
    expect(one('[  447.627999]').message).toBe('');
  });

  it('reads <N> levels into priority, with or without a stamp after them', () => {
    expect(one('<4>[    1.540630] Oops: Oops: 0000 [#1] SMP PTI')).toMatchObject({
      priority: 4,
      uptime_us: 1_540_630,
      message: 'Oops: Oops: 0000 [#1] SMP PTI',
    });
    expect(one('<4> Call Trace:')).toMatchObject({ priority: 4, uptime_us: null, message: 'Call Trace:' });
  });

  it('reads dmesg -T lines: wall clock to the second, no uptime', () => {
    expect(one('[Mon Oct  3 13:52:42 2022] EDAC sbridge MC1: HANDLING MCE MEMORY ERROR')).toMatchObject({
      ts: utc(2022, 9, 3, 13, 52, 42),
      uptime_us: null,
      message: 'EDAC sbridge MC1: HANDLING MCE MEMORY ERROR',
    });
  });

  it('reads dmesg -x lines: facility and level names, level into priority', () => {
    expect(
      one('kern  :warn  : [   13.708881] CPU: 7 PID: 0 Comm: swapper/7 Not tainted 5.9.0-rc1 #1'),
    ).toMatchObject({
      priority: 4,
      uptime_us: 13_708_881,
      message: 'CPU: 7 PID: 0 Comm: swapper/7 Not tainted 5.9.0-rc1 #1',
    });
    expect(
      one('kern  :emerg : [   22.621991] Kernel panic - not syncing: Fatal hardware error!').priority,
    ).toBe(0);
  });

  it('reads syslog lines with host and ktime: host from the line, time from its wall clock', () => {
    const e = one('Jul  7 00:27:08 rockpro64 kernel: [  233.001921] Internal error: : 96000210 [#1] SMP', {
      year: 2019,
    });
    expect(e).toMatchObject({
      host: 'rockpro64',
      uptime_us: 233_001_921,
      ts: utc(2019, 6, 7, 0, 27, 8),
      message: 'Internal error: : 96000210 [#1] SMP',
      source: 'syslog',
    });
  });

  it('reads syslog lines without host and without ktime, and with an empty host field', () => {
    expect(
      one('Feb 23 03:28:16 kernel: mce: [Hardware Error]: Machine check events logged', { year: 2021 }),
    ).toMatchObject({
      host: 'given-host',
      uptime_us: null,
      ts: utc(2021, 1, 23, 3, 28, 16),
      message: 'mce: [Hardware Error]: Machine check events logged',
    });
    expect(
      one('Feb 23 03:28:16  kernel: EDAC MC1: 1 CE memory scrubbing error', { year: 2021 }),
    ).toMatchObject({
      host: 'given-host',
      message: 'EDAC MC1: 1 CE memory scrubbing error',
    });
  });

  it('reads ISO syslog stamps with their zone', () => {
    expect(
      one('2023-06-22T23:55:31.352444+02:00 db-3 kernel: Memory failure: 0x7740c0: unhandlable page.'),
    ).toMatchObject({
      host: 'db-3',
      ts: utc(2023, 5, 22, 21, 55, 31) + 352_444,
      message: 'Memory failure: 0x7740c0: unhandlable page.',
    });
  });

  it('reads journalctl -o short-iso / short-precise / short-monotonic forms', () => {
    expect(one('2023-06-22T23:55:31+0200 db-3 kernel: EDAC MC0: 1 UE memory read error')).toMatchObject({
      host: 'db-3',
      ts: utc(2023, 5, 22, 21, 55, 31),
      message: 'EDAC MC0: 1 UE memory read error',
    });
    expect(
      one('Jun 22 21:55:31.352444 db-3 kernel: EDAC MC0: 1 UE memory read error', { year: 2023 }),
    ).toMatchObject({
      ts: utc(2023, 5, 22, 21, 55, 31) + 352_444,
    });
    expect(one('[  233.001921] rockpro64 kernel: Internal error: : 96000210 [#1] SMP')).toMatchObject({
      host: 'rockpro64',
      uptime_us: 233_001_921,
      message: 'Internal error: : 96000210 [#1] SMP',
      source: 'journald',
    });
  });

  it('reads dmesg --time-format iso (comma before the fraction) and dmesg -d deltas', () => {
    expect(one('2022-10-03T13:52:42,123456+02:00 EDAC sbridge MC1: HANDLING MCE MEMORY ERROR')).toMatchObject(
      {
        ts: utc(2022, 9, 3, 11, 52, 42) + 123_456,
        uptime_us: null,
        message: 'EDAC sbridge MC1: HANDLING MCE MEMORY ERROR',
      },
    );
    expect(one('[  233.001921 <    0.000879>] Internal error: : 96000210 [#1] SMP')).toMatchObject({
      uptime_us: 233_001_921,
      message: 'Internal error: : 96000210 [#1] SMP',
    });
  });

  it('reads a console capture stamped by a collector in syslog time format, with no program tag', () => {
    expect(
      one('Jun 22 21:55:31 [  212.473177] Unhandled fault at 0xffff800010003eb0', { year: 2023 }),
    ).toMatchObject({
      host: 'given-host',
      uptime_us: 212_473_177,
      ts: utc(2023, 5, 22, 21, 55, 31),
      message: 'Unhandled fault at 0xffff800010003eb0',
    });
  });

  it('skips other programs’ syslog lines and blank lines, and says why', () => {
    const r = createDmesgReader({ host: 'h' });
    expect(r.push('Mar 16 23:30:23 ohm ntpd[1330]: synchronized to 77.78.110.71, stratum 2')).toMatchObject({
      kind: 'skip',
      reason: 'NOT_KERNEL',
    });
    expect(r.push('')).toMatchObject({ kind: 'skip', reason: 'NOT_A_RECORD' });
  });

  it('drops the wall-broadcast copy of a KERN_EMERG record and keeps the syslog one', () => {
    const text = [
      'Message from syslogd@rockpro64 at Jul  7 00:27:08 ...',
      ' kernel:[  233.001921] Internal error: : 96000210 [#1] SMP',
      'Jul  7 00:27:08 rockpro64 kernel: [  233.001042] Unhandled fault: synchronous external abort (0x96000210) at 0xffffff80096c61b0',
      'Jul  7 00:27:08 rockpro64 kernel: [  233.001921] Internal error: : 96000210 [#1] SMP',
    ].join('\n');
    const events = parseDmesgText(text, { host: 'h', year: 2019 });
    expect(events.map((e) => [e.uptime_us, e.message.slice(0, 16)])).toEqual([
      [233_001_042, 'Unhandled fault:'],
      [233_001_921, 'Internal error: '],
    ]);
    // one anchor for the boot: the kernel's 879 µs spacing survives the second-resolution wall clock
    expect((events[1] as KernelLogEvent).ts - (events[0] as KernelLogEvent).ts).toBe(879);
  });

  it('reads a console collector’s wall clock in front of the kernel stamp as the event time', () => {
    expect(
      one(
        '[2023-06-22 21:55:31.352444][5975153.869131] Memory failure: 0x7740c0: recovery action for dirty page: Recovered',
      ),
    ).toMatchObject({
      ts: utc(2023, 5, 22, 21, 55, 31) + 352_444,
      uptime_us: 5_975_153_869_131,
      message: 'Memory failure: 0x7740c0: recovery action for dirty page: Recovered',
      source: 'console',
    });
  });

  it('cuts a shell prompt, a printk-dropped notice or other console text glued in front of the stamp', () => {
    expect(one('root@debian:~# [  212.473177] Unhandled fault at 0xffff800010003eb0')).toMatchObject({
      uptime_us: 212_473_177,
      message: 'Unhandled fault at 0xffff800010003eb0',
    });
    expect(
      one(
        '** 2395 printk messages dropped ** [   96.027166] BUG fasync_cache (Tainted: G    B          ): kasan',
      ),
    ).toMatchObject({
      uptime_us: 96_027_166,
      message: 'BUG fasync_cache (Tainted: G    B          ): kasan',
    });
    expect(one('syzkaller login: [   16.305150] INFO: trying to register non-static key.')).toMatchObject({
      uptime_us: 16_305_150,
      message: 'INFO: trying to register non-static key.',
    });
  });

  it('reads /dev/kmsg records: level, sequence number, µs stamp and caller from the header', () => {
    expect(
      one('3,120331,88690498473,-,caller=T593001;Memory failure: 0x40272d: unhandlable page.'),
    ).toMatchObject({
      priority: 3,
      seq: 120_331,
      uptime_us: 88_690_498_473,
      caller: 'T593001',
      message: 'Memory failure: 0x40272d: unhandlable page.',
      source: 'kmsg',
    });
    const r = createDmesgReader({ host: 'h' });
    r.pushLine('6,5,1000,-;pci 0000:00:00.0: [8086:1237] type 00 class 0x060000');
    expect(r.push(' SUBSYSTEM=pci')).toMatchObject({ kind: 'skip', reason: 'NOT_A_RECORD' });
  });

  it('keeps a stamp beyond 2^53 µs out of the message and leaves uptime null', () => {
    expect(one('[18444175627.134970] segment-related general protection fault: 206c [#2] PTI')).toMatchObject(
      {
        uptime_us: null,
        message: 'segment-related general protection fault: 206c [#2] PTI',
      },
    );
  });

  it('keeps lines without any stamp whole, timed at the previous event', () => {
    const events = parseDmesgText(
      '[   10.000000] mce: [Hardware Error]: Machine check events logged\nMemory failure: 0x61646: recovery action for dirty LRU page: Recovered\n',
      { host: 'h', bootTimeUs: BOOT },
    );
    expect(events[1]).toMatchObject({
      uptime_us: null,
      ts: BOOT + 10_000_000,
      message: 'Memory failure: 0x61646: recovery action for dirty LRU page: Recovered',
    });
  });
});

describe('dmesg event time and boots', () => {
  it('uses the fallback boot time (default the epoch) when neither --boot-time nor the text gives one', () => {
    expect(one('[    5.000001] x', { bootTimeUs: undefined }).ts).toBe(5_000_001);
    expect(one('[    5.000001] x', { bootTimeUs: undefined, fallbackBootTimeUs: 1_000 }).ts).toBe(5_001_001);
    expect(one('no stamp', { bootTimeUs: undefined }).ts).toBe(0);
  });

  it('starts a new boot when uptime goes back to about zero, with a deterministic id per host and boot', () => {
    const text = '[  100.000000] a\n[  101.000000] b\n[    0.000000] Linux version 6.6.0\n[    2.500000] c\n';
    const events = parseDmesgText(text, { host: 'h', bootTimeUs: BOOT });
    const ids = events.map((e) => e.boot_id);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[1]);
    expect(ids[3]).toBe(ids[2]);
    expect(ids[2]).toBe(syntheticBootId('h', 1));
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(syntheticBootId('other', 1)).not.toBe(ids[2]);
    // the second boot's start is unknown: it begins right after the first boot's last event
    expect((events[2] as KernelLogEvent).ts).toBe(BOOT + 101_000_000 + 1);
    expect((events[3] as KernelLogEvent).ts).toBe(BOOT + 101_000_000 + 1 + 2_500_000);
    expect(parseDmesgText(text, { host: 'h', bootTimeUs: BOOT })).toEqual(events);
  });

  it('does not start a boot for small backward steps of interleaved CPUs', () => {
    const events = parseDmesgText('[   50.000300] a\n[   50.000100] b\n[  130.0] c\n[  129.500000] d\n', {
      host: 'h',
    });
    expect(new Set(events.map((e) => e.boot_id)).size).toBe(1);
  });

  it('uses a given boot id for the first boot', () => {
    expect(one('[    1.000000] x', { bootId: '1b0f6a54-6b77-4c2e-9a51-4bd5d0b3e2a1' }).boot_id).toBe(
      '1b0f6a54-6b77-4c2e-9a51-4bd5d0b3e2a1',
    );
  });

  it('re-anchors a boot when the wall clock jumps away from the uptime (suspend)', () => {
    const events = parseDmesgText(
      [
        'Jul  7 00:27:08 h kernel: [  233.000000] before suspend',
        'Jul  7 02:27:08 h kernel: [  234.000000] after resume',
      ].join('\n'),
      { host: 'h', year: 2019 },
    );
    expect((events[1] as KernelLogEvent).ts).toBe(utc(2019, 6, 7, 2, 27, 8));
  });

  it('rolls the syslog year over when the month goes back from December to January', () => {
    const events = parseDmesgText('Dec 31 23:59:59 h kernel: a\nJan  1 00:00:01 h kernel: b\n', {
      host: 'h',
      year: 2023,
    });
    expect(events.map((e) => e.ts)).toEqual([utc(2023, 11, 31, 23, 59, 59), utc(2024, 0, 1, 0, 0, 1)]);
  });

  it('reads text wall clocks in the given time zone', () => {
    expect(one('[Mon Oct  3 13:52:42 2022] x', { utcOffsetMinutes: 120 }).ts).toBe(
      utc(2022, 9, 3, 11, 52, 42),
    );
  });

  it('gives one event per text line, in order, for \\n and \\r\\n text', () => {
    const events = parseDmesgText('[    1.000000] a\r\n[    1.000001] b\r\n', { host: 'h' });
    expect(events.map((e) => e.message)).toEqual(['a', 'b']);
  });
});
