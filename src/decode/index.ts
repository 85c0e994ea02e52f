/**
 * src/decode: bytes and text in, KernelLogEvent out; TriagedCrash / HostHardwareEvent out as Avro.
 * DESIGN.md §2-3. Every decoder returns typed results and never throws on input.
 */
export { type AvroCodec, type AvroCodecOptions, type PreparedWriter, createAvroCodec } from './avro-codec.js';
export {
  createHostHardwareEventCodec,
  createKernelLogEventCodec,
  createTriagedCrashCodec,
} from './codecs.js';
export {
  type DmesgLineResult,
  type DmesgReader,
  type DmesgReaderOptions,
  createDmesgReader,
  parseDmesgText,
  syntheticBootId,
} from './dmesg-reader.js';
export { type LineParts, type TransportId, TRANSPORT_IDS, parseDmesgLine } from './dmesg-line.js';
export {
  DECODE_ERROR_CODES,
  DEFAULT_MAX_MESSAGE_BYTES,
  type DecodeError,
  type DecodeErrorCode,
  type DecodeResult,
  SKIP_REASONS,
  type SkipReason,
  type Skipped,
} from './errors.js';
export {
  CONFLUENT_HEADER_BYTES,
  CONFLUENT_MAGIC,
  type Frame,
  frame,
  frameSchemaId,
  readFrame,
} from './framing.js';
export { type JournaldOptions, decodeJournaldLine } from './journald.js';
export {
  AVRO_FRAMINGS,
  type AvroFraming,
  INPUT_FORMATS,
  type InputFormat,
  type KernelLogEventDecoder,
  type KernelLogEventDecoderOptions,
  type KernelLogEventResult,
  createKernelLogEventDecoder,
  detectFormat,
} from './kernel-log-event-decoder.js';
export { decodeNdjsonLine } from './ndjson.js';
export {
  type ConfluentRegistryOptions,
  type RegistryClient,
  createConfluentRegistryClient,
  createStaticRegistryClient,
} from './registry.js';
export {
  HOST_HARDWARE_EVENT_TYPE,
  KERNEL_LOG_EVENT_TYPE,
  SCHEMA_NAMES,
  SCHEMA_TEXT,
  type SchemaName,
  TRIAGED_CRASH_TYPE,
  parseAvroSchema,
} from './schemas.js';
