import { describe, expect, it } from 'vitest';
import { createProcessor } from '../../src/runtime/processor.js';
import { createTelemetry } from '../../src/telemetry/metrics.js';
import {
  configFrom,
  eventRecord,
  type Produced,
  produce,
  readTopic,
  runSets,
  runTopics,
  waitForCommitted,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConnection, uniqueTopic, kafkaSuite } from './kafka-env.js';

const HOSTS = 6000;
const T0 = 1_760_000_000_000_000;

describe('poisonlink run with many new hosts in one chunk', () => {
  const suite = kafkaSuite('run-wide-test');

  it('commits a chunk whose changelog snapshots together exceed one record batch of 1 MiB', async () => {
    const t = runTopics(uniqueTopic, 'wide');
    await createTopic(suite.admin, t.input, 1);
    const records: Produced[] = [];
    for (let h = 0; h < HOSTS; h++) {
      // a long host name and a boot id make each snapshot a few hundred bytes
      const host = `rack-${String(h).padStart(5, '0')}.a-rather-long-datacenter-name.example.net`;
      records.push({
        key: host,
        value: eventRecord({
          host,
          boot_id: `0b0e${String(h).padStart(4, '0')}-0000-4000-8000-000000000001`,
          ts: T0 + h * 1000,
          seq: h,
          uptime_us: 5_000_000 + h,
          message: 'EXT4-fs (nvme0n1p2): mounted filesystem with ordered data mode. Quota mode: none.',
        }),
      });
    }
    await produce(suite.kafka, t.input, records);
    const logLines: string[] = [];
    const telemetry = createTelemetry({ write: (l) => logLines.push(l), defaultMetrics: false });
    const config = configFrom(
      runSets(kafkaConnection().bootstrap, t, { 'consumer.maxBatchRecords': '6000' }),
    );
    const processor = createProcessor({ config, telemetry });
    await processor.start();
    try {
      await waitForCommitted(suite.admin, t.groupId, t.input, 120_000);
    } finally {
      await processor.stop();
    }
    expect(logLines.filter((l) => l.includes('transaction failed'))).toEqual([]);
    const changelog = await readTopic(suite.kafka, suite.admin, t.changelog);
    const hosts = new Set(
      changelog.map((r) => r.message.key?.toString()).filter((k) => k?.startsWith('rack-')),
    );
    expect(hosts.size).toBe(HOSTS);
  });
});
