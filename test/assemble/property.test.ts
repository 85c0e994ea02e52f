/**
 * Properties over random streams built from real line shapes: nothing throws, every bound holds,
 * every report line was an input line (bounded), and flushing leaves nothing open.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flushHost, MAX_OPEN, newHostLineState, processEvent, stripStamp } from '../../src/assemble/index.js';
import { DEFAULT_LIMITS, type StateLimits } from '../../src/model/config.js';
import { MAX_BLOCKS, MAX_HELD } from '../../src/parse/hw/index.js';
import { event } from './run.js';

const SHAPES = [
  'BUG: kernel NULL pointer dereference, address: 0000000000000008',
  'Oops: Oops: 0000 [#1] SMP NOPTI',
  'Internal error: synchronous external abort: 0000000096000410 [#1]  SMP',
  'Kernel panic - not syncing: Fatal exception',
  '---[ end trace 0000000000000000 ]---',
  '---[ end Kernel panic - not syncing: Fatal exception ]---',
  'Kernel Offset: 0x10000000 from 0xffffffff81000000',
  'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
  'NMI backtrace for cpu 3',
  ' d_lookup+0x5c/0x220',
  'Call Trace:',
  'Linux version 6.1.0 (builder@host) (gcc 12) #1 SMP',
  '{1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784',
  '{1}[Hardware Error]: event severity: recoverable',
  '{1}[Hardware Error]:   physical_address: 0x00000040272d5080',
  'mce: [Hardware Error]: CPU 0: Machine Check Exception: 4 Bank 0: b200000080060001',
  'mce: [Hardware Error]: TSC 2db9f8ee73 ADDR 8a398a400 ',
  'mce: [Hardware Error]: PROCESSOR 0:b0671 TIME 1789999206 SOCKET 0 APIC 0 microcode ffffffff',
  'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
  'Memory failure: 0x40272e: unhandlable page.',
  'MCE exception done on CPU 7',
  'EDAC MC0: 1 UE multi-bit ECC on unknown memory (page:0x40272d offset:0x5080 grain:4096 - )',
  'mce: Uncorrected hardware memory error in user-access at 8a398a400Memory failure: 0x8a398a: Sending SIGBUS to a.out:1 due to hardware memory corruption',
  'usb 1-1: new high-speed USB device number 2 using xhci_hcd',
  '',
];

const LIMITS: StateLimits = { ...DEFAULT_LIMITS, maxReportLines: 20, maxLineBytes: 64 };

const record = fc.record({
  text: fc.oneof(
    fc.constantFrom(...SHAPES),
    fc.string({ maxLength: 80 }),
    fc.array(fc.constantFrom(...SHAPES), { minLength: 2, maxLength: 6 }).map((a) => a.join('\n')),
  ),
  caller: fc.option(fc.constantFrom('T1', 'T2', 'C3', 'C4'), { nil: null }),
  dt: fc.nat({ max: 3_000_000 }),
  bootId: fc.constantFrom('a', 'a', 'a', 'b'),
});

describe('random streams', () => {
  it('never throw and keep every buffer within its bound', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 200 }), (recs) => {
        const st = newHostLineState();
        const inputs = new Set<string>();
        let at = 0;
        const reports = [];
        recs.forEach((r, i) => {
          at += r.dt;
          for (const l of r.text.split('\n'))
            inputs.add(stripStamp(l.replace(/\r$/, '')).slice(0, LIMITS.maxLineBytes));
          const o = processEvent(
            st,
            event({ text: r.text, caller: r.caller, at, bootId: r.bootId }, i),
            LIMITS,
          );
          reports.push(...o.reports);
          expect(st.asm.open?.length ?? 0).toBeLessThanOrEqual(MAX_OPEN);
          for (const rep of st.asm.open ?? [])
            expect(rep.lines.length).toBeLessThanOrEqual(LIMITS.maxReportLines);
          expect(st.hw.blocks?.length ?? 0).toBeLessThanOrEqual(MAX_BLOCKS);
          expect(st.hw.held?.length ?? 0).toBeLessThanOrEqual(MAX_HELD);
        });
        const f = flushHost(st, LIMITS);
        reports.push(...f.reports);
        expect(st.asm.open).toBeNull();
        expect(st.hw.blocks).toBeNull();
        expect(st.hw.held).toBeNull();
        for (const rep of reports) {
          expect(rep.lines.length).toBeLessThanOrEqual(LIMITS.maxReportLines);
          for (const l of rep.lines) {
            expect(l.length).toBeLessThanOrEqual(LIMITS.maxLineBytes);
            expect(inputs.has(l)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
