import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createHostHardwareEventCodec,
  createKernelLogEventCodec,
  createTriagedCrashCodec,
} from '../../src/decode/codecs.js';
import { createDmesgReader } from '../../src/decode/dmesg-reader.js';
import { DECODE_ERROR_CODES, SKIP_REASONS } from '../../src/decode/errors.js';
import { createKernelLogEventDecoder } from '../../src/decode/kernel-log-event-decoder.js';
import { createStaticRegistryClient } from '../../src/decode/registry.js';
import { SCHEMA_TEXT } from '../../src/decode/schemas.js';
import { CRASH, EVENT, HOST_EVENT } from './fixtures.js';

const CODES = new Set<string>(DECODE_ERROR_CODES);
const SKIPS = new Set<string>(SKIP_REASONS);

/** Whatever the input, a result of the documented shape: a value, a known error code, or a known skip. */
function wellFormed(r: unknown): boolean {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as {
    ok?: unknown;
    error?: { code?: unknown; message?: unknown };
    skipped?: unknown;
    value?: unknown;
  };
  if (o.ok === true) return typeof o.value === 'object' && o.value !== null;
  if (o.skipped !== undefined) return SKIPS.has(String(o.skipped));
  return (
    CODES.has(String(o.error?.code)) && typeof o.error?.message === 'string' && o.error.message.length > 0
  );
}

const registry = createStaticRegistryClient(new Map([[1, SCHEMA_TEXT['kernel-log-event']]]));
const kernel = createKernelLogEventCodec({ registry });
const crash = createTriagedCrashCodec();
const host = createHostHardwareEventCodec();
const decoders = (['avro', 'ndjson', 'journald', 'dmesg'] as const).map((format) =>
  createKernelLogEventDecoder({ format, host: 'h' }),
);
const framedDecoder = createKernelLogEventDecoder({ format: 'avro', registry });
const valid = [kernel.encode(EVENT), crash.encode(CRASH), host.encode(HOST_EVENT)];

describe('every decoder on hostile input', () => {
  it('returns a typed result for random bytes, never throwing', async () => {
    await framedDecoder.prefetch([kernel.encodeFramed(EVENT, 1)]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (arr) => {
        const b = Buffer.from(arr);
        const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), b]);
        const results = [
          ...decoders.map((d) => d.decode(b)),
          framedDecoder.decode(b),
          framedDecoder.decode(framed),
          crash.decodeRaw(b),
          host.decodeRaw(b),
          kernel.decodeFramed(framed),
        ];
        return results.every(wellFormed);
      }),
      { numRuns: 3000 },
    );
  });

  it('returns a typed result for valid records with bytes changed, cut or appended', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 12 }),
        (which, edits, cut, tail) => {
          const b = Buffer.from(valid[which] as Buffer);
          for (const [at, v] of edits) b[at % b.length] = v;
          const mutated = Buffer.concat([b.subarray(0, b.length - (cut % 4)), Buffer.from(tail)]);
          return [kernel.decodeRaw(mutated), crash.decodeRaw(mutated), host.decodeRaw(mutated)].every(
            wellFormed,
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('returns a typed result for any JSON value and for objects with the right keys and wrong values', () => {
    const anyValue = fc.jsonValue({ maxDepth: 3 });
    const eventLike = fc.record(
      {
        host: anyValue,
        ts: fc.oneof(anyValue, fc.integer(), fc.constant('2023-06-22T21:55:31Z')),
        message: anyValue,
        priority: anyValue,
        uptime_us: anyValue,
        MESSAGE: fc.oneof(anyValue, fc.array(fc.integer({ min: -2, max: 300 }))),
        _TRANSPORT: fc.constantFrom('kernel', 'stdout', 3),
        __REALTIME_TIMESTAMP: anyValue,
        PRIORITY: anyValue,
        _BOOT_ID: anyValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(anyValue, eventLike), (v) => {
        const b = Buffer.from(JSON.stringify(v) ?? 'null');
        return decoders.every((d) => wellFormed(d.decode(b)));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives at most one event per text line for random text, never throwing', () => {
    const reader = createDmesgReader({ host: 'h' });
    const piece = fc.constantFrom(
      '[',
      ']',
      ' ',
      '<4>',
      '[  12.345678]',
      '[ T1]',
      'kernel:',
      'Jul  7 00:27:08 ',
      '.',
      '1',
      '@',
      '# ',
      ';',
      ',',
    );
    const line = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(line, (l) => {
        const single = l.replace(/[\r\n]/g, ' ');
        const r = reader.push(single);
        if (r.kind === 'skip') return SKIPS.has(r.reason);
        return Number.isSafeInteger(r.event.ts) && single.includes(r.event.message);
      }),
      { numRuns: 5000 },
    );
  });

  it('finishes quickly on long hostile lines (no catastrophic backtracking)', () => {
    const reader = createDmesgReader({ host: 'h' });
    const hostile = [
      `${'['.repeat(200_000)}1.`,
      `a@b:${'x'.repeat(200_000)}`,
      `${'1,'.repeat(100_000)};`,
      `Jul  7 00:27:08 ${' '.repeat(200_000)}kernel`,
      `[${' '.repeat(200_000)}1.000000`,
      `kern  :${'a'.repeat(200_000)}`,
    ];
    const t0 = performance.now();
    for (const l of hostile) reader.push(l);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
