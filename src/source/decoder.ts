/**
 * Turns one input record's bytes into a KernelLogEvent with the configured format, through the
 * decoders of src/decode. Never throws: bad bytes give a typed error that the runtime dead-letters.
 */
import type { Config } from '../config/schema.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type DecodeResult, decodeFail, type Skipped } from '../decode/errors.js';
import { createKernelLogEventDecoder } from '../decode/kernel-log-event-decoder.js';
import { createConfluentRegistryClient } from '../decode/registry.js';
import { readRoutineRecord } from '../decode/routine-avro.js';
import type { KernelLogEvent, RoutineRecord } from '../model/event.js';
import { lineMayMatter } from '../parse/routine.js';

export type EventDecodeResult = DecodeResult<KernelLogEvent> | Skipped;

export interface EventDecoder {
  /** decode one record value (synchronous once `prefetch` ran for its chunk) */
  decode(value: Buffer | null): EventDecodeResult;
  /** fetch the writer schemas a chunk of framed Avro records needs; never rejects */
  prefetch?(values: Iterable<Buffer | null>): Promise<void>;
  /**
   * The fast path (raw Avro input): true, with `out` filled, when the record is one line of
   * routine chatter read from its bytes (src/decode/routine-avro.ts); false when it must be
   * decoded. Absent for the other input formats.
   */
  routine?(value: Buffer | null, out: RoutineRecord): boolean;
}

/** The fast path for raw Avro KernelLogEvent bodies (EventDecoder.routine). */
export function routineReader(
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): (value: Buffer | null, out: RoutineRecord) => boolean {
  return (value, out) => value !== null && readRoutineRecord(value, maxMessageBytes, lineMayMatter, out);
}

/** The decoder for `input.format` (and `input.schemaRegistryUrl` for Confluent-framed Avro). */
export function createEventDecoder(config: Config): EventDecoder {
  const url = config.input.schemaRegistryUrl;
  const inner = createKernelLogEventDecoder(
    config.input.format === 'avro' && url !== null
      ? { format: 'avro', registry: createConfluentRegistryClient({ url }), framing: 'auto' }
      : { format: config.input.format },
  );
  const decoder: EventDecoder = {
    decode(value) {
      if (value === null || value.length === 0)
        return decodeFail('EMPTY', 'expected a record, found no bytes');
      return inner.decode(value);
    },
    prefetch: (values) => inner.prefetch(values),
  };
  // raw bodies written with today's schema: routine records are read from their bytes
  if (config.input.format === 'avro' && url === null) decoder.routine = routineReader();
  return decoder;
}
