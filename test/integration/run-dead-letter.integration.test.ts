import { describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline, type PipelineSink } from '../../src/pipeline.js';
import type { KernelLogEvent } from '../../src/model/event.js';
import { createProcessor } from '../../src/runtime/processor.js';
import { DLQ_HEADERS } from '../../src/sink/dead-letter.js';
import { createTelemetry } from '../../src/telemetry/metrics.js';
import {
  configFrom,
  eventRecord,
  headerText,
  type Produced,
  produce,
  readTopic,
  runSets,
  runTopics,
  waitForCommitted,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConnection, uniqueTopic, kafkaSuite } from './kafka-env.js';

const HOSTS = 10;
const PER_HOST = 30;
const T0 = 1_760_000_000_000_000;

describe('poisonlink run with bad records mixed into the input', () => {
  const suite = kafkaSuite('run-dlq-test');

  it('dead-letters every bad record with its original bytes, headers and cause, and processes every good one exactly once', async () => {
    const t = runTopics(uniqueTopic, 'dlq');
    await createTopic(suite.admin, t.input, 3);

    const records: Produced[] = [];
    const bad: Array<{ value: Buffer | null; expectCode: string; marker: string }> = [];
    for (let i = 0; i < PER_HOST; i++) {
      for (let h = 0; h < HOSTS; h++) {
        const host = `node-${h}`;
        records.push({
          key: host,
          value: eventRecord({
            host,
            ts: T0 + (i * HOSTS + h) * 1000,
            seq: i,
            uptime_us: 5_000_000 + i * 1000,
            message: `[    5.${String(i * 1000).padStart(6, '0')}] systemd[1]: Started unit ${i}.`,
          }),
        });
      }
      if (i % 3 === 0) {
        const marker = `bad-${i}`;
        const host = `node-${i % HOSTS}`;
        const kind = (i / 3) % 3;
        const good = eventRecord({ host, ts: T0, message: 'x' });
        // trailing bytes after a whole record, no bytes at all, a record cut short
        const cases = [
          { value: Buffer.concat([good, Buffer.from(marker)]), expectCode: 'TRAILING_DATA' },
          { value: Buffer.alloc(0), expectCode: 'EMPTY' },
          { value: good.subarray(0, good.length - 3), expectCode: 'TRUNCATED' },
        ] as const;
        const { value, expectCode } = cases[kind]!;
        bad.push({ value, expectCode, marker });
        records.push({ key: host, value, headers: { 'x-test-marker': marker } });
      }
    }
    await produce(suite.kafka, t.input, records);

    const processed: KernelLogEvent[] = [];
    const spy = (sink: PipelineSink): Pipeline => {
      const real = createPipeline({
        correlation: configFrom({}).correlation,
        limits: configFrom({}).state,
        sink,
      });
      return {
        ...real,
        process(e) {
          processed.push(e);
          real.process(e);
        },
      };
    };
    const logLines: string[] = [];
    const telemetry = createTelemetry({ write: (l) => logLines.push(l), defaultMetrics: false });
    const config = configFrom(runSets(kafkaConnection().bootstrap, t, { 'consumer.maxBatchRecords': '50' }));
    const processor = createProcessor({ config, telemetry, createPipeline: spy });
    await processor.start();
    try {
      await waitForCommitted(suite.admin, t.groupId, t.input, 90_000);
      expect(processor.ready()).toBe(true);
    } finally {
      await processor.stop();
    }

    // every good record reached the pipeline exactly once
    const good = processed.map((e) => `${e.host}/${e.seq}`).sort();
    const expectedGood = Array.from(
      { length: HOSTS * PER_HOST },
      (_, k) => `node-${k % HOSTS}/${Math.floor(k / HOSTS)}`,
    ).sort();
    expect(good).toEqual(expectedGood);

    // every bad record is in the DLQ once, byte for byte, with its cause and origin
    const dlq = await readTopic(suite.kafka, suite.admin, t.deadLetter);
    expect(dlq).toHaveLength(bad.length);
    const inputByOffset = await readTopic(suite.kafka, suite.admin, t.input);
    for (const b of bad) {
      const hit = dlq.filter((r) => headerText(r.message.headers, 'x-test-marker') === b.marker);
      expect(hit, b.marker).toHaveLength(1);
      const m = hit[0]!.message;
      expect(Buffer.compare(m.value ?? Buffer.alloc(0), b.value ?? Buffer.alloc(0)), b.marker).toBe(0);
      expect(headerText(m.headers, DLQ_HEADERS.code)).toBe(b.expectCode);
      expect(headerText(m.headers, DLQ_HEADERS.message)?.length).toBeGreaterThan(5);
      expect(headerText(m.headers, DLQ_HEADERS.topic)).toBe(t.input);
      const partition = Number(headerText(m.headers, DLQ_HEADERS.partition));
      const offset = headerText(m.headers, DLQ_HEADERS.offset);
      const original = inputByOffset.find((r) => r.partition === partition && r.message.offset === offset);
      expect(original, `${b.marker} points at its source record`).toBeDefined();
      expect(headerText(original!.message.headers, 'x-test-marker')).toBe(b.marker);
      expect(headerText(m.headers, DLQ_HEADERS.timestamp)).toBe(original!.message.timestamp);
    }

    // the changelog got an entry (snapshot or tombstone) for every host
    const changelog = await readTopic(suite.kafka, suite.admin, t.changelog);
    const hosts = new Set(
      changelog
        .map((r) => r.message.key?.toString())
        .filter((k) => k !== undefined && !k.startsWith('\u0000')),
    );
    expect(hosts.size).toBe(HOSTS);

    const metrics = await telemetry.registry.metrics();
    expect(metrics).toContain(`poisonlink_records_consumed_total{topic="${t.input}"} ${records.length}`);
    for (const code of ['TRAILING_DATA', 'EMPTY', 'TRUNCATED']) {
      const n = bad.filter((b) => b.expectCode === code).length;
      expect(n).toBeGreaterThan(0);
      expect(metrics).toContain(`poisonlink_records_dead_lettered_total{reason="${code}"} ${n}`);
    }
  });
});
