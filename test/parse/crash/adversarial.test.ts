import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeReport, isReportEnd, matchReportStart } from '../../../src/parse/crash/index.js';
import { CRASH_KINDS } from '../../../src/model/crash.js';

function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

function report(n: number): string[] {
  const lines = [
    'BUG: KASAN: use-after-free in foo_bar+0x1/0x2',
    'Read of size 8 at addr ffff888012345678 by task a/1',
    'Call Trace:',
  ];
  for (let i = 0; lines.length < n; i++) lines.push(` frame_${i % 977}+0x${(i % 4096).toString(16)}/0x1000`);
  return lines;
}

describe('adversarial input', () => {
  it('handles 1 MB lines with headers and regex-hostile text without throwing', () => {
    const mb = 1 << 20;
    const hostile = [
      `BUG: ${'a'.repeat(mb)}`,
      `WARNING: ${' at '.repeat(mb / 4)}`,
      `WARNING: ${'a/b.c:1 '.repeat(mb / 8)}`,
      `general protection fault${':'.repeat(mb)}`,
      `Kernel panic - not syncing: ${'0x'.repeat(mb / 2)}`,
      'x'.repeat(mb),
      `${'['.repeat(mb)}`,
    ];
    const t = timed(() => {
      for (const line of hostile) {
        matchReportStart(line);
        isReportEnd(line);
        const a = analyzeReport([line, line, 'Call Trace:', ` ${'f'.repeat(mb)}+0x1/0x2`]);
        expect(a.title.length).toBeLessThanOrEqual(120);
      }
    });
    expect(t).toBeLessThan(10_000);
  });

  it('never throws and always returns a typed result on binary garbage', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 60 }), (lines) => {
        for (const l of lines) {
          const s = matchReportStart(l);
          if (s !== null) expect(CRASH_KINDS).toContain(s.kind);
        }
        const a = analyzeReport(lines);
        expect(CRASH_KINDS).toContain(a.kind);
        expect(a.frames.length).toBeLessThanOrEqual(32);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws when report-like lines are shuffled with garbage', () => {
    const pieces = [
      'BUG: KASAN: slab-out-of-bounds in x+0x1/0x2',
      'Read of size 4 at addr ffff',
      'Call Trace:',
      ' foo+0x1/0x2',
      'RIP: 0010:bar+0x3/0x4',
      'Kernel panic - not syncing: Fatal exception',
      'WARNING: possible circular locking dependency detected',
      'at: baz+0x1/0x2',
      'INFO: task a:1 blocked for more than 120 seconds.',
      '---[ end trace 0000000000000000 ]---',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 80 })), { maxLength: 80 }),
        (lines) => {
          const a = analyzeReport(lines);
          expect(typeof a.title).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('analyzes a 100,000-line report in time linear in its length (bounded work)', () => {
    const small = report(10_000);
    const big = report(100_000);
    analyzeReport(small); // warm up
    const tSmall = timed(() => analyzeReport(small));
    const tBig = timed(() => analyzeReport(big));
    const a = analyzeReport(big);
    expect(a.title).toBe('KASAN: use-after-free Read in foo_bar');
    expect(a.frames.length).toBe(32);
    // Linear would be 10x; the line cap makes it less. Quadratic would be 100x.
    expect(tBig).toBeLessThan(tSmall * 30 + 200);
  });

  it('stays bounded on reports made of regex-hostile lines (no cubic or quadratic blow-up)', () => {
    const shapes = [
      `WARNING: ${'mm/a.c k'.repeat(120)}`,
      `WARNING: ${'a at b.c:1 '.repeat(90)}`,
      `WARNING: ${'lib/debugobjects.c '.repeat(60)}`,
      'a/b.'.repeat(256),
      `INFO: task ${" can't die for more than 1 ".repeat(40)}`,
      `kernel BUG at ${'IP: [<0>] '.repeat(100)}`,
      'BUG: '.repeat(200),
      'WARNING: '.repeat(110),
      'UBSAN: '.repeat(140),
    ];
    for (const s of shapes) {
      const lines = ['WARNING: suspicious RCU usage', ...Array.from({ length: 6000 }, () => s)];
      const t = timed(() => analyzeReport(lines));
      // Each of these took from seconds to minutes with backtracking patterns.
      expect(t, s.slice(0, 40)).toBeLessThan(5_000);
    }
  });
});
