/**
 * Turns one input record's bytes into a KernelLogEvent with the configured format, through the
 * decoders of src/decode. Never throws: bad bytes give a typed error that the runtime dead-letters.
 */
import type { Config } from '../config/schema.js';
import { createKernelLogEventCodec } from '../decode/codecs.js';
import { type DecodeResult, decodeFail, type Skipped } from '../decode/errors.js';
import { createConfluentRegistryClient } from '../decode/registry.js';
import type { KernelLogEvent } from '../model/event.js';

export type EventDecodeResult = DecodeResult<KernelLogEvent> | Skipped;

export interface EventDecoder {
  /** decode one record value; a Promise only when a schema must be fetched */
  decode(value: Buffer | null): EventDecodeResult | Promise<EventDecodeResult>;
}

/** The decoder for `input.format` (and `input.schemaRegistryUrl` for framed Avro). */
export function createEventDecoder(config: Config): EventDecoder {
  switch (config.input.format) {
    case 'avro': {
      const url = config.input.schemaRegistryUrl;
      const codec = createKernelLogEventCodec(
        url === null ? {} : { registry: createConfluentRegistryClient({ url }) },
      );
      return {
        decode(value) {
          if (value === null || value.length === 0)
            return decodeFail('EMPTY', 'expected an Avro record, found no bytes');
          // A raw record never starts with 0: that would be an empty host name.
          if (url !== null && value[0] === 0) return codec.decodeFramedAsync(value);
          return codec.decodeRaw(value);
        },
      };
    }
    case 'ndjson':
    case 'journald':
      return unavailable(config.input.format);
  }
}

function unavailable(format: string): EventDecoder {
  return {
    decode: () => decodeFail('INVALID_JSON', `the ${format} decoder is not available in this build`),
  };
}
