import { describe, expect, it } from 'vitest';
import { createKernelLogEventCodec } from '../../src/decode/codecs.js';
import { frame } from '../../src/decode/framing.js';
import { createKernelLogEventDecoder, detectFormat } from '../../src/decode/kernel-log-event-decoder.js';
import { createStaticRegistryClient } from '../../src/decode/registry.js';
import { SCHEMA_TEXT } from '../../src/decode/schemas.js';
import { EVENT, POISON_LINE } from './fixtures.js';

const codec = createKernelLogEventCodec();

describe('createKernelLogEventDecoder', () => {
  it('decodes raw Avro synchronously when no registry is configured', () => {
    const d = createKernelLogEventDecoder({ format: 'avro' });
    const r = d.decode(codec.encode(EVENT));
    expect(r).toEqual({ ok: true, value: EVENT });
  });

  it('expects Confluent framing with a registry: prefetch once per id, then decode synchronously', async () => {
    const registry = createStaticRegistryClient(new Map([[3, SCHEMA_TEXT['kernel-log-event']]]));
    const d = createKernelLogEventDecoder({ format: 'avro', registry });
    const batch = [codec.encodeFramed(EVENT, 3), codec.encodeFramed({ ...EVENT, seq: 2 }, 3)];
    await d.prefetch(batch);
    expect(batch.map((b) => d.decode(b))).toEqual([
      { ok: true, value: EVENT },
      { ok: true, value: { ...EVENT, seq: 2 } },
    ]);
    expect(d.decode(codec.encode(EVENT))).toMatchObject({ ok: false, error: { code: 'BAD_MAGIC' } });
    expect(await d.decodeAsync(frame(4, codec.encode(EVENT)))).toMatchObject({
      error: { code: 'UNKNOWN_SCHEMA_ID' },
    });
  });

  it('tells framed from raw records by the first byte with framing auto', async () => {
    const registry = createStaticRegistryClient(new Map([[3, SCHEMA_TEXT['kernel-log-event']]]));
    const d = createKernelLogEventDecoder({ format: 'avro', registry, framing: 'auto' });
    expect(await d.decodeAsync(codec.encodeFramed(EVENT, 3))).toEqual({ ok: true, value: EVENT });
    expect(d.decode(codec.encode(EVENT))).toEqual({ ok: true, value: EVENT });
  });

  it('decodes ndjson and journald lines and passes the journald skip through', () => {
    const nd = createKernelLogEventDecoder({ format: 'ndjson' });
    expect(nd.decode(Buffer.from(`${JSON.stringify(EVENT)}\n`))).toEqual({ ok: true, value: EVENT });
    const jd = createKernelLogEventDecoder({ format: 'journald', host: 'fallback' });
    const line = { MESSAGE: POISON_LINE, _TRANSPORT: 'kernel', __REALTIME_TIMESTAMP: '17' };
    expect(jd.decode(Buffer.from(JSON.stringify(line)))).toMatchObject({
      ok: true,
      value: { host: 'fallback', ts: 17 },
    });
    expect(jd.decode(Buffer.from(JSON.stringify({ ...line, _TRANSPORT: 'syslog' })))).toMatchObject({
      skipped: 'NOT_KERNEL',
    });
  });

  it('reads dmesg lines one record at a time, keeping boot state between them', () => {
    const d = createKernelLogEventDecoder({ format: 'dmesg', host: 'h', dmesg: { bootTimeUs: 1_000_000 } });
    const a = d.decode(Buffer.from('[    2.000000] first\n'));
    const b = d.decode(Buffer.from('[    3.000000] second'));
    expect(a).toMatchObject({ ok: true, value: { ts: 3_000_000, message: 'first', host: 'h' } });
    expect(b).toMatchObject({ ok: true, value: { ts: 4_000_000, message: 'second' } });
    expect(d.decode(Buffer.from(''))).toMatchObject({ ok: false, skipped: 'NOT_A_RECORD' });
  });

  it('rejects a 10 MB record with TOO_LARGE in every format, and honours maxMessageBytes', () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x61);
    for (const format of ['avro', 'ndjson', 'journald', 'dmesg'] as const) {
      expect(createKernelLogEventDecoder({ format }).decode(big), format).toMatchObject({
        error: { code: 'TOO_LARGE' },
      });
    }
    const framed = createKernelLogEventDecoder({
      format: 'avro',
      registry: createStaticRegistryClient(new Map()),
    });
    expect(framed.decode(frame(1, big))).toMatchObject({ error: { code: 'TOO_LARGE' } });
    const small = createKernelLogEventDecoder({ format: 'ndjson', maxMessageBytes: 10 });
    expect(small.decode(Buffer.from(JSON.stringify(EVENT)))).toMatchObject({ error: { code: 'TOO_LARGE' } });
  });
});

describe('detectFormat', () => {
  it('recognises journald export, ndjson and dmesg text from their first lines', () => {
    expect(
      detectFormat('{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1","_TRANSPORT":"kernel","MESSAGE":"x"}\n'),
    ).toBe('journald');
    expect(detectFormat(`${JSON.stringify(EVENT)}\n${JSON.stringify(EVENT)}\n`)).toBe('ndjson');
    expect(detectFormat('[    0.000000] Linux version 6.6.0 (gcc 12)\n')).toBe('dmesg');
    expect(detectFormat('Jul  7 00:27:08 rockpro64 kernel: [  233.001921] Internal error\n')).toBe('dmesg');
    expect(detectFormat('\n\n{"host":"h","ts":1,"message":"m"}\n')).toBe('ndjson');
    expect(detectFormat('{ this is not json\n[   1.000000] x\n')).toBe('dmesg');
    expect(detectFormat('')).toBe('dmesg');
  });
});
