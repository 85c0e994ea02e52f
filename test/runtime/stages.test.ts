import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { decodeFail, decodeOk, skipped } from '../../src/decode/errors.js';
import { type KernelLogEvent, makeEvent } from '../../src/model/event.js';
import type { TriagedCrash } from '../../src/model/verdict.js';
import type { Pipeline } from '../../src/pipeline.js';
import { ChunkCollector, runChunk, WATERMARK_KEY } from '../../src/runtime/stages.js';
import type { EventDecoder } from '../../src/source/decoder.js';
import { DLQ_HEADERS } from '../../src/sink/dead-letter.js';

function msg(offset: number, value: string, headers: KafkaMessage['headers'] = {}): KafkaMessage {
  return {
    key: Buffer.from('k'),
    value: Buffer.from(value),
    timestamp: String(1_700_000_000_000 + offset),
    attributes: 0,
    offset: String(offset),
    headers,
  } as KafkaMessage;
}

/** JSON stands in for Avro here: `{"host":..,"ts":..}` decodes, `skip` is skipped, anything else is bad. */
const decoder: EventDecoder = {
  decode(value) {
    const s = value?.toString() ?? '';
    if (s === 'skip') return skipped('NOT_KERNEL', 'not a kernel record');
    try {
      const o = JSON.parse(s) as { host: string; ts: number; message?: string };
      return decodeOk(makeEvent({ host: o.host, ts: o.ts, message: o.message ?? 'line' }));
    } catch {
      return decodeFail('INVALID_AVRO', `expected a record, found '${s}'`);
    }
  },
};

function fakePipeline(sink: ChunkCollector, opts: { throwOn?: string } = {}) {
  const seen: KernelLogEvent[] = [];
  const advanced: number[] = [];
  const dirty = new Set<string>();
  const pipeline: Pipeline = {
    process(e) {
      if (e.message === opts.throwOn) throw new Error('boom in stage');
      seen.push(e);
      dirty.add(e.host);
      if (e.message === 'crash') sink.verdict({ crash_id: `c-${e.host}`, host: e.host } as TriagedCrash);
    },
    processRoutine: () => false,
    advance(w) {
      advanced.push(w);
    },
    flush() {},
    takeDirtyHosts() {
      const out = [...dirty];
      dirty.clear();
      return out;
    },
    snapshot(host) {
      return host === 'gone' ? null : new TextEncoder().encode(`state-of-${host}`);
    },
    restore() {},
    restoreWatermark() {},
    gauges: () => ({ hosts: 0, hostsWithUnrecoveredPoison: 0 }),
  };
  return { pipeline, seen, advanced };
}

const encoders = {
  verdict: (v: TriagedCrash) => Buffer.from(JSON.stringify(v)),
  hostEvent: () => Buffer.from('h'),
};

describe('one chunk through decode and the pipeline', () => {
  it('sends bad records to the dead letters with original bytes and cause, and the rest to the pipeline', async () => {
    const collector = new ChunkCollector();
    const { pipeline, seen, advanced } = fakePipeline(collector);
    const out = await runChunk(
      { pipeline, collector, decoder, encoders, partition: 4, watermarkUs: 50, onInternalError: () => {} },
      'in',
      [
        msg(10, JSON.stringify({ host: 'a', ts: 100_456_789 })),
        msg(11, 'garbage', { trace: 't1' }),
        msg(12, 'skip'),
        msg(13, JSON.stringify({ host: 'gone', ts: 90_000_000, message: 'crash' })),
      ],
    );
    expect(seen.map((e) => e.host)).toEqual(['a', 'gone']);
    // whole 100 ms ticks, before the record that enters the tick; never backwards
    expect(advanced).toEqual([100_400_000]);
    expect(out.watermarkUs).toBe(100_400_000);
    expect(out.deadLetters).toHaveLength(1);
    const dl = out.deadLetters[0]!;
    expect(dl.value?.toString()).toBe('garbage');
    expect(dl.headers).toMatchObject({
      trace: 't1',
      [DLQ_HEADERS.code]: 'INVALID_AVRO',
      [DLQ_HEADERS.topic]: 'in',
      [DLQ_HEADERS.partition]: '4',
      [DLQ_HEADERS.offset]: '11',
      [DLQ_HEADERS.timestamp]: '1700000000011',
    });
    expect(String(dl.headers?.[DLQ_HEADERS.message])).toContain("found 'garbage'");
    expect(out.changelog).toEqual([
      { key: 'a', value: Buffer.from('state-of-a'), partition: 4 },
      { key: 'gone', value: null, partition: 4 },
      { key: WATERMARK_KEY, value: '100400000', partition: 4 },
    ]);
    expect(out.verdictMessages.map((m) => m.key)).toEqual(['c-gone']);
    expect(out.tally.consumed.get('in')).toBe(4);
    expect(Object.fromEntries(out.tally.deadLettered)).toEqual({ INVALID_AVRO: 1 });
  });

  it('advances event time at the same records however the input is cut into chunks', async () => {
    const events = [3_200_000, 3_250_000, 3_900_000, 5_000_001, 4_000_000, 9_999_999].map((ts, i) =>
      msg(i, JSON.stringify({ host: `h${i % 2}`, ts })),
    );
    const trace = async (cuts: number[]) => {
      const collector = new ChunkCollector();
      const calls: string[] = [];
      const { pipeline } = fakePipeline(collector);
      const traced: Pipeline = {
        ...pipeline,
        advance: (w) => calls.push(`advance ${w}`),
        process: (e) => calls.push(`process ${e.ts}`),
      };
      let wm: number | null = null;
      let from = 0;
      for (const cut of [...cuts, events.length]) {
        const out = await runChunk(
          {
            pipeline: traced,
            collector,
            decoder,
            encoders,
            partition: 0,
            watermarkUs: wm,
            onInternalError: () => {},
          },
          'in',
          events.slice(from, cut),
        );
        wm = out.watermarkUs;
        from = cut;
      }
      return calls;
    };
    const whole = await trace([]);
    expect(whole).toEqual([
      'advance 3200000',
      'process 3200000',
      'process 3250000',
      'advance 3900000',
      'process 3900000',
      'advance 5000000',
      'process 5000001',
      'process 4000000',
      'advance 9900000',
      'process 9999999',
    ]);
    expect(await trace([1, 3])).toEqual(whole);
    expect(await trace([2, 5])).toEqual(whole);
  });

  it('does not move event time backwards', async () => {
    const collector = new ChunkCollector();
    const { pipeline, advanced } = fakePipeline(collector);
    const out = await runChunk(
      { pipeline, collector, decoder, encoders, partition: 0, watermarkUs: 500, onInternalError: () => {} },
      'in',
      [msg(1, JSON.stringify({ host: 'a', ts: 100 }))],
    );
    expect(advanced).toEqual([]);
    expect(out.watermarkUs).toBe(500);
  });

  it('dead-letters a record the pipeline fails on instead of stopping the stream', async () => {
    const collector = new ChunkCollector();
    const { pipeline, seen } = fakePipeline(collector, { throwOn: 'bad-line' });
    const errors: string[] = [];
    const out = await runChunk(
      {
        pipeline,
        collector,
        decoder,
        encoders,
        partition: 0,
        watermarkUs: null,
        onInternalError: (w) => errors.push(w),
      },
      'in',
      [
        msg(1, JSON.stringify({ host: 'a', ts: 1, message: 'bad-line' })),
        msg(2, JSON.stringify({ host: 'b', ts: 2 })),
      ],
    );
    expect(seen.map((e) => e.host)).toEqual(['b']);
    expect(errors).toEqual(['pipeline.process']);
    expect(out.deadLetters[0]?.headers?.[DLQ_HEADERS.code]).toBe('PROCESSING_FAILED');
    expect(String(out.deadLetters[0]?.headers?.[DLQ_HEADERS.message])).toBe('boom in stage');
  });
});
