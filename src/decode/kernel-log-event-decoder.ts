import type { KernelLogEvent } from '../model/event.js';
import { createKernelLogEventCodec } from './codecs.js';
import { createDmesgReader, type DmesgReaderOptions } from './dmesg-reader.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type DecodeResult, type Skipped, decodeFail, skipped } from './errors.js';
import { decodeJournaldLine } from './journald.js';
import { decodeNdjsonLine } from './ndjson.js';
import type { RegistryClient } from './registry.js';

export const INPUT_FORMATS = ['avro', 'ndjson', 'journald', 'dmesg'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export const AVRO_FRAMINGS = ['raw', 'confluent', 'auto'] as const;
export type AvroFraming = (typeof AVRO_FRAMINGS)[number];

/** A decoded event, a typed error (dead-letter it), or a record to skip (not a kernel record). */
export type KernelLogEventResult = DecodeResult<KernelLogEvent> | Skipped;

export interface KernelLogEventDecoderOptions {
  format: InputFormat;
  /** avro: the schema registry for Confluent-framed records */
  registry?: RegistryClient | null;
  /**
   * avro: `confluent` (magic byte, schema id, body; the default when a registry is given), `raw`
   * (the body alone, written with today's schema; the default without a registry), or `auto`
   * (byte 0 first means framed: a raw KernelLogEvent starts with its host's length, never 0).
   */
  framing?: AvroFraming;
  /** records above this many bytes are TOO_LARGE (default 1 MiB) */
  maxMessageBytes?: number;
  /** journald: host for records without _HOSTNAME; dmesg: host for lines that name none (default `unknown`) */
  host?: string;
  /** dmesg: boot time, boot id, year... (see createDmesgReader) */
  dmesg?: Omit<DmesgReaderOptions, 'host'>;
}

export interface KernelLogEventDecoder {
  readonly format: InputFormat;
  /**
   * One record (one Kafka value, one text line) → event, typed error or skip. Synchronous and
   * never throws. A framed Avro record whose schema id has not been fetched yet gives
   * SCHEMA_NOT_LOADED (retriable): call `prefetch` for the batch first, or use `decodeAsync`.
   */
  decode(bytes: Buffer): KernelLogEventResult;
  /** As decode, fetching an unknown writer schema first (once per id); REGISTRY_UNAVAILABLE when that fails. */
  decodeAsync(bytes: Buffer): Promise<KernelLogEventResult>;
  /** Fetches the writer schemas a batch of framed records needs, once per id. Never rejects. */
  prefetch(records: Iterable<Buffer | null | undefined>): Promise<void>;
}

export function createKernelLogEventDecoder(opts: KernelLogEventDecoderOptions): KernelLogEventDecoder {
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const noPrefetch = async (): Promise<void> => {};
  switch (opts.format) {
    case 'avro': {
      const registry = opts.registry ?? null;
      const codec = createKernelLogEventCodec({ registry, maxMessageBytes: maxBytes });
      const framing = opts.framing ?? (registry === null ? 'raw' : 'confluent');
      if (framing === 'raw') {
        // the hot path: nothing between the caller and the codec
        const decode = (bytes: Buffer): KernelLogEventResult => codec.decodeRaw(bytes);
        return { format: 'avro', decode, decodeAsync: async (b) => decode(b), prefetch: noPrefetch };
      }
      const isFramed = (b: Buffer): boolean => framing === 'confluent' || (b.length > 0 && b[0] === 0);
      return {
        format: 'avro',
        decode: (b) => (isFramed(b) ? codec.decodeFramed(b) : codec.decodeRaw(b)),
        decodeAsync: async (b) => (isFramed(b) ? codec.decodeFramedAsync(b) : codec.decodeRaw(b)),
        prefetch: (records) => codec.prefetch(records),
      };
    }
    case 'ndjson': {
      const decode = (b: Buffer): KernelLogEventResult => decodeNdjsonLine(b, maxBytes);
      return { format: 'ndjson', decode, decodeAsync: async (b) => decode(b), prefetch: noPrefetch };
    }
    case 'journald': {
      const decode = (b: Buffer): KernelLogEventResult =>
        decodeJournaldLine(b, { maxMessageBytes: maxBytes, fallbackHost: opts.host ?? null });
      return { format: 'journald', decode, decodeAsync: async (b) => decode(b), prefetch: noPrefetch };
    }
    case 'dmesg': {
      const reader = createDmesgReader({ ...opts.dmesg, host: opts.host ?? 'unknown' });
      const decode = (b: Buffer): KernelLogEventResult => {
        if (b.length > maxBytes) {
          return decodeFail(
            'TOO_LARGE',
            `expected a dmesg line of at most ${maxBytes} bytes, found ${b.length}`,
          );
        }
        let text = b.toString('utf8');
        if (text.endsWith('\n')) text = text.slice(0, -1);
        if (text.includes('\n')) {
          return decodeFail(
            'INVALID_FIELD',
            'expected one dmesg line per record, found several lines',
            'message',
          );
        }
        const r = reader.push(text);
        return r.kind === 'event'
          ? { ok: true, value: r.event }
          : skipped(r.reason, `${r.reason}: ${r.line.slice(0, 80)}`);
      };
      return { format: 'dmesg', decode, decodeAsync: async (b) => decode(b), prefetch: noPrefetch };
    }
  }
}

/**
 * Which adapter reads a file, from its first lines: JSON objects with journald's fields
 * (`__REALTIME_TIMESTAMP`, `_TRANSPORT`, `MESSAGE`) are journald, other JSON objects ndjson,
 * anything else dmesg text.
 */
export function detectFormat(sample: string): 'ndjson' | 'journald' | 'dmesg' {
  const lines = sample.split('\n', 50).filter((l) => l.trim() !== '');
  let json = 0;
  let journald = 0;
  for (const line of lines.slice(0, 20)) {
    const t = line.trim();
    if (!t.startsWith('{')) return 'dmesg';
    try {
      const v: unknown = JSON.parse(t);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'dmesg';
      json++;
      if ('__REALTIME_TIMESTAMP' in v || '_TRANSPORT' in v || 'MESSAGE' in v) journald++;
    } catch {
      // a line cut by the sample's end, or a long line; judged by the others
    }
  }
  if (json === 0) return 'dmesg';
  return journald > 0 ? 'journald' : 'ndjson';
}
