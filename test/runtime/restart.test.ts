/**
 * A partition restored from its changelog, as the runtime restores it after a crash or a
 * rebalance, at chunk boundaries chosen at random: it must emit what an uninterrupted run emits,
 * in the same order, and leave state for the same hosts on the changelog (none deleted because
 * of the restart). The Kafka side of the same guarantee is test/integration/run-kill.
 */
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createKernelLogEventCodec } from '../../src/decode/codecs.js';
import { makeEvent } from '../../src/model/event.js';
import { createPipeline } from '../../src/pipeline.js';
import { ChunkCollector, type ChunkOutputs, runChunk, WATERMARK_KEY } from '../../src/runtime/stages.js';
import { createOutputEncoders } from '../../src/sink/encoders.js';
import { createEventDecoder } from '../../src/source/decoder.js';
import { fleetRecords } from './fleet-harness.js';
import { configFrom, runSets, runTopics } from './run-harness.js';

const config = configFrom(
  runSets(
    '127.0.0.1:9',
    runTopics((s) => s, 'restart'),
  ),
);
const decoder = createEventDecoder(config);
const encoders = createOutputEncoders();
const codec = createKernelLogEventCodec();

/**
 * The sample fleet (5 replicas) as Avro records of one partition, malformed lines kept as they are,
 * and early on, every 50th record followed by a routine line of one of seven hosts that never print
 * anything else (most of a real fleet) and then stay quiet.
 */
function partitionRecords(): KafkaMessage[] {
  const values: Array<Buffer | null> = [];
  for (const [i, r] of fleetRecords(5).records.entries()) {
    let event: ReturnType<typeof makeEvent> | null = null;
    try {
      event = makeEvent(JSON.parse(String(r.value)) as Parameters<typeof makeEvent>[0]);
    } catch {
      // a malformed line stays malformed: a dead letter either way
    }
    values.push(event === null ? r.value : codec.encode(event));
    if (event !== null && i < 2_000 && i % 50 === 0) {
      const quiet = `quiet-${(i / 50) % 7}`;
      values.push(
        codec.encode(
          makeEvent({ host: quiet, ts: event.ts, uptime_us: 1_000_000 + i, message: 'eth0: link up' }),
        ),
      );
    }
  }
  return values.map((value, i) => {
    return {
      key: null,
      value,
      offset: String(i),
      timestamp: '0',
      attributes: 0,
      headers: {},
    } as KafkaMessage;
  });
}

interface RunOutput {
  verdicts: string[];
  hostEvents: string[];
  deadLetters: number;
  /**
   * the changelog compacted: per key, whether it holds state or a tombstone (the bytes may differ:
   * a snapshot is taken at the end of the chunk that changed the host, so the uptime it holds
   * depends on where chunks end), and the watermark
   */
  changelog: Map<string, string>;
}

/** Runs `messages` in chunks cut by `cut`; `restartAfter(i)` rebuilds the pipeline from the changelog. */
async function drive(
  messages: readonly KafkaMessage[],
  cut: () => number,
  restartAfter: (chunk: number) => boolean,
): Promise<RunOutput> {
  const out: RunOutput = { verdicts: [], hostEvents: [], deadLetters: 0, changelog: new Map() };
  const log = new Map<string, Buffer | null>();
  let collector = new ChunkCollector();
  let pipeline = createPipeline({ correlation: config.correlation, limits: config.state, sink: collector });
  let watermark: number | null = null;
  const take = (o: ChunkOutputs): void => {
    out.verdicts.push(...o.verdicts.map((v) => JSON.stringify(v)));
    out.hostEvents.push(...o.hostEvents.map((h) => JSON.stringify(h)));
    out.deadLetters += o.deadLetters.length;
    for (const m of o.changelog) {
      const v = m.value === null || m.value === undefined ? null : Buffer.from(m.value as Buffer | string);
      log.set(String(m.key), v);
    }
    watermark = o.watermarkUs;
  };
  for (let from = 0, chunk = 0; from < messages.length; chunk++) {
    const to = Math.min(messages.length, from + cut());
    take(
      await runChunk(
        {
          pipeline,
          collector,
          decoder,
          encoders,
          partition: 0,
          watermarkUs: watermark,
          onInternalError: (what, e) => {
            throw new Error(`${what}: ${String(e)}`);
          },
        },
        'in',
        messages.slice(from, to),
      ),
    );
    from = to;
    if (restartAfter(chunk)) {
      collector = new ChunkCollector();
      pipeline = createPipeline({ correlation: config.correlation, limits: config.state, sink: collector });
      for (const [host, bytes] of log) {
        if (bytes !== null && !host.startsWith('\u0000')) pipeline.restore(host, new Uint8Array(bytes));
      }
      const wm = log.get(WATERMARK_KEY);
      watermark = wm === undefined || wm === null ? null : Number(wm.toString('utf8'));
      if (watermark !== null) pipeline.restoreWatermark(watermark);
      pipeline.takeDirtyHosts();
    }
  }
  for (const [k, v] of log) {
    out.changelog.set(k, v === null ? 'deleted' : k === WATERMARK_KEY ? v.toString('utf8') : 'state');
  }
  return out;
}

/** Park-Miller: the same cuts for a seed on every machine. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48_271) % 2_147_483_647;
    return s / 2_147_483_647;
  };
}

describe('a partition restored from its changelog', () => {
  const messages = partitionRecords();

  it.each([1, 2, 3])(
    'emits what an uninterrupted run emits and keeps the same hosts on the changelog (restarts at random chunk boundaries, seed %i)',
    async (seed) => {
      const reference = await drive(
        messages,
        () => messages.length,
        () => false,
      );
      expect(reference.verdicts.length).toBeGreaterThan(20);
      expect(reference.hostEvents.length).toBeGreaterThan(20);
      const r = random(seed);
      const restarted = await drive(
        messages,
        () => 1 + Math.floor(r() * 2_500),
        () => r() < 0.5,
      );
      expect(restarted.verdicts).toEqual(reference.verdicts);
      expect(restarted.hostEvents).toEqual(reference.hostEvents);
      expect(restarted.deadLetters).toBe(reference.deadLetters);
      expect(restarted.changelog).toEqual(reference.changelog);
    },
  );
});
