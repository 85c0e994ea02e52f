import { type DecodeResult, decodeFail, decodeOk } from './errors.js';

/** Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro body. */
export const CONFLUENT_MAGIC = 0;
export const CONFLUENT_HEADER_BYTES = 5;

export interface Frame {
  schemaId: number;
  body: Buffer;
}

/** Splits a Confluent-framed record; BAD_MAGIC / TRUNCATED when it is not one. */
export function readFrame(bytes: Buffer): DecodeResult<Frame> {
  if (bytes.length === 0)
    return decodeFail('EMPTY', 'expected a Confluent-framed Avro record, found 0 bytes');
  if (bytes[0] !== CONFLUENT_MAGIC) {
    return decodeFail(
      'BAD_MAGIC',
      `expected magic byte 0 of the Confluent wire format, found byte ${bytes[0]} (0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')})`,
    );
  }
  if (bytes.length < CONFLUENT_HEADER_BYTES) {
    return decodeFail(
      'TRUNCATED',
      `expected a 5-byte Confluent header (magic byte and schema id), found ${bytes.length} bytes`,
    );
  }
  return decodeOk({ schemaId: bytes.readUInt32BE(1), body: bytes.subarray(CONFLUENT_HEADER_BYTES) });
}

/** The schema id of a framed record, or null when `bytes` is not one. */
export function frameSchemaId(bytes: Buffer): number | null {
  return bytes.length >= CONFLUENT_HEADER_BYTES && bytes[0] === CONFLUENT_MAGIC
    ? bytes.readUInt32BE(1)
    : null;
}

/** Prefixes an Avro body with the Confluent header for `schemaId`. */
export function frame(schemaId: number, body: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) {
    throw new RangeError(`schema id must be an integer in 0..2^32-1, found ${schemaId}`);
  }
  const out = Buffer.allocUnsafe(CONFLUENT_HEADER_BYTES + body.length);
  out[0] = CONFLUENT_MAGIC;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, CONFLUENT_HEADER_BYTES);
  return out;
}
