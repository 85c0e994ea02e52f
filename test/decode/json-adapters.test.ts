import { describe, expect, it } from 'vitest';
import type { DecodeResult, Skipped } from '../../src/decode/errors.js';
import { decodeJournaldLine } from '../../src/decode/journald.js';
import { decodeNdjsonLine } from '../../src/decode/ndjson.js';
import type { KernelLogEvent } from '../../src/model/event.js';
import { EVENT, POISON_LINE } from './fixtures.js';

type R = DecodeResult<KernelLogEvent> | Skipped;
function value(r: R): KernelLogEvent {
  if (!r.ok)
    throw new Error(
      `expected a value, found ${'skipped' in r ? r.skipped : `${r.error.code}: ${r.error.message}`}`,
    );
  return r.value;
}
function errorOf(r: R): { code: string; message: string; field?: string } | null {
  return !r.ok && !('skipped' in r) ? r.error : null;
}

describe('ndjson adapter', () => {
  it('reads a line with every native field', () => {
    expect(value(decodeNdjsonLine(Buffer.from(JSON.stringify(EVENT))))).toEqual(EVENT);
  });

  it('fills absent and null optional fields with null', () => {
    const e = value(decodeNdjsonLine(JSON.stringify({ host: 'h1', ts: 5, message: 'x', arch: null })));
    expect(e).toEqual({
      host: 'h1',
      boot_id: null,
      ts: 5,
      uptime_us: null,
      seq: null,
      priority: null,
      message: 'x',
      arch: null,
      kernel_release: null,
      source: null,
      caller: null,
    });
  });

  it('reads ts given as an RFC 3339 string with a zone, to the microsecond', () => {
    const at = (ts: string): number =>
      value(decodeNdjsonLine(JSON.stringify({ host: 'h', ts, message: 'm' }))).ts;
    expect(at('2023-06-22T21:55:31.352444Z')).toBe(Date.UTC(2023, 5, 22, 21, 55, 31) * 1000 + 352_444);
    expect(at('2023-06-22T23:55:31.352444+02:00')).toBe(Date.UTC(2023, 5, 22, 21, 55, 31) * 1000 + 352_444);
    expect(at('2023-06-22T21:55:31Z')).toBe(Date.UTC(2023, 5, 22, 21, 55, 31) * 1000);
    expect(at('2023-06-22T21:55:31.1234567Z')).toBe(Date.UTC(2023, 5, 22, 21, 55, 31) * 1000 + 123_456);
  });

  it('names the missing or invalid field and says what it found', () => {
    expect(errorOf(decodeNdjsonLine('{"host":"h","message":"m"}'))).toMatchObject({
      code: 'MISSING_FIELD',
      field: 'ts',
    });
    const badTs = errorOf(decodeNdjsonLine('{"host":"h","ts":"yesterday","message":"m"}'));
    expect(badTs).toMatchObject({ code: 'INVALID_FIELD', field: 'ts' });
    expect(badTs?.message).toMatch(/RFC 3339.*"yesterday"/);
    expect(errorOf(decodeNdjsonLine('{"host":"h","ts":1.5,"message":"m"}'))).toMatchObject({ field: 'ts' });
    expect(errorOf(decodeNdjsonLine('{"host":"h","ts":1,"message":"m","priority":8}'))).toMatchObject({
      code: 'INVALID_FIELD',
      field: 'priority',
    });
    expect(errorOf(decodeNdjsonLine('{"host":"","ts":1,"message":"m"}'))).toMatchObject({ field: 'host' });
    expect(errorOf(decodeNdjsonLine('{"host":"h","ts":1,"message":42}'))?.message).toMatch(
      /string.*number 42/,
    );
  });

  it('rejects a line that is not JSON, not an object, not UTF-8, empty or too large', () => {
    expect(errorOf(decodeNdjsonLine('{"host":'))?.code).toBe('INVALID_JSON');
    expect(errorOf(decodeNdjsonLine('[1,2]'))).toMatchObject({
      code: 'NOT_AN_OBJECT',
      message: expect.stringMatching(/array/),
    });
    expect(errorOf(decodeNdjsonLine('"text"'))?.code).toBe('NOT_AN_OBJECT');
    expect(errorOf(decodeNdjsonLine('null'))?.code).toBe('NOT_AN_OBJECT');
    expect(errorOf(decodeNdjsonLine(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])))?.code).toBe('INVALID_UTF8');
    expect(errorOf(decodeNdjsonLine(''))?.code).toBe('EMPTY');
    const big = JSON.stringify({ host: 'h', ts: 1, message: 'x'.repeat(10 * 1024 * 1024) });
    expect(errorOf(decodeNdjsonLine(Buffer.from(big)))?.code).toBe('TOO_LARGE');
  });
});

/** A record as `journalctl -k -o json` prints it (field set of systemd's journald-kmsg.c). */
const JOURNAL = {
  __CURSOR: 's=5b2f;i=1a3;b=0f6a;m=14a6d1e7a9;t=5f9c;x=9d',
  __REALTIME_TIMESTAMP: '1750000000123456',
  __MONOTONIC_TIMESTAMP: '88690498600',
  _BOOT_ID: '1B0F6A546B774C2E9A514BD5D0B3E2A1',
  _SOURCE_MONOTONIC_TIMESTAMP: '88690498473',
  _TRANSPORT: 'kernel',
  PRIORITY: '3',
  SYSLOG_FACILITY: '0',
  SYSLOG_IDENTIFIER: 'kernel',
  MESSAGE: POISON_LINE,
  _MACHINE_ID: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  _HOSTNAME: 'web-17.fra1',
};

describe('journald adapter', () => {
  it('maps the journal fields of a kernel record', () => {
    expect(value(decodeJournaldLine(JSON.stringify(JOURNAL)))).toEqual({
      host: 'web-17.fra1',
      boot_id: '1b0f6a54-6b77-4c2e-9a51-4bd5d0b3e2a1',
      ts: 1_750_000_000_123_456,
      uptime_us: 88_690_498_473,
      seq: null,
      priority: 3,
      message: POISON_LINE,
      arch: null,
      kernel_release: null,
      source: 'journald',
      caller: null,
    });
  });

  it('takes uptime from __MONOTONIC_TIMESTAMP when the kernel stamp is absent', () => {
    const { _SOURCE_MONOTONIC_TIMESTAMP: _, ...rest } = JOURNAL;
    expect(value(decodeJournaldLine(JSON.stringify(rest))).uptime_us).toBe(88_690_498_600);
  });

  it('decodes MESSAGE given as an array of bytes (journald’s form for text that is not UTF-8)', () => {
    const bytes = [...Buffer.from('EDAC MC0: 1 CE memory read error'), 0xff];
    const e = value(decodeJournaldLine(JSON.stringify({ ...JOURNAL, MESSAGE: bytes })));
    expect(e.message).toBe('EDAC MC0: 1 CE memory read error\uFFFD');
  });

  it('skips records of other transports with a NOT_KERNEL result instead of an error', () => {
    const r = decodeJournaldLine(
      JSON.stringify({ ...JOURNAL, _TRANSPORT: 'stdout', SYSLOG_IDENTIFIER: 'sshd' }),
    );
    expect(r).toMatchObject({ ok: false, skipped: 'NOT_KERNEL' });
    expect(decodeJournaldLine(JSON.stringify({ MESSAGE: 'x' }))).toMatchObject({ skipped: 'NOT_KERNEL' });
  });

  it('reports a kernel record without MESSAGE, or with MESSAGE null, as MISSING_FIELD', () => {
    const { MESSAGE: _, ...noMessage } = JOURNAL;
    expect(errorOf(decodeJournaldLine(JSON.stringify(noMessage)))).toMatchObject({
      code: 'MISSING_FIELD',
      field: 'MESSAGE',
    });
    const nul = errorOf(decodeJournaldLine(JSON.stringify({ ...JOURNAL, MESSAGE: null })));
    expect(nul?.message).toMatch(/--all/);
  });

  it('reports bad timestamps and priorities by field name', () => {
    expect(
      errorOf(decodeJournaldLine(JSON.stringify({ ...JOURNAL, __REALTIME_TIMESTAMP: 'soon' }))),
    ).toMatchObject({
      code: 'INVALID_FIELD',
      field: '__REALTIME_TIMESTAMP',
    });
    expect(errorOf(decodeJournaldLine(JSON.stringify({ ...JOURNAL, PRIORITY: '12' })))).toMatchObject({
      field: 'PRIORITY',
    });
  });

  it('uses the fallback host only for records without _HOSTNAME', () => {
    const { _HOSTNAME: _, ...noHost } = JOURNAL;
    expect(errorOf(decodeJournaldLine(JSON.stringify(noHost)))).toMatchObject({
      code: 'MISSING_FIELD',
      field: '_HOSTNAME',
    });
    expect(value(decodeJournaldLine(JSON.stringify(noHost), { fallbackHost: 'given' })).host).toBe('given');
    expect(value(decodeJournaldLine(JSON.stringify(JOURNAL), { fallbackHost: 'given' })).host).toBe(
      'web-17.fra1',
    );
  });
});
