/**
 * Synthetic poison (reference §2.3, §9 rule 5), glued messages, held signals and boot scoping.
 */
import { describe, expect, it } from 'vitest';
import { advanceHw, newHwState, pushHwLine } from '../../../src/parse/hw/index.js';
import { ev, hw, markers, run, T0 } from './run.js';

describe('synthetic poison', () => {
  it('marks a verdict after a madvise injection marker as synthetic', () => {
    const out = run([
      'Injecting memory failure for pfn 0x8e000 at process virtual address 0xffff80000000',
      'Memory failure: 0x8e000: recovery action for dirty LRU page: Recovered',
    ]);
    expect(markers(out)).toHaveLength(1);
    expect(hw(out)).toEqual([expect.objectContaining({ pfn: 0x8e000, synthetic: true })]);
  });

  it('marks a machine check synthetic when mce-inject prints `MCE exception done` right after it', () => {
    const out = run(['mce: [Hardware Error]: Machine check events logged', 'MCE exception done on CPU 7']);
    expect(hw(out)).toEqual([expect.objectContaining({ source: 'MCE', synthetic: true })]);
  });

  it('marks everything synthetic once EINJ is loaded, until the next boot', () => {
    const out = run([
      { text: 'EINJ: Error INJection is initialized.', bootId: 'b1', at: 0 },
      {
        text: 'EDAC MC0: 1 UE memory read error on DIMM_A1 (page:0x1234 offset:0x0 grain:32 - )',
        bootId: 'b1',
        at: 600_000_000,
      },
      {
        text: 'EDAC MC0: 1 UE memory read error on DIMM_A1 (page:0x1234 offset:0x0 grain:32 - )',
        bootId: 'b2',
        at: 700_000_000,
      },
    ]);
    expect(hw(out).map((s) => s.synthetic)).toEqual([true, false]);
  });

  it('treats any Unpoison line as a test machine for the signals near it', () => {
    const out = run([
      'Unpoison: 0x61646: software-unpoisoned page',
      'Memory failure: 0x61647: recovery action for dirty LRU page: Recovered',
    ]);
    expect(hw(out).map((s) => [s.result, s.synthetic])).toEqual([
      ['Unpoisoned', true],
      ['Recovered', true],
    ]);
  });

  it('marks a run of different pfns with no hardware record before them as software poison', () => {
    const lines: string[] = [];
    for (let p = 0x30a6a00; p < 0x30a6a08; p++) {
      lines.push(`Memory failure: 0x${p.toString(16)}: unhandlable page.`);
      lines.push(`Memory failure: 0x${p.toString(16)}: recovery action for unknown page: Ignored`);
    }
    const out = hw(run(lines));
    expect(out).toHaveLength(16);
    expect(out.every((s) => s.synthetic)).toBe(true);
  });

  it('keeps two verdicts on different pfns with no hardware record before them real', () => {
    const out = hw(
      run([
        'Memory failure: 0x1000: recovery action for dirty LRU page: Recovered',
        'Memory failure: 0x2000: recovery action for clean LRU page: Recovered',
        'systemd[1]: Started Session 4 of user root.',
        'Memory failure: 0x3000: recovery action for clean LRU page: Recovered',
      ]),
    );
    expect(out.map((s) => [s.pfn, s.synthetic])).toEqual([
      [0x1000, false],
      [0x2000, false],
      [0x3000, true], // the third pfn within a second makes it a flood
    ]);
  });

  it('keeps a single verdict with no hardware record before it real', () => {
    const out = hw(
      run([
        'Memory failure: 0x2: recovery action for reserved kernel page: Ignored',
        'Kernel panic - not syncing: Memory failure: 0x2: unrecoverable page',
      ]),
    );
    expect(out.map((s) => [s.result, s.synthetic])).toEqual([
      ['Ignored', false],
      ['Panic', false],
    ]);
  });

  it('keeps verdicts that follow a hardware record real even when several pfns come at once', () => {
    const out = hw(
      run([
        'mce: [Hardware Error]: Machine check events logged',
        'Memory failure: 0x1000: recovery action for dirty LRU page: Recovered',
        'Memory failure: 0x2000: recovery action for clean LRU page: Recovered',
      ]),
    );
    expect(out.map((s) => s.synthetic)).toEqual([false, false, false]);
  });

  it('marks page-fault-path kills synthetic in a boot with no hardware error, and real after one', () => {
    const line = 'MCE: Killing uffd-unit-tests:1321817 due to hardware memory corruption fault at 4631e000';
    expect(hw(run([line, line])).map((s) => s.synthetic)).toEqual([true, true]);
    const after = hw(
      run([
        'mce: [Hardware Error]: Machine check events logged',
        'Memory failure: 0x61646: recovery action for dirty LRU page: Recovered',
        line,
      ]),
    );
    expect(after.map((s) => [s.result, s.pfn, s.synthetic])).toEqual([
      ['Reported', null, false],
      ['Recovered', 0x61646, false],
      ['Killed', null, false],
    ]);
  });
});

describe('messages without a trailing newline', () => {
  it('reads a message glued after `user-access at %llx`', () => {
    const out = hw(
      run([
        'mce: Uncorrected hardware memory error in user-access at 8a398a400Memory failure: 0x8a398a: Sending SIGBUS to a.out:4501 due to hardware memory corruption',
      ]),
    );
    expect(out.map((s) => [s.recognizer, s.pfn])).toEqual([
      ['mce-user-access', 0x8a398a],
      ['mf-kill', 0x8a398a],
    ]);
  });

  it('gives `Memory error not recovered` the pfn of the user-access line before it', () => {
    const out = hw(
      run([
        'mce: Uncorrected hardware memory error in user-access at 8a398a400',
        'Memory failure: 0x8a398a: recovery action for unsplit thp: Failed',
        'mce: Memory error not recovered',
      ]),
    );
    expect(out.map((s) => [s.result, s.pfn])).toEqual([
      ['Reported', 0x8a398a],
      ['Failed', 0x8a398a],
      ['NotRecovered', 0x8a398a],
    ]);
  });

  it('reads `Memory error not recovered` with the next message glued on', () => {
    const out = hw(
      run(['mce: Memory error not recoveredmce: Uncorrected hardware memory error in user-access at 1000']),
    );
    expect(out.map((s) => s.result)).toEqual(['NotRecovered', 'Reported']);
  });
});

describe('held signals', () => {
  it('releases a held signal at the next routine line, or when event time passes', () => {
    const s = newHwState();
    const push = (text: string, at: number) => pushHwLine(s, { event: ev({ text, at }), text });
    expect(push('mce: [Hardware Error]: Machine check events logged', 0)).toEqual([]);
    expect(hw(push('usb 1-1: new high-speed USB device number 2 using xhci_hcd', 10))).toHaveLength(1);
    expect(push('mce: [Hardware Error]: Machine check events logged', 20)).toEqual([]);
    expect(advanceHw(s, T0 + 100)).toEqual([]);
    expect(hw(advanceHw(s, T0 + 2_000_000))).toHaveLength(1);
    expect(s.held).toBeNull();
  });
});
