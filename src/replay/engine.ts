/**
 * The pure part of a replay, shared by the topic and the file readers: decoded records go to one
 * pipeline per input partition number, as in the live run (co-partitioned topics share it), in
 * chunks; after each chunk the partition's event-time watermark (highest `ts` seen) advances the
 * pipeline, exactly as src/runtime/stages.ts does, so the same input gives the same verdicts.
 * Bad records are counted and the first ones kept for the summary.
 */
import type { Collector } from '../cli/collect.js';
import type { DecodeErrorCode } from '../decode/errors.js';
import type { KernelLogEvent } from '../model/event.js';
import type { Pipeline, PipelineSink } from '../pipeline.js';

export type BadRecordCode = DecodeErrorCode | 'PROCESSING_FAILED';

export interface BadRecord {
  /** `topic/partition@offset` or `file:line` */
  where: string;
  code: BadRecordCode;
  message: string;
}

export type RecordResult =
  | { ok: true; value: KernelLogEvent }
  | { ok: false; error: { code: DecodeErrorCode; message: string } }
  | { ok: false; skipped: string; message: string };

interface Lane {
  pipeline: Pipeline;
  /** watermark the pipeline was last advanced to */
  advancedTo: number | null;
  /** highest event time seen */
  watermark: number | null;
}

export interface ReplayEngineOptions {
  collector: Collector;
  createPipeline: (sink: PipelineSink) => Pipeline;
  /** bad records kept for the summary (the counts cover all) */
  keepBad?: number;
}

export class ReplayEngine {
  private readonly lanes = new Map<number, Lane>();
  private readonly collector: Collector;
  private readonly create: (sink: PipelineSink) => Pipeline;
  private readonly keepBad: number;
  readonly bad: BadRecord[] = [];
  readonly badByCode = new Map<BadRecordCode, number>();
  skipped = 0;
  /** pipeline.advance / flush failures (bugs): the replay goes on, the summary lists them */
  readonly internalErrors: string[] = [];

  constructor(opts: ReplayEngineOptions) {
    this.collector = opts.collector;
    this.create = opts.createPipeline;
    this.keepBad = opts.keepBad ?? 20;
  }

  private lane(key: number): Lane {
    let l = this.lanes.get(key);
    if (l === undefined) {
      l = { pipeline: this.create(this.collector), advancedTo: null, watermark: null };
      this.lanes.set(key, l);
    }
    return l;
  }

  private badRecord(where: string, code: BadRecordCode, message: string): void {
    this.collector.counts.deadLetters++;
    this.badByCode.set(code, (this.badByCode.get(code) ?? 0) + 1);
    if (this.bad.length < this.keepBad) this.bad.push({ where, code, message });
  }

  /** One input record of partition `lane`, in that partition's order. Never throws. */
  record(lane: number, result: RecordResult, where: string): void {
    this.collector.counts.records++;
    if (!result.ok) {
      if ('skipped' in result) this.skipped++;
      else this.badRecord(where, result.error.code, result.error.message);
      return;
    }
    const l = this.lane(lane);
    try {
      l.pipeline.process(result.value);
    } catch (e: unknown) {
      this.badRecord(where, 'PROCESSING_FAILED', e instanceof Error ? e.message : String(e));
      return;
    }
    if (l.watermark === null || result.value.ts > l.watermark) l.watermark = result.value.ts;
  }

  /** End of a chunk of partition `lane`: advance its pipeline if event time moved. */
  endChunk(lane: number): void {
    const l = this.lanes.get(lane);
    if (l === undefined || l.watermark === null || l.watermark === l.advancedTo) return;
    l.advancedTo = l.watermark;
    try {
      l.pipeline.advance(l.watermark);
    } catch (e: unknown) {
      this.internalErrors.push(
        `pipeline.advance(${l.watermark}): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  /** End of input: every pipeline closes its open reports, lowest partition first. */
  finish(): void {
    for (const key of [...this.lanes.keys()].sort((a, b) => a - b)) {
      this.endChunk(key);
      try {
        this.lanes.get(key)?.pipeline.flush();
      } catch (e: unknown) {
        this.internalErrors.push(`pipeline.flush: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  get laneCount(): number {
    return this.lanes.size;
  }
}
