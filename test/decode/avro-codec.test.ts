import { describe, expect, it } from 'vitest';
import {
  createHostHardwareEventCodec,
  createKernelLogEventCodec,
  createTriagedCrashCodec,
} from '../../src/decode/codecs.js';
import type { DecodeResult } from '../../src/decode/errors.js';
import { frame } from '../../src/decode/framing.js';
import { type RegistryClient, createStaticRegistryClient } from '../../src/decode/registry.js';
import { SCHEMA_TEXT, parseAvroSchema } from '../../src/decode/schemas.js';
import { CRASH, EVENT, HOST_EVENT } from './fixtures.js';

function value<T>(r: DecodeResult<T>): T {
  if (!r.ok) throw new Error(`expected a value, found ${r.error.code}: ${r.error.message}`);
  return r.value;
}
function code<T>(r: DecodeResult<T>): string {
  return r.ok ? 'ok' : r.error.code;
}

interface SchemaJson {
  fields: { name: string }[];
}
const today = JSON.parse(SCHEMA_TEXT['kernel-log-event']) as SchemaJson;
/** An older producer: before `kernel_release` and `caller` were added. */
const older = {
  ...today,
  fields: today.fields.filter((f) => f.name !== 'caller' && f.name !== 'kernel_release'),
};
/** A newer producer: adds `container_id` and `cpu`, and has dropped `arch`. */
const newer = {
  ...today,
  fields: [
    ...today.fields.filter((f) => f.name !== 'arch'),
    { name: 'container_id', type: ['null', 'string'], default: null, doc: 'cgroup of the task' },
    { name: 'cpu', type: ['null', 'int'], default: null, doc: 'CPU that printed the record' },
  ],
};

/** Avro zigzag varint of a (possibly > 2^53) integer. */
function varint(n: bigint): number[] {
  let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number((z & 0x7fn) | 0x80n));
    z >>= 7n;
  }
  out.push(Number(z));
  return out;
}
function avroString(bytes: number[]): number[] {
  return [...varint(BigInt(bytes.length)), ...bytes];
}
/** A KernelLogEvent body built byte by byte: host, ts and message given, every optional field null. */
function handBody(host: number[], ts: bigint, message: number[]): Buffer {
  const nul = [0];
  return Buffer.from([
    ...avroString(host),
    ...nul,
    ...varint(ts),
    ...nul,
    ...nul,
    ...nul,
    ...avroString(message),
    ...nul,
    ...nul,
    ...nul,
    ...nul,
  ]);
}
const ascii = (s: string): number[] => [...Buffer.from(s, 'utf8')];

describe('KernelLogEvent codec', () => {
  const codec = createKernelLogEventCodec();

  it('round-trips every field, with µs times as plain numbers (no Date, no Long)', () => {
    const back = value(codec.decodeRaw(codec.encode(EVENT)));
    expect(back).toEqual(EVENT);
    expect(typeof back.ts).toBe('number');
    expect(typeof back.uptime_us).toBe('number');
    expect(back.ts).toBe(1_750_000_000_123_456);
  });

  it('decodes the bytes avsc writes for a plain object of the same schema', () => {
    const bytes = parseAvroSchema(SCHEMA_TEXT['kernel-log-event']).toBuffer({ ...EVENT });
    expect(value(codec.decodeRaw(bytes))).toEqual(EVENT);
  });

  it('reads a record written by an older producer without caller and kernel_release as null', () => {
    const w = codec.prepareWriter(older);
    const body = parseAvroSchema(older).toBuffer({ ...EVENT });
    expect(value(codec.decodeRaw(body, value(w)))).toEqual({ ...EVENT, caller: null, kernel_release: null });
  });

  it('reads a record written by a newer producer, skipping its added fields and defaulting its removed arch', () => {
    const w = codec.prepareWriter(newer);
    const body = parseAvroSchema(newer).toBuffer({ ...EVENT, container_id: 'cri-o://4f1c', cpu: 3 });
    expect(value(codec.decodeRaw(body, value(w)))).toEqual({ ...EVENT, arch: null });
  });

  it('refuses a writer schema whose fields cannot be read into today’s', () => {
    const bad = {
      ...today,
      fields: today.fields.map((f) => (f.name === 'message' ? { ...f, type: 'int' } : f)),
    };
    const w = codec.prepareWriter(bad);
    expect(code(w)).toBe('INCOMPATIBLE_SCHEMA');
    expect(w.ok ? '' : w.error.message).toMatch(/KernelLogEvent/);
  });

  it('reports TRUNCATED, TRAILING_DATA and EMPTY for cut, padded and empty bodies', () => {
    const body = codec.encode(EVENT);
    expect(code(codec.decodeRaw(body.subarray(0, body.length - 3)))).toBe('TRUNCATED');
    expect(code(codec.decodeRaw(Buffer.concat([body, Buffer.from([0])])))).toBe('TRAILING_DATA');
    expect(code(codec.decodeRaw(Buffer.alloc(0)))).toBe('EMPTY');
  });

  it('rejects values outside the contract: ts beyond 2^53, priority 9, empty host', () => {
    // avsc refuses a long it cannot hold exactly; the message says so
    const huge = codec.decodeRaw(handBody(ascii('h'), 1n << 60n, ascii('x')));
    expect(huge.ok ? null : huge.error.code).toBe('INVALID_AVRO');
    expect(huge.ok ? '' : huge.error.message).toMatch(/precision loss/);
    const prio = codec.decodeRaw(
      parseAvroSchema(SCHEMA_TEXT['kernel-log-event']).toBuffer({ ...EVENT, priority: 9 }),
    );
    expect(prio.ok ? null : prio.error).toMatchObject({ code: 'INVALID_FIELD', field: 'priority' });
    expect(prio.ok ? '' : prio.error.message).toMatch(/0\.\.7.*found 9/);
    const empty = codec.decodeRaw(handBody([], 5n, ascii('x')));
    expect(empty.ok ? null : empty.error).toMatchObject({ code: 'INVALID_FIELD', field: 'host' });
  });

  it('reports INVALID_UTF8 for bytes that are not UTF-8, but keeps a real U+FFFD', () => {
    const bad = codec.decodeRaw(handBody(ascii('h'), 5n, [0x4f, 0x6f, 0xff, 0xfe, 0x70, 0x73]));
    expect(code(bad)).toBe('INVALID_UTF8');
    const real = value(codec.decodeRaw(handBody(ascii('h'), 5n, ascii('bad byte \uFFFD in text'))));
    expect(real.message).toBe('bad byte \uFFFD in text');
  });

  it('rejects a body above maxMessageBytes with TOO_LARGE before reading it', () => {
    const big = codec.encode({ ...EVENT, message: 'x'.repeat(10 * 1024 * 1024) });
    const r = codec.decodeRaw(big);
    expect(code(r)).toBe('TOO_LARGE');
    expect(r.ok ? '' : r.error.message).toMatch(/at most 1048576 bytes, found 1048\d{4}/);
    const small = createKernelLogEventCodec({ maxMessageBytes: 64 });
    expect(code(small.decodeRaw(codec.encode(EVENT)))).toBe('TOO_LARGE');
  });
});

describe('Confluent framing', () => {
  const registry = createStaticRegistryClient(
    new Map<number, string | object>([
      [1, SCHEMA_TEXT['kernel-log-event']],
      [7, older],
      [8, newer],
    ]),
  );

  it('writes magic byte 0 and the schema id big-endian before the body', () => {
    const codec = createKernelLogEventCodec();
    const framed = codec.encodeFramed(EVENT, 0x01020304);
    expect([...framed.subarray(0, 5)]).toEqual([0, 1, 2, 3, 4]);
    expect(framed.subarray(5).equals(codec.encode(EVENT))).toBe(true);
  });

  it('decodes records of today’s, an older and a newer schema by their ids once fetched', async () => {
    const codec = createKernelLogEventCodec({ registry });
    const records = [
      codec.encodeFramed(EVENT, 1),
      frame(7, parseAvroSchema(older).toBuffer({ ...EVENT })),
      frame(8, parseAvroSchema(newer).toBuffer({ ...EVENT, cpu: 1, container_id: null })),
    ];
    expect(code(codec.decodeFramed(records[0] as Buffer))).toBe('SCHEMA_NOT_LOADED');
    await codec.prefetch(records);
    const [a, b, c] = records.map((r) => value(codec.decodeFramed(r)));
    expect(a).toEqual(EVENT);
    expect(b).toEqual({ ...EVENT, caller: null, kernel_release: null });
    expect(c).toEqual({ ...EVENT, arch: null });
  });

  it('fetches each schema id from the registry once', async () => {
    const fetched: number[] = [];
    const counting: RegistryClient = {
      fetchSchema: async (id) => {
        fetched.push(id);
        return registry.fetchSchema(id);
      },
      register: registry.register,
    };
    const codec = createKernelLogEventCodec({ registry: counting });
    const rec = codec.encodeFramed(EVENT, 1);
    await Promise.all([
      codec.decodeFramedAsync(rec),
      codec.decodeFramedAsync(rec),
      codec.prefetch([rec, rec]),
    ]);
    for (let i = 0; i < 3; i++) expect(value(await codec.decodeFramedAsync(rec))).toEqual(EVENT);
    expect(fetched).toEqual([1]);
  });

  it('reports BAD_MAGIC for a record that does not start with byte 0', async () => {
    const codec = createKernelLogEventCodec({ registry });
    const r = await codec.decodeFramedAsync(codec.encode(EVENT));
    expect(r.ok ? null : r.error).toMatchObject({ code: 'BAD_MAGIC', retriable: false });
    expect(r.ok ? '' : r.error.message).toMatch(/expected magic byte 0.*found byte 22/);
  });

  it('reports UNKNOWN_SCHEMA_ID for an id the registry does not have, and without a registry', async () => {
    const codec = createKernelLogEventCodec({ registry });
    const r = await codec.decodeFramedAsync(frame(99, codec.encode(EVENT)));
    expect(r.ok ? null : r.error).toMatchObject({ code: 'UNKNOWN_SCHEMA_ID', retriable: false });
    expect(r.ok ? '' : r.error.message).toMatch(/99/);
    const none = createKernelLogEventCodec();
    expect(code(none.decodeFramed(frame(1, none.encode(EVENT))))).toBe('UNKNOWN_SCHEMA_ID');
  });

  it('reports REGISTRY_UNAVAILABLE (retriable) while the registry fails, and decodes once it answers', async () => {
    let up = false;
    const flaky: RegistryClient = {
      fetchSchema: async (id) => {
        if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:8081');
        return registry.fetchSchema(id);
      },
      register: registry.register,
    };
    const codec = createKernelLogEventCodec({ registry: flaky });
    const rec = codec.encodeFramed(EVENT, 1);
    const down = await codec.decodeFramedAsync(rec);
    expect(down.ok ? null : down.error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retriable: true });
    up = true;
    expect(value(await codec.decodeFramedAsync(rec))).toEqual(EVENT);
  });

  it('reports TRUNCATED for a header shorter than 5 bytes', () => {
    const codec = createKernelLogEventCodec({ registry });
    expect(code(codec.decodeFramed(Buffer.from([0, 0, 1])))).toBe('TRUNCATED');
  });
});

describe('TriagedCrash and HostHardwareEvent codecs', () => {
  it('round-trip a verdict with evidence, a known issue and rules_hash', () => {
    const codec = createTriagedCrashCodec();
    expect(value(codec.decodeRaw(codec.encode(CRASH)))).toEqual(CRASH);
    const framed = codec.encodeFramed(CRASH, 42);
    expect(framed.readUInt32BE(1)).toBe(42);
    expect(value(codec.decodeRaw(framed.subarray(5)))).toEqual(CRASH);
    expect(value(codec.decodeRaw(codec.encode({ ...CRASH, known_issue: null, evidence: [] })))).toMatchObject(
      {
        known_issue: null,
        evidence: [],
      },
    );
  });

  it('round-trip a host hardware event', () => {
    const codec = createHostHardwareEventCodec();
    expect(value(codec.decodeRaw(codec.encode(HOST_EVENT)))).toEqual(HOST_EVENT);
  });

  it('refuse to encode a value outside the schema, naming the field', () => {
    const codec = createTriagedCrashCodec();
    expect(() => codec.encode({ ...CRASH, category: 'MAYBE' as never })).toThrow(/category/);
  });

  it('report INVALID_AVRO for an enum index outside the symbols', () => {
    const codec = createHostHardwareEventCodec();
    const body = codec.encode(HOST_EVENT);
    // host (1+11 bytes), boot_id null (1), ts (8 bytes varint) → the source enum index follows
    const i = 1 + 11 + 1 + 8;
    expect(body[i]).toBe(0); // MEMORY_FAILURE
    const bad = Buffer.from(body);
    bad[i] = 40; // zigzag 20: no such symbol
    const r = codec.decodeRaw(bad);
    expect(r.ok ? null : r.error.code).toBe('INVALID_AVRO');
    expect(r.ok ? '' : r.error.message).toMatch(/enum index/);
  });

  it('stop at once on an array count larger than the bytes left instead of filling it', () => {
    const codec = createTriagedCrashCodec();
    const body = codec.encode(CRASH);
    // crash_id string: length 16 → varint 32, then revision 1 → 2, host ...; build a prefix up to alt_titles
    const prefix = createTriagedCrashCodec().encode({ ...CRASH, alt_titles: [] });
    const altAt = prefix.indexOf(Buffer.from('Unable to handle kernel paging request in d_lookup')) + 50;
    const hostile = Buffer.concat([
      prefix.subarray(0, altAt),
      Buffer.from(varint(1n << 40n)),
      Buffer.alloc(8),
    ]);
    const t0 = Date.now();
    const r = codec.decodeRaw(hostile);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(r.ok ? 'ok' : r.error.code).toBe('TRUNCATED');
    expect(body.length).toBeGreaterThan(hostile.length);
  });
});
