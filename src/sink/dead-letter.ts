/**
 * Dead letters keep the original key, value and headers byte for byte, and add headers that say
 * why and where from (DESIGN.md §5).
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

export const DLQ_HEADERS = {
  code: 'poisonlink.error.code',
  message: 'poisonlink.error.message',
  topic: 'poisonlink.source.topic',
  partition: 'poisonlink.source.partition',
  offset: 'poisonlink.source.offset',
  timestamp: 'poisonlink.source.timestamp',
} as const;

/** Codes for records that decoded but could not be processed (decode codes come from src/decode). */
export const PROCESSING_ERROR_CODES = ['PROCESSING_FAILED'] as const;

export interface DeadLetterCause {
  code: string;
  message: string;
}

const MAX_MESSAGE_CHARS = 1000;

export function deadLetterMessage(
  source: { topic: string; partition: number },
  record: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset' | 'timestamp'>,
  cause: DeadLetterCause,
): Message {
  const headers: IHeaders = { ...(record.headers ?? {}) };
  headers[DLQ_HEADERS.code] = cause.code;
  headers[DLQ_HEADERS.message] = cause.message.slice(0, MAX_MESSAGE_CHARS);
  headers[DLQ_HEADERS.topic] = source.topic;
  headers[DLQ_HEADERS.partition] = String(source.partition);
  headers[DLQ_HEADERS.offset] = record.offset;
  headers[DLQ_HEADERS.timestamp] = record.timestamp;
  return { key: record.key ?? null, value: record.value ?? null, headers };
}
