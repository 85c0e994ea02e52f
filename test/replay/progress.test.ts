import { describe, expect, it } from 'vitest';
import {
  eta,
  formatCount,
  formatDuration,
  formatRate,
  ProgressReporter,
  progressText,
  RateWindow,
  renderBar,
} from '../../src/replay/progress.js';

class Clock {
  t = 1_000_000;
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

function reporter(tty: boolean, extra: { intervalMs?: number; columns?: number } = {}) {
  const clock = new Clock();
  const out: string[] = [];
  const p = new ProgressReporter({
    now: clock.now,
    write: (s) => out.push(s),
    tty,
    label: 'kernel-log-events',
    unit: 'offsets',
    ...extra,
  });
  return { clock, out, p };
}

describe('progress formatting', () => {
  it('formats durations as the largest two units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(44_600)).toBe('45s');
    expect(formatDuration(185_000)).toBe('3m05s');
    expect(formatDuration(2 * 3600_000 + 7 * 60_000)).toBe('2h07m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3600_000)).toBe('3d04h');
    expect(formatDuration(null)).toBe('--');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
  });

  it('formats counts and rates with k/M suffixes', () => {
    expect(formatCount(950)).toBe('950');
    expect(formatCount(1234)).toBe('1.23k');
    expect(formatCount(12_345)).toBe('12.3k');
    expect(formatCount(4_560_000)).toBe('4.56M');
    expect(formatRate(12_345)).toBe('12.3k/s');
  });

  it('draws a bar whose filled part is proportional to the fraction done', () => {
    expect(renderBar(0, 12)).toBe('[>         ]');
    expect(renderBar(0.5, 12)).toBe('[=====>    ]');
    expect(renderBar(1, 12)).toBe('[==========]');
    expect(renderBar(7, 12)).toBe('[==========]');
  });

  it('computes the ETA from the work left and the rate, unknown without a total or a rate', () => {
    expect(eta({ done: 200, total: 1000, records: 200 }, 100)).toBe(8000);
    expect(eta({ done: 1000, total: 1000, records: 1000 }, null)).toBe(0);
    expect(eta({ done: 200, total: null, records: 200 }, 100)).toBeNull();
    expect(eta({ done: 200, total: 1000, records: 200 }, 0)).toBeNull();
  });

  it('measures the rate over the recent window only, so a slow start stops weighing on it', () => {
    const w = new RateWindow(10_000);
    w.add({ t: 0, done: 0, records: 0 });
    w.add({ t: 10_000, done: 100, records: 100 }); // slow: 10/s
    w.add({ t: 20_000, done: 10_100, records: 10_100 }); // fast: 1000/s
    w.add({ t: 30_000, done: 20_100, records: 20_100 });
    expect(w.rates()).toEqual({ units: 1000, records: 1000 });
  });

  it('prints a plain line with counts, percentage, rate, elapsed time and ETA', () => {
    const text = progressText(
      { done: 250_000, total: 1_000_000, records: 250_000 },
      { units: 5000, records: 5000 },
      50_000,
      { tty: false, width: 80, label: 'kernel-log-events', unit: 'offsets' },
    );
    expect(text).toBe(
      'replay: kernel-log-events 250.0k of 1.00M offsets done, 250.0k records, 25%  5.00k/s  elapsed 50s  ETA 2m30s',
    );
  });

  it('drops the label, then the elapsed time, before the counts, rate and ETA on a narrow terminal', () => {
    const state = { done: 5, total: 10, records: 5 };
    const wide = progressText(state, { units: 1, records: 1 }, 5000, { tty: true, width: 120, label: 'kin' });
    expect(wide).toMatch(/^kin \[=+>? *\] 5 records, 50% {2}1\/s {2}elapsed 5s {2}ETA 5s$/);
    const narrow = progressText(state, { units: 1, records: 1 }, 5000, {
      tty: true,
      width: 50,
      label: 'kin',
    });
    expect(narrow).toMatch(/^\[=+>? *\] 5 records, 50% {2}1\/s {2}ETA 5s$/);
    expect(narrow.length).toBeLessThanOrEqual(49);
  });

  it('keeps the terminal line within the terminal width', () => {
    const text = progressText({ done: 5, total: 10, records: 5 }, { units: 1, records: 1 }, 5000, {
      tty: true,
      width: 60,
      label: 'a-very-long-topic-name,another-long-topic-name',
    });
    expect(text.length).toBeLessThanOrEqual(59);
  });
});

describe('ProgressReporter', () => {
  it('redraws the bar in place at most ten times a second on a terminal', () => {
    const { clock, out, p } = reporter(true, { columns: 120 });
    for (let i = 1; i <= 100; i++) {
      clock.advance(10); // 100 updates over one second
      p.update({ done: i * 10, total: 1000, records: i * 10 });
    }
    expect(out.length).toBe(10);
    for (const s of out) expect(s.startsWith('\r\x1b[2K')).toBe(true);
    // drawn at 10, 110, ..., 910 ms: the last one shows 910 of 1000
    expect(out.at(-1)).toContain('910 records, 91%');
    // 1000 records a second
    expect(out.at(-1)).toContain('1.00k/s');
  });

  it('shows the ETA from the measured rate', () => {
    const { clock, out, p } = reporter(true, { columns: 120 });
    clock.advance(2000);
    p.update({ done: 200, total: 1000, records: 200 });
    expect(out.at(-1)).toContain('100/s');
    expect(out.at(-1)).toContain('ETA 8s');
    expect(out.at(-1)).toContain('[');
  });

  it('writes plain lines every interval when stderr is not a terminal', () => {
    const { clock, out, p } = reporter(false, { intervalMs: 10_000 });
    for (let s = 1; s <= 35; s++) {
      clock.advance(1000);
      p.update({ done: s * 100, total: 10_000, records: s * 100 });
    }
    expect(out.length).toBe(3);
    for (const line of out) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line).not.toContain('\r');
      expect(line).not.toContain('\x1b');
    }
    expect(out[0]).toContain('1.00k of 10.0k offsets done');
    expect(out[0]).toContain('100/s');
    // 9000 left at 100/s
    expect(out[0]).toContain('ETA 1m30s');
  });

  it('ends the terminal line with the final state and writes nothing for a short run off a terminal', () => {
    const tty = reporter(true);
    tty.clock.advance(50);
    tty.p.finish({ done: 10, total: 10, records: 10 });
    expect(tty.out.at(-1)).toBe('\n');
    expect(tty.out.at(-2)).toContain('100%');

    const plain = reporter(false, { intervalMs: 10_000 });
    plain.clock.advance(500);
    plain.p.finish({ done: 10, total: 10, records: 10 });
    expect(plain.out).toEqual([]);
  });
});
