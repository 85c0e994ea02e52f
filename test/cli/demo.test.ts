import { describe, expect, it, vi } from 'vitest';
import { demoCommand } from '../../src/cli/demo.js';

describe('poisonlink demo (npm start)', () => {
  it('triages the sample fleet in process and prints every bucket the sample was written to show', async () => {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      out += String(c);
      return true;
    });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      err += String(c);
      return true;
    });
    let code: number;
    try {
      code = await demoCommand(['--http-port', '0']);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    expect(code).toBe(0);
    expect(err).toMatch(/serving http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(err).toContain('dead letter: INVALID_JSON');
    expect(out).toContain('records: 2420, dead letters: 1');
    for (const bucket of [
      'HARDWARE/HW_SIGNATURE: 3',
      'HARDWARE/POISON_CORRELATED: 1',
      'KNOWN_ISSUE/KNOWN_ISSUE_RULE: 1',
      'NEW_CRASH/REGRESSION_AFTER_FIX: 1',
      'NEW_CRASH/UNMATCHED: 1',
    ]) {
      expect(out).toContain(bucket);
    }
    expect(out).toMatch(/gpu-03\s+\S+\s+REPLACE_AT_MAINTENANCE/);
  });

  it('refuses an unknown option', async () => {
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await demoCommand(['--bogus'])).toBe(2);
    } finally {
      e.mockRestore();
    }
  });
});
