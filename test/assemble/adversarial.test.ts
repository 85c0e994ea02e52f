/**
 * Hostile input: 1 MB lines, binary garbage, a 100,000-line report, many CPUs interleaved, GHES
 * floods. The assertions are on buffer sizes and drop counts, not on wall-clock time; linear time
 * follows from the anchored, bounded patterns and the line caps (a quadratic path on a 1 MB line or
 * a 100,000-line report would not finish inside the test timeout either).
 */
import { describe, expect, it } from 'vitest';
import { MAX_OPEN, newHostLineState, processEvent } from '../../src/assemble/index.js';
import { DEFAULT_LIMITS, type StateLimits } from '../../src/model/config.js';
import { MAX_BLOCKS, MAX_HELD, MAX_SIGNAL_LINE, newHwState, pushHwLine } from '../../src/parse/hw/index.js';
import { assemble, event } from './run.js';

const LIMITS: StateLimits = { ...DEFAULT_LIMITS, maxReportLines: 100, maxLineBytes: 256 };
const RESERVE = 8;

describe('adversarial input', () => {
  it('keeps at most maxLineBytes of a 1 MB line inside a report', () => {
    const huge = `x29: ${'ffff800138cafc40 '.repeat(62_000)}`;
    expect(huge.length).toBeGreaterThan(1_000_000);
    const { reports } = assemble(
      ['kernel BUG at mm/slub.c:123!', huge, '---[ end trace 0000000000000000 ]---'],
      LIMITS,
    );
    expect(reports).toHaveLength(1);
    const lines = reports[0]?.lines ?? [];
    expect(lines.map((l) => l.length)).toEqual([
      28,
      LIMITS.maxLineBytes,
      '---[ end trace 0000000000000000 ]---'.length,
    ]);
    expect(lines[1]).toBe(huge.slice(0, LIMITS.maxLineBytes));
  });

  it('reads a 1 MB hardware-looking line without matching past the cap or keeping it whole', () => {
    const line = `Memory failure: 0x${'a'.repeat(1_000_000)}: recovery action for get hwpoison page: Ignored`;
    const s = newHwState();
    const out = [...pushHwLine(s, { event: event({ text: line }, 0), text: line })];
    expect(out).toEqual([]); // 1,000,000 hex digits is no pfn
    const mf = `Memory failure: 0x40272d: recovery action for ${'x'.repeat(1_000_000)}: Ignored`;
    expect(pushHwLine(s, { event: event({ text: mf }, 1), text: mf })).toEqual([]);
    const ok = `Memory failure: 0x40272d: unhandlable page.${' '.repeat(1_000_000)}`;
    const got = [
      ...pushHwLine(s, { event: event({ text: ok }, 2), text: ok }),
      ...pushHwLine(s, { event: event({ text: 'x' }, 3), text: 'x' }),
    ];
    expect(got).toHaveLength(1);
    expect(got[0]?.line.length).toBe(MAX_SIGNAL_LINE);
  });

  it('survives binary garbage without throwing or opening anything', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const st = newHostLineState();
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = rnd() % 300;
      for (let k = 0; k < n; k++) s += String.fromCharCode(rnd() % 0x10000);
      const o = processEvent(st, event({ text: s }, i), LIMITS);
      expect(o.reports.length).toBeLessThanOrEqual(1);
    }
    const lf = processEvent(st, event({ text: '\n\n\r\n\u0000\n[ 1.0] \n<9999>' }, 3000), LIMITS);
    expect(lf.signals.filter((x) => x.type === 'hw')).toEqual([]);
    expect(st.hw.blocks).toBeNull();
  });

  it('bounds a 100,000-line report and counts every dropped line', () => {
    const recs: string[] = ['watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:123]'];
    for (let i = 0; i < 100_000; i++) recs.push(` func_${i}+0x1c/0x30`);
    recs.push('Kernel panic - not syncing: softlockup: hung tasks');
    const { reports } = assemble(recs, LIMITS);
    expect(reports).toHaveLength(1);
    const r = reports[0];
    // head up to maxReportLines - reserve, then the panic line in the reserve
    expect(r?.lines.length).toBe(LIMITS.maxReportLines - RESERVE + 1);
    expect(r?.lines.at(-1)).toBe('Kernel panic - not syncing: softlockup: hung tasks');
    expect(r?.truncatedLines).toBe(100_001 - (LIMITS.maxReportLines - RESERVE));
  });

  it('bounds open reports when many CPUs interleave and still emits every report', () => {
    const recs: Array<{ text: string; caller: string }> = [];
    const cpus = 64;
    for (let c = 0; c < cpus; c++) {
      recs.push({
        text: `watchdog: BUG: soft lockup - CPU#${c} stuck for 22s! [kworker/${c}:1:${100 + c}]`,
        caller: `C${c}`,
      });
    }
    for (let k = 0; k < 50; k++) {
      for (let c = 0; c < cpus; c++) recs.push({ text: ` frame_${k}+0x1/0x2`, caller: `C${c}` });
    }
    const st = newHostLineState();
    let reports = 0;
    recs.forEach((r, i) => {
      reports += processEvent(st, event(r, i), LIMITS).reports.length;
      expect(st.asm.open?.length ?? 0).toBeLessThanOrEqual(MAX_OPEN);
      for (const o of st.asm.open ?? []) expect(o.lines.length).toBeLessThanOrEqual(LIMITS.maxReportLines);
    });
    expect(reports).toBe(cpus - MAX_OPEN);
    // the reports still open belong to the last MAX_OPEN CPUs and hold only their own frames
    for (const o of st.asm.open ?? []) {
      expect(o.lines).toHaveLength(51);
      expect(o.lines.slice(1).every((l) => /^ frame_\d+\+0x1\/0x2$/.test(l))).toBe(true);
    }
  });

  it('bounds held memory-failure signals in a same-pfn storm', () => {
    const s = newHwState();
    let emitted = 0;
    for (let i = 0; i < 10_000; i++) {
      const text = 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored';
      emitted += pushHwLine(s, { event: event({ text, at: 0 }, i), text }).length;
      expect(s.held?.length ?? 0).toBeLessThanOrEqual(MAX_HELD);
      expect(s.blocks?.length ?? 0).toBeLessThanOrEqual(MAX_BLOCKS);
    }
    expect(emitted).toBeGreaterThan(10_000 - MAX_HELD - 1);
  });

  it('handles a pstore message of 100,000 lines as bounded reports', () => {
    const body: string[] = [
      '[  100.000000] Internal error: synchronous external abort: 0000000096000410 [#1]  SMP',
    ];
    for (let i = 0; i < 100_000; i++) body.push(`[  100.${String(i).padStart(6, '0')}]  frame_${i}+0x1/0x2`);
    const { reports } = assemble([{ text: body.join('\n'), source: 'pstore' }], LIMITS, false);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.lines.length).toBe(LIMITS.maxReportLines - RESERVE);
    expect(reports[0]?.truncatedLines).toBe(100_000 - (LIMITS.maxReportLines - RESERVE - 1));
    expect(reports[0]?.lines[0]).toBe(
      'Internal error: synchronous external abort: 0000000096000410 [#1]  SMP',
    );
  });
});
