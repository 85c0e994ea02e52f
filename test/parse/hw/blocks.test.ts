/**
 * Multi-line records: x86 `__print_mce()` blocks, EDAC decoder re-prints, GHES/CPER `{N}` records
 * and AEST records, written from the formats in reference/kernel-formats.md §4–§6.
 */
import { describe, expect, it } from 'vitest';
import { advanceHw, MAX_BLOCKS, mceSeverity, newHwState, pushHwLine } from '../../../src/parse/hw/index.js';
import { ev, hw, run, T0 } from './run.js';

describe('x86 machine-check record blocks', () => {
  it('groups header, TSC/ADDR and PROCESSOR into one signal with pfn = ADDR >> 12', () => {
    const out = hw(
      run([
        'mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 4: a600000000020408',
        'mce: [Hardware Error]: TSC 0 ADDR fef4c9e0 ',
        'mce: [Hardware Error]: PROCESSOR 0:706a1 TIME 1537152664 SOCKET 0 APIC 0 microcode 28',
      ]),
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      source: 'MCE',
      recognizer: 'mce-record',
      severity: 'fatal', // UC (bit 61) and PCC (bit 57) set
      physAddr: 0xfef4c9e0,
      pfn: 0xfef4c,
      result: 'Reported',
      line: 'mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 4: a600000000020408',
    });
  });

  it('takes severity from MCi_STATUS: PCC fatal, UC uncorrected, else corrected', () => {
    expect(mceSeverity('b200000080060001')).toBe('fatal');
    expect(mceSeverity('bc00000000010090')).toBe('uncorrected');
    expect(mceSeverity('8c00004f000800c2')).toBe('corrected');
    expect(mceSeverity('9c00000000010091')).toBe('corrected');
  });

  it('closes a record at the next record header (mce_panic prints all pending records)', () => {
    const out = hw(
      run([
        'mce: [Hardware Error]: CPU 3: Machine Check Exception: 5 Bank 1: bd80000000100134',
        'mce: [Hardware Error]: RIP 10:<ffffffff8145a1c3> {copy_user_enhanced_fast_string+0x13/0x40}',
        'mce: [Hardware Error]: TSC 2db9f8ee73 ADDR 8a398a400 MISC 86 ',
        'mce: [Hardware Error]: CPU 4: Machine Check Exception: 5 Bank 1: b200000000000800',
        'mce: [Hardware Error]: TSC 2db9f8ee80 ',
        'mce: [Hardware Error]: PROCESSOR 0:50654 TIME 1789999206 SOCKET 0 APIC 8 microcode 2006906',
      ]),
    );
    expect(out.map((s) => [s.pfn, s.severity])).toEqual([
      [0x8a398a, 'uncorrected'], // bd..: UC + AR, no PCC (SRAR)
      [null, 'fatal'],
    ]);
  });

  it('keeps a record open across an interleaved routine line and closes it after an idle gap', () => {
    const s = newHwState();
    const push = (text: string, at: number) => pushHwLine(s, { event: ev({ text, at }), text });
    expect(push('mce: [Hardware Error]: CPU 1: Machine Check: 0 Bank 7: 9c00000000010091', 0)).toEqual([]);
    expect(push('systemd[1]: Started Session 4 of user root.', 10)).toEqual([]);
    expect(push('mce: [Hardware Error]: TSC 0 ADDR 123456000 ', 20)).toEqual([]);
    expect(advanceHw(s, T0 + 500_000)).toEqual([]);
    const out = hw(advanceHw(s, T0 + 5_000_000));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ pfn: 0x123456, severity: 'corrected' });
  });

  it('closes an idle record while routine lines keep coming', () => {
    const s = newHwState();
    const push = (text: string, at: number) => pushHwLine(s, { event: ev({ text, at }), text });
    const got = [
      ...push('{5}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784', 0),
      ...push('{5}[Hardware Error]:   physical_address: 0x0000000123456780', 10),
    ];
    for (let t = 100_000; t <= 3_000_000; t += 100_000) {
      const out = push('systemd-journald[402]: routine', t);
      got.push(...out);
      if (t <= 1_000_000) expect(out).toEqual([]);
    }
    expect(hw(got).map((x) => x.pfn)).toEqual([0x123456]);
    expect(s.blocks).toBeNull();
  });

  it('reads the old form without the `mce: ` prefix', () => {
    const out = hw(
      run([
        '[Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 4: b200000000070f0f',
        '[Hardware Error]: TSC 3e1f6e5f2f ',
        '[Hardware Error]: PROCESSOR 0:206a7 TIME 1330000000 SOCKET 0 APIC 0 microcode 1a',
      ]),
    );
    expect(out).toEqual([expect.objectContaining({ source: 'MCE', severity: 'fatal', pfn: null })]);
  });

  it('groups an EDAC decoder re-print (sbridge without 0x, skx with 0x)', () => {
    const sb = hw(
      run([
        'EDAC sbridge MC1: HANDLING MCE MEMORY ERROR',
        'EDAC sbridge MC1: CPU 1: Machine Check Event: 0 Bank 11: 8c00004f000800c2',
        'EDAC sbridge MC1: TSC 0 ',
        'EDAC sbridge MC1: ADDR ee30a0000 ',
        'EDAC sbridge MC1: MISC 900040004001e8c ',
        'EDAC sbridge MC1: PROCESSOR 0:306e4 TIME 1519356496 SOCKET 1 APIC 20',
      ]),
    );
    expect(sb).toEqual([
      expect.objectContaining({
        source: 'EDAC',
        recognizer: 'edac-mce-record',
        pfn: 0xee30a0,
        severity: 'corrected',
      }),
    ]);
    const skx = hw(
      run([
        'EDAC skx MC3: CPU 0: Machine Check Event: 0x0 Bank 25: 0xac00000200a00090',
        'EDAC skx MC3: TSC 0x0 ',
        'EDAC skx MC3: ADDR 0x7e025e400 ',
        'EDAC skx MC3: MISC 0x9001040028000086 ',
        'EDAC skx MC3: PROCESSOR 0:50657 TIME 1600000000 SOCKET 0 APIC 0x0',
      ]),
    );
    expect(skx).toEqual([
      expect.objectContaining({ pfn: 0x7e025e, physAddr: 0x7e025e400, severity: 'uncorrected' }),
    ]);
  });
});

const GHES_RECORD = [
  '{7}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784',
  '{7}[Hardware Error]: event severity: recoverable',
  '{7}[Hardware Error]:  imprecise tstamp: 2026-03-20 13:13:08',
  '{7}[Hardware Error]:  Error 0, type: recoverable',
  '{7}[Hardware Error]:   section_type: memory error',
  '{7}[Hardware Error]:    error_status: Storage error in DRAM memory (0x0000000000000400)',
  '{7}[Hardware Error]:   physical_address: 0x0000000123456780',
  '{7}[Hardware Error]:   physical_address_mask: 0xfffffffffffff000',
  '{7}[Hardware Error]:   node:0 card:0 module:1 rank:1 bank:13 device:6 row:64114 column:832 ',
  '{7}[Hardware Error]:   error_type: 3, multi-bit ECC',
  '{7}[Hardware Error]:   DIMM location: not present. DMI handle: 0x000e ',
];

describe('GHES / CPER records', () => {
  it('groups a record by its {N} tag: severity from `event severity:`, pfn from physical_address >> 12', () => {
    const out = hw(run(GHES_RECORD));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      source: 'GHES',
      recognizer: 'ghes-cper-record',
      severity: 'uncorrected',
      physAddr: 0x123456780,
      pfn: 0x123456,
      line: GHES_RECORD[0],
    });
  });

  it('maps fatal and corrected severities', () => {
    const fatal = GHES_RECORD.map((l) => l.replace('event severity: recoverable', 'event severity: fatal'));
    const corrected = GHES_RECORD.map((l) =>
      l.replace('event severity: recoverable', 'event severity: corrected'),
    );
    expect(hw(run(fatal))[0]?.severity).toBe('fatal');
    expect(hw(run(corrected))[0]?.severity).toBe('corrected');
  });

  it('keeps two interleaved records apart by their tags', () => {
    const other = GHES_RECORD.map((l) =>
      l.replace('{7}', '{8}').replace('0x0000000123456780', '0x0000000abcdef000'),
    );
    const lines: string[] = [];
    for (let i = 0; i < GHES_RECORD.length; i++) lines.push(GHES_RECORD[i] ?? '', other[i] ?? '');
    const out = hw(run(lines));
    expect(out.map((s) => s.pfn).sort()).toEqual([0x123456, 0xabcdef].sort());
  });

  it('closes the record before a following EDAC or memory-failure line, so the record comes first', () => {
    const out = hw(
      run([
        ...GHES_RECORD,
        'EDAC MC0: 1 UE multi-bit ECC on unknown memory (node:0 card:0 module:1 rank:1 page:0x123456 offset:0x780 grain:4096 - APEI location: node:0)',
        'Memory failure: 0x123456: recovery action for get hwpoison page: Ignored',
      ]),
    );
    expect(out.map((s) => [s.source, s.pfn])).toEqual([
      ['GHES', 0x123456],
      ['EDAC', 0x123456],
      ['MEMORY_FAILURE', 0x123456],
    ]);
    expect(out.every((s) => !s.synthetic)).toBe(true);
  });

  it('converts physical addresses with the page size an EDAC offset shows (64 KiB arm64 kernels)', () => {
    const lines = GHES_RECORD.map((l) => l.replace('0x0000000123456780', '0x00000040272d5080'));
    const out = hw(
      run([
        ...lines,
        'EDAC MC0: 1 UE multi-bit ECC on unknown memory (node:0 card:0 DIMM location: not present. DMI handle: 0x000e page:0x40272d offset:0x5080 grain:4096 - APEI location: node:0)',
        'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
      ]),
    );
    expect(out.map((s) => s.pfn)).toEqual([0x40272d, 0x40272d, 0x40272d]);
    expect(out[1]?.physAddr).toBe(0x40272d5080);
  });

  it('learns a 64 KiB page size from a verdict that follows its record directly', () => {
    const lines = GHES_RECORD.map((l) => l.replace('0x0000000123456780', '0x00000040272d5080'));
    const out = hw(
      run([...lines, 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored']),
    );
    expect(out.map((s) => [s.source, s.pfn])).toEqual([
      ['GHES', 0x40272d],
      ['MEMORY_FAILURE', 0x40272d],
    ]);
  });

  it('reads an AEST record: ERR<n>ADDR without its flag bits, severity from ERR<n>STATUS', () => {
    const out = hw(
      run([
        'AEST: {1}[Hardware Error]: Hardware error from AEST memory.90d0000',
        'AEST: {1}[Hardware Error]:  Error from memory at SRAT proximity domain 0x0',
        'AEST: {1}[Hardware Error]:   ERR0FR: 0x40000080044081',
        'AEST: {1}[Hardware Error]:   ERR0STATUS: 0xc4800390',
        'AEST: {1}[Hardware Error]:   ERR0ADDR: 0x8400000043344521',
        'AEST: {1}[Hardware Error]:   ERR0MISC0: 0x7fff00000000',
      ]),
    );
    expect(out).toEqual([
      expect.objectContaining({
        source: 'GHES',
        recognizer: 'aest-record',
        physAddr: 0x43344521,
        pfn: 0x43344,
        severity: 'uncorrected', // DE (bit 23)
      }),
    ]);
  });

  it('bounds the number of open records', () => {
    const s = newHwState();
    const lines: string[] = [];
    for (let n = 0; n < 50; n++)
      lines.push(`{${n}}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 1`);
    let emitted = 0;
    lines.forEach((text, i) => {
      emitted += pushHwLine(s, { event: ev({ text }, i), text }).length;
      expect(s.blocks === null ? 0 : s.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    });
    expect(emitted).toBe(50 - MAX_BLOCKS);
  });
});
