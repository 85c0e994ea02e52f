import type avro from 'avsc';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  type DecodeError,
  type DecodeResult,
  decodeFail,
  decodeOk,
} from './errors.js';
import { frame, frameSchemaId, readFrame } from './framing.js';
import type { RegistryClient } from './registry.js';
import { parseAvroSchema } from './schemas.js';

/** A writer schema prepared for reading into the codec's reader schema. */
export interface PreparedWriter {
  readonly writer: avro.Type;
  /** null when the writer is the reader schema itself (no resolution needed) */
  readonly resolver: avro.Resolver | null;
}

export interface AvroCodecSpec<T> {
  /** record name for messages, e.g. `KernelLogEvent` */
  name: string;
  type: avro.Type;
  /** checks avsc does not make on read (integers beyond 2^53, ranges); null when fine */
  check(value: T): DecodeError | null;
  /** true when a decoded string holds U+FFFD (then the bytes are checked for invalid UTF-8) */
  hasReplacementChar(value: T): boolean;
}

export interface AvroCodecOptions {
  registry?: RegistryClient | null;
  maxMessageBytes?: number;
}

export interface AvroCodec<T> {
  readonly name: string;
  readonly type: avro.Type;
  /** Raw Avro body written with the reader schema, or with `writer` when given. Synchronous. */
  decodeRaw(body: Buffer, writer?: PreparedWriter): DecodeResult<T>;
  /**
   * Confluent-framed record. Synchronous: a schema id not fetched yet gives SCHEMA_NOT_LOADED
   * (retriable); call `prefetch` first, or use `decodeFramedAsync`.
   */
  decodeFramed(bytes: Buffer): DecodeResult<T>;
  decodeFramedAsync(bytes: Buffer): Promise<DecodeResult<T>>;
  /** Fetches the writer schemas of these framed records, once per id. Never rejects. */
  prefetch(records: Iterable<Buffer | null | undefined>): Promise<void>;
  /** Builds a reader for records written with `writerSchema` (Avro JSON); INCOMPATIBLE_SCHEMA when none can be. */
  prepareWriter(writerSchema: object | string): DecodeResult<PreparedWriter>;
  encode(value: T): Buffer;
  encodeFramed(value: T, schemaId: number): Buffer;
}

type WriterEntry = { ok: true; writer: PreparedWriter } | { ok: false; error: DecodeError };

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Paths of the fields that make `value` invalid for `type`, for encode errors. */
function invalidPaths(type: avro.Type, value: unknown): string {
  const paths: string[] = [];
  type.isValid(value, {
    errorHook(path: string[], v: unknown) {
      paths.push(`${path.join('.') || '(root)'} = ${JSON.stringify(v) ?? String(v)}`);
    },
  });
  return paths.join(', ');
}

export function createAvroCodec<T>(spec: AvroCodecSpec<T>, options: AvroCodecOptions = {}): AvroCodec<T> {
  const { name, type, check, hasReplacementChar } = spec;
  const registry = options.registry ?? null;
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const readerFingerprint = type.fingerprint('sha256').toString('hex');
  const writers = new Map<number, WriterEntry>();
  const pending = new Map<number, Promise<void>>();

  function prepareWriter(writerSchema: object | string): DecodeResult<PreparedWriter> {
    let writer: avro.Type;
    try {
      writer = parseAvroSchema(writerSchema);
    } catch (err: unknown) {
      return decodeFail(
        'INCOMPATIBLE_SCHEMA',
        `expected a valid Avro writer schema, found: ${messageOf(err)}`,
      );
    }
    if (writer.fingerprint('sha256').toString('hex') === readerFingerprint) {
      return decodeOk({ writer: type, resolver: null });
    }
    try {
      return decodeOk({ writer, resolver: type.createResolver(writer) });
    } catch (err: unknown) {
      return decodeFail(
        'INCOMPATIBLE_SCHEMA',
        `expected a writer schema ${name} can read, found one it cannot: ${messageOf(err)}`,
      );
    }
  }

  /** The body's strings hold U+FFFD: tell a real U+FFFD from bytes that were not UTF-8. */
  function utf8Intact(body: Buffer, writer: avro.Type): boolean {
    try {
      return writer.toBuffer(writer.fromBuffer(body)).equals(body);
    } catch {
      return false;
    }
  }

  function decodeRaw(body: Buffer, prepared?: PreparedWriter): DecodeResult<T> {
    if (body.length === 0) return decodeFail('EMPTY', `expected an Avro ${name} body, found 0 bytes`);
    if (body.length > maxBytes) {
      return decodeFail('TOO_LARGE', `expected at most ${maxBytes} bytes, found ${body.length}`);
    }
    let value: T;
    try {
      value =
        prepared === undefined || prepared.resolver === null
          ? (type.fromBuffer(body) as T)
          : (type.fromBuffer(body, prepared.resolver) as T);
    } catch (err: unknown) {
      const msg = messageOf(err);
      if (msg === 'truncated buffer') {
        return decodeFail(
          'TRUNCATED',
          `expected a complete ${name}, found ${body.length} bytes that end inside it`,
        );
      }
      if (msg === 'trailing data') {
        return decodeFail(
          'TRAILING_DATA',
          `expected one ${name} filling all ${body.length} bytes, found bytes after it`,
        );
      }
      return decodeFail('INVALID_AVRO', `expected an Avro ${name}, found bytes avsc cannot read: ${msg}`);
    }
    const bad = check(value);
    if (bad !== null) return { ok: false, error: bad };
    if (hasReplacementChar(value) && !utf8Intact(body, prepared?.writer ?? type)) {
      return decodeFail(
        'INVALID_UTF8',
        `expected UTF-8 in the strings of ${name}, found invalid byte sequences`,
      );
    }
    return { ok: true, value };
  }

  function decodeFramed(bytes: Buffer): DecodeResult<T> {
    if (bytes.length > maxBytes + 5) {
      return decodeFail('TOO_LARGE', `expected at most ${maxBytes} bytes, found ${bytes.length}`);
    }
    const f = readFrame(bytes);
    if (!f.ok) return f;
    const entry = writers.get(f.value.schemaId);
    if (entry === undefined) {
      if (registry === null) {
        return decodeFail(
          'UNKNOWN_SCHEMA_ID',
          `expected a schema id known to this decoder, found ${f.value.schemaId} and no registry is configured`,
        );
      }
      return decodeFail(
        'SCHEMA_NOT_LOADED',
        `schema id ${f.value.schemaId} has not been fetched from the registry yet`,
      );
    }
    if (!entry.ok) return { ok: false, error: entry.error };
    return decodeRaw(f.value.body, entry.writer);
  }

  async function fetchWriter(id: number): Promise<void> {
    if (registry === null || writers.has(id)) return;
    const inFlight = pending.get(id);
    if (inFlight !== undefined) return inFlight;
    const p = (async () => {
      try {
        const schema = await registry.fetchSchema(id);
        if (schema === null) {
          writers.set(id, {
            ok: false,
            error: {
              code: 'UNKNOWN_SCHEMA_ID',
              message: `expected a schema id the registry knows, found ${id}, which it does not`,
              retriable: false,
            },
          });
          return;
        }
        const prepared = prepareWriter(schema);
        writers.set(
          id,
          prepared.ok ? { ok: true, writer: prepared.value } : { ok: false, error: prepared.error },
        );
      } catch {
        // not cached: the next record with this id asks again
      } finally {
        pending.delete(id);
      }
    })();
    pending.set(id, p);
    return p;
  }

  async function prefetch(records: Iterable<Buffer | null | undefined>): Promise<void> {
    const ids = new Set<number>();
    for (const r of records) {
      if (r === null || r === undefined) continue;
      const id = frameSchemaId(r);
      if (id !== null && !writers.has(id)) ids.add(id);
    }
    await Promise.all([...ids].map(fetchWriter));
  }

  async function decodeFramedAsync(bytes: Buffer): Promise<DecodeResult<T>> {
    const first = decodeFramed(bytes);
    if (first.ok || first.error.code !== 'SCHEMA_NOT_LOADED') return first;
    const id = frameSchemaId(bytes);
    if (id !== null) await fetchWriter(id);
    const second = decodeFramed(bytes);
    if (!second.ok && second.error.code === 'SCHEMA_NOT_LOADED') {
      return decodeFail(
        'REGISTRY_UNAVAILABLE',
        `expected the registry to serve schema id ${id}, found it unreachable`,
      );
    }
    return second;
  }

  function encode(value: T): Buffer {
    try {
      return type.toBuffer(value);
    } catch (err: unknown) {
      throw new TypeError(`cannot encode ${name}: ${messageOf(err)}; invalid: ${invalidPaths(type, value)}`);
    }
  }

  return {
    name,
    type,
    decodeRaw,
    decodeFramed,
    decodeFramedAsync,
    prefetch,
    prepareWriter,
    encode,
    encodeFramed: (value, schemaId) => frame(schemaId, encode(value)),
  };
}
