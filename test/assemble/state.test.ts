/**
 * Per-host state is plain data: small when idle, and a JSON copy taken mid-report continues exactly
 * like the original (what the changelog snapshot/restore relies on).
 */
import { describe, expect, it } from 'vitest';
import { type HostLineState, newHostLineState } from '../../src/assemble/index.js';
import { hwIsIdle } from '../../src/parse/hw/index.js';
import { assemble } from './run.js';

const BOOT_CHATTER = [
  'mce: CPU supports 7 MCE banks',
  'EDAC MC: Ver: 3.0.0',
  'EDAC MC0: Giving out device to module skx_edac controller Skylake Socket#0 IMC#0: DEV 0000:3a:0a.0 (INTERRUPT)',
  'MCE: In-kernel MCE decoding enabled.',
  'usb 1-1: new high-speed USB device number 2 using xhci_hcd',
];

describe('per-host state', () => {
  it('stays small and empty for a host that only printed routine and boot-time lines', () => {
    const { state } = assemble(
      BOOT_CHATTER.map((text) => ({ text, bootId: '5c4f0c5e-8ad1-4d5c-9f3e-0d6a1f2b7c11' })),
    );
    expect(hwIsIdle(state.hw)).toBe(true);
    expect(state.hw.facts).toBeNull();
    expect(state.asm.open).toBeNull();
    expect(JSON.stringify(state).length).toBeLessThan(200);
  });

  it('continues identically from a JSON copy taken in the middle of a report and a GHES record', () => {
    const first = [
      '{3}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784',
      '{3}[Hardware Error]: event severity: recoverable',
      '{3}[Hardware Error]:   physical_address: 0x0000000123456780',
      'Internal error: synchronous external abort: 0000000096000410 [#1]  SMP',
      'Modules linked in: ghes_edac(E)',
    ];
    const rest = [
      '{3}[Hardware Error]:   error_type: 3, multi-bit ECC',
      'pc : d_lookup+0x5c/0x220',
      '---[ end trace 0000000000000000 ]---',
      'Kernel panic - not syncing: synchronous external abort: Fatal exception',
    ];
    const a = assemble(first, undefined, false);
    const copy = JSON.parse(JSON.stringify(a.state)) as HostLineState;
    const fromOriginal = assemble(rest, undefined, true, a.state);
    const fromCopy = assemble(rest, undefined, true, copy);
    expect(fromCopy.reports).toEqual(fromOriginal.reports);
    expect(fromCopy.signals).toEqual(fromOriginal.signals);
    expect(fromOriginal.reports[0]?.lines).toHaveLength(6);
  });

  it('starts with nothing open', () => {
    const s = newHostLineState();
    expect(s.hw).toEqual({ facts: null, held: null, blocks: null, pageShift: 12 });
    expect(s.asm.open).toBeNull();
  });
});
