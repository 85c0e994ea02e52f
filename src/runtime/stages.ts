/**
 * One chunk of input records through decode and the pipeline, collecting everything the chunk's
 * transaction must carry. Synchronous except for schema fetches; never throws on bad records.
 */
import type { KafkaMessage, Message } from 'kafkajs';
import type { Pipeline, PipelineSink } from '../pipeline.js';
import { newRoutineRecord } from '../model/event.js';
import type { HostHardwareEvent, TriagedCrash } from '../model/verdict.js';
import type { EventDecoder } from '../source/decoder.js';
import { deadLetterMessage } from '../sink/dead-letter.js';
import type { OutputEncoders } from '../sink/encoders.js';
import { BatchTally } from '../telemetry/metrics.js';

/**
 * Event-time granularity of `pipeline.advance`: 100 ms, well under state.epilogueMs's default
 * plus the verdict latency target (a report waiting for event time to pass closes at the first
 * tick past its deadline), and coarse enough that a replay of hours advances a few times per
 * second of data, not per record.
 */
export const WATERMARK_TICK_US = 100_000;

/** Changelog key of the partition's watermark (NUL never occurs in a host name). */
export const WATERMARK_KEY = '\u0000poisonlink.watermark';

/**
 * Changelog key of the next offset to read from `topic` in this partition, written in the same
 * transaction as the state it belongs to. The group's committed offset is written by that
 * transaction too, but it can read behind the state: fetched while the transaction is still
 * completing (kafkajs cannot ask for stable offsets, KIP-447's `require_stable`; brokers before
 * Kafka 4.0 also apply transactional offsets asynchronously after the marker), or reset by an
 * operator. Records below this offset are in the state already and must not be applied again.
 */
export function offsetKey(topic: string): string {
  return `\u0000poisonlink.offset\u0000${topic}`;
}

/** Receives the pipeline's outputs; the runtime points it at the chunk being processed. */
export class ChunkCollector implements PipelineSink {
  verdicts: TriagedCrash[] = [];
  hostEvents: HostHardwareEvent[] = [];
  tally = new BatchTally();

  reset(): void {
    this.verdicts = [];
    this.hostEvents = [];
    this.tally = new BatchTally();
  }
  verdict(v: TriagedCrash): void {
    this.verdicts.push(v);
  }
  hostEvent(e: HostHardwareEvent): void {
    this.hostEvents.push(e);
  }
  hwError(s: Parameters<PipelineSink['hwError']>[0]): void {
    this.tally.hwError(s);
  }
  eviction(reason: Parameters<PipelineSink['eviction']>[0], count: number): void {
    this.tally.eviction(reason, count);
  }
  late(outcome: Parameters<PipelineSink['late']>[0]): void {
    this.tally.lateRecord(outcome);
  }
}

export interface ChunkOutputs {
  verdicts: TriagedCrash[];
  hostEvents: HostHardwareEvent[];
  verdictMessages: Message[];
  hostEventMessages: Message[];
  deadLetters: Message[];
  changelog: Message[];
  tally: BatchTally;
  /** the partition's event-time watermark (µs, whole ticks), or null before any record */
  watermarkUs: number | null;
}

export interface StageDeps {
  pipeline: Pipeline;
  collector: ChunkCollector;
  decoder: EventDecoder;
  encoders: OutputEncoders;
  /** changelog partition = input partition number (co-partitioning) */
  partition: number;
  watermarkUs: number | null;
  onInternalError: (what: string, e: unknown) => void;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Filled by the decoder's fast path for one record at a time; shared by every partition's chunks,
 * which is safe because the record loop below never awaits.
 */
const view = newRoutineRecord();

export async function runChunk(
  deps: StageDeps,
  topic: string,
  messages: readonly KafkaMessage[],
): Promise<ChunkOutputs> {
  const { pipeline, collector, decoder } = deps;
  collector.reset();
  const deadLetters: Message[] = [];
  let watermark = deps.watermarkUs;
  const source = { topic, partition: deps.partition };
  if (decoder.prefetch !== undefined) await decoder.prefetch(messages.map((m) => m.value));

  // Event time advances in whole ticks, before the record that crosses into a new tick: where
  // the pipeline sees `advance` then depends only on the record sequence, not on how the
  // records were cut into chunks, so a restarted run emits what an uninterrupted one does.
  const advanceTo = (ts: number): void => {
    const tick = Math.floor(ts / WATERMARK_TICK_US) * WATERMARK_TICK_US;
    if (watermark === null || tick > watermark) {
      watermark = tick;
      try {
        pipeline.advance(tick);
      } catch (e: unknown) {
        deps.onInternalError('pipeline.advance', e);
      }
    }
  };
  const failed = (m: KafkaMessage, e: unknown): void => {
    deps.onInternalError('pipeline.process', e);
    collector.tally.deadLetter('PROCESSING_FAILED');
    deadLetters.push(deadLetterMessage(source, m, { code: 'PROCESSING_FAILED', message: errorText(e) }));
  };
  const routine = decoder.routine;
  for (const m of messages) {
    collector.tally.consume(topic);
    // routine chatter read from its bytes; anything else (or a host not idle) is decoded in full
    if (routine?.(m.value, view) === true) {
      advanceTo(view.ts);
      try {
        if (pipeline.processRoutine(view)) continue;
      } catch (e: unknown) {
        failed(m, e);
        continue;
      }
    }
    const decoded = decoder.decode(m.value);
    if (!decoded.ok) {
      if ('skipped' in decoded) continue;
      collector.tally.deadLetter(decoded.error.code);
      deadLetters.push(deadLetterMessage(source, m, decoded.error));
      continue;
    }
    const event = decoded.value;
    advanceTo(event.ts);
    try {
      pipeline.process(event);
    } catch (e: unknown) {
      failed(m, e);
    }
  }

  return collectOutputs(deps, deadLetters, watermark);
}

/**
 * Everything the pipeline produced since the collector was reset, as the messages of one
 * transaction: verdicts, host events, dead letters, changelog (dirty hosts and the watermark).
 */
export function collectOutputs(
  deps: StageDeps,
  deadLetters: Message[],
  watermark: number | null,
): ChunkOutputs {
  const { pipeline, collector, encoders } = deps;
  const verdictMessages: Message[] = [];
  const verdicts: TriagedCrash[] = [];
  for (const v of collector.verdicts) {
    try {
      verdictMessages.push({ key: v.crash_id, value: encoders.verdict(v) });
      verdicts.push(v);
    } catch (e: unknown) {
      deps.onInternalError('encode verdict', e);
      collector.tally.deadLetter('ENCODE_FAILED');
      deadLetters.push({
        key: v.crash_id,
        value: JSON.stringify(v),
        headers: { 'poisonlink.error.code': 'ENCODE_FAILED', 'poisonlink.error.message': errorText(e) },
      });
    }
  }
  const hostEventMessages: Message[] = [];
  const hostEvents: HostHardwareEvent[] = [];
  for (const h of collector.hostEvents) {
    try {
      hostEventMessages.push({ key: h.host, value: encoders.hostEvent(h) });
      hostEvents.push(h);
    } catch (e: unknown) {
      deps.onInternalError('encode host event', e);
      collector.tally.deadLetter('ENCODE_FAILED');
      deadLetters.push({
        key: h.host,
        value: JSON.stringify(h),
        headers: { 'poisonlink.error.code': 'ENCODE_FAILED', 'poisonlink.error.message': errorText(e) },
      });
    }
  }
  const changelog: Message[] = [];
  for (const host of pipeline.takeDirtyHosts()) {
    let snap: Uint8Array | null = null;
    try {
      snap = pipeline.snapshot(host);
    } catch (e: unknown) {
      deps.onInternalError('pipeline.snapshot', e);
      continue;
    }
    changelog.push({
      key: host,
      value: snap === null ? null : Buffer.from(snap.buffer, snap.byteOffset, snap.byteLength),
      partition: deps.partition,
    });
  }
  if (watermark !== null && watermark !== deps.watermarkUs) {
    changelog.push({ key: WATERMARK_KEY, value: String(watermark), partition: deps.partition });
  }
  return {
    verdicts,
    hostEvents,
    verdictMessages,
    hostEventMessages,
    deadLetters,
    changelog,
    tally: collector.tally,
    watermarkUs: watermark,
  };
}
