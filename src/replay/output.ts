/**
 * Where replayed verdicts go: an ndjson file (one object per line, `record_type` = `crash` or
 * `host_event`, then the DESIGN.md §3 field names) or a Kafka topic keyed like the live run
 * (verdicts by crash_id, host events by host), Avro by the project's encoders or JSON.
 * Every record the pipeline emits is written, revisions included, in emission order: the same
 * stream a consumer of the live topics sees; readers keep the highest revision per crash_id.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Message, Producer } from 'kafkajs';
import type { HostHardwareEvent, TriagedCrash } from '../model/verdict.js';
import type { OutputEncoders } from '../sink/encoders.js';

export const RECORD_TYPES = ['crash', 'host_event'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** header naming the record type on every message of a replay output topic */
export const RECORD_TYPE_HEADER = 'poisonlink.record_type';

export type OutputRecord =
  | { type: 'crash'; value: TriagedCrash }
  | { type: 'host_event'; value: HostHardwareEvent };

/** One ndjson line (without the newline): `record_type` first, then the record's own fields. */
export function ndjsonLine(r: OutputRecord): string {
  return JSON.stringify({ record_type: r.type, ...r.value });
}

export interface ReplayOutput {
  /** queue one record; written by the next flush */
  add(r: OutputRecord): void;
  /** write what is queued (awaits Kafka acks / stream drain) */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** records written so far, per type */
  readonly written: Record<RecordType, number>;
  readonly description: string;
}

/** Records are kept in memory only: the caller prints them (no --output). */
export function memoryOutput(): ReplayOutput {
  const written = { crash: 0, host_event: 0 };
  return {
    written,
    description: 'no output file or topic (verdicts printed above)',
    add(r) {
      written[r.type]++;
    },
    flush: async () => {},
    close: async () => {},
  };
}

export function ndjsonFileOutput(path: string): ReplayOutput {
  const stream: WriteStream = createWriteStream(path, { encoding: 'utf8' });
  let failure: unknown = null;
  stream.on('error', (e) => {
    failure = e;
  });
  let pending: string[] = [];
  const written = { crash: 0, host_event: 0 };
  const write = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (failure !== null) {
        reject(failure);
        return;
      }
      if (stream.write(text)) resolve();
      else {
        const onError = (e: unknown): void => reject(e);
        stream.once('error', onError);
        stream.once('drain', () => {
          stream.off('error', onError);
          resolve();
        });
      }
    });
  return {
    written,
    description: `ndjson file ${path}`,
    add(r) {
      pending.push(ndjsonLine(r));
      written[r.type]++;
    },
    async flush() {
      if (pending.length === 0) return;
      const text = `${pending.join('\n')}\n`;
      pending = [];
      await write(text);
    },
    async close() {
      await this.flush();
      await new Promise<void>((resolve, reject) => {
        if (failure !== null) {
          reject(failure);
          return;
        }
        stream.end(() => (failure === null ? resolve() : reject(failure)));
      });
    },
  };
}

export const OUTPUT_FORMATS = ['avro', 'ndjson'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The Kafka message of one output record, keyed as the live run keys it. */
export function outputMessage(r: OutputRecord, format: OutputFormat, encoders: OutputEncoders): Message {
  const headers = { [RECORD_TYPE_HEADER]: r.type };
  if (r.type === 'crash') {
    const value = format === 'avro' ? encoders.verdict(r.value) : ndjsonLine(r);
    return { key: r.value.crash_id, value, headers };
  }
  const value = format === 'avro' ? encoders.hostEvent(r.value) : ndjsonLine(r);
  return { key: r.value.host, value, headers };
}

export interface TopicOutputOptions {
  producer: Producer;
  verdictTopic: string;
  hostEventTopic: string;
  format: OutputFormat;
  encoders: OutputEncoders;
}

/** Producer already connected; close() disconnects it. */
export function topicOutput(opts: TopicOutputOptions): ReplayOutput {
  let pending: OutputRecord[] = [];
  const written = { crash: 0, host_event: 0 };
  const topics =
    opts.verdictTopic === opts.hostEventTopic
      ? `topic ${opts.verdictTopic}`
      : `topics ${opts.verdictTopic} (verdicts) and ${opts.hostEventTopic} (host events)`;
  return {
    written,
    description: `${topics}, ${opts.format}`,
    add(r) {
      pending.push(r);
    },
    async flush() {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      const verdicts: Message[] = [];
      const hostEvents: Message[] = [];
      for (const r of batch) {
        (r.type === 'crash' ? verdicts : hostEvents).push(outputMessage(r, opts.format, opts.encoders));
      }
      const topicMessages = [];
      if (verdicts.length > 0) topicMessages.push({ topic: opts.verdictTopic, messages: verdicts });
      if (hostEvents.length > 0) topicMessages.push({ topic: opts.hostEventTopic, messages: hostEvents });
      await opts.producer.sendBatch({ acks: -1, topicMessages });
      written.crash += verdicts.length;
      written.host_event += hostEvents.length;
    },
    async close() {
      try {
        await this.flush();
      } finally {
        await opts.producer.disconnect();
      }
    },
  };
}

/**
 * The verdicts of an earlier run's ndjson output (for --diff): `record_type: crash` lines, and
 * lines without a record_type that carry a crash_id (older outputs). Lines that are not JSON
 * objects are counted, not fatal.
 */
export function readVerdictLines(text: string): { verdicts: TriagedCrash[]; badLines: number[] } {
  const verdicts: TriagedCrash[] = [];
  const badLines: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      badLines.push(i + 1);
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      badLines.push(i + 1);
      continue;
    }
    const rec = v as Record<string, unknown>;
    const type = rec['record_type'];
    if (type !== undefined && type !== 'crash') continue;
    if (
      typeof rec['crash_id'] !== 'string' ||
      typeof rec['revision'] !== 'number' ||
      !Array.isArray(rec['evidence'])
    ) {
      badLines.push(i + 1);
      continue;
    }
    const { record_type: _drop, ...fields } = rec;
    // a verdict written by poisonlink: the fields are the TriagedCrash fields
    verdicts.push(fields as unknown as TriagedCrash);
  }
  return { verdicts, badLines };
}
