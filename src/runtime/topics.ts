/**
 * Checks the input topics and creates the output topics when missing: as many partitions as the
 * input (the changelog must be co-partitioned with it), the changelog compacted.
 */
import type { Admin, ITopicConfig } from 'kafkajs';
import { PoisonlinkError } from '../config/errors.js';
import type { Config } from '../config/schema.js';

export interface TopicLayout {
  /** partition count shared by the state-bearing input and the changelog */
  partitions: number;
  /** the topics the stateful consumer reads (input, or the repartition topic) */
  stateTopics: string[];
}

async function partitionCounts(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const out = new Map<string, number>();
  if (present.length === 0) return out;
  const meta = await admin.fetchTopicMetadata({ topics: present });
  for (const t of meta.topics) out.set(t.name, t.partitions.length);
  return out;
}

export async function ensureTopics(admin: Admin, config: Config): Promise<TopicLayout> {
  const t = config.topics;
  const inputs = await partitionCounts(admin, t.input);
  const missing = t.input.filter((name) => !inputs.has(name));
  if (missing.length > 0) {
    throw new PoisonlinkError(
      'KAFKA_TOPIC_MISSING',
      `input topic(s) ${missing.join(', ')} do not exist on ${config.kafka.brokers.join(',')}`,
      { retriable: true },
    );
  }
  const counts = [...new Set(inputs.values())];
  const keyed = config.input.keyedByHost;
  if (keyed && counts.length > 1) {
    throw new PoisonlinkError(
      'KAFKA_TOPIC_MISMATCH',
      `input topics keyed by host must be co-partitioned, found partition counts ${[...inputs]
        .map(([n, c]) => `${n}=${c}`)
        .join(', ')}`,
    );
  }
  const partitions = Math.max(...counts);
  const wanted: ITopicConfig[] = [
    { topic: t.verdicts, numPartitions: partitions },
    { topic: t.hostEvents, numPartitions: partitions },
    { topic: t.deadLetter, numPartitions: partitions },
    {
      topic: t.changelog,
      numPartitions: partitions,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'min.compaction.lag.ms', value: '0' },
      ],
    },
  ];
  if (!keyed) wanted.push({ topic: t.repartition, numPartitions: partitions });
  const have = await partitionCounts(
    admin,
    wanted.map((w) => w.topic),
  );
  const create = wanted.filter((w) => !have.has(w.topic));
  if (create.length > 0) {
    try {
      await admin.createTopics({ topics: create, waitForLeaders: true });
    } catch (e: unknown) {
      // another instance may have created them first
      const again = await partitionCounts(
        admin,
        create.map((w) => w.topic),
      );
      if (again.size !== create.length) throw e;
    }
  }
  for (const name of keyed ? [t.changelog] : [t.changelog, t.repartition]) {
    const n = have.get(name);
    if (n !== undefined && n !== partitions) {
      throw new PoisonlinkError(
        'KAFKA_TOPIC_MISMATCH',
        `${name} has ${n} partitions but the input has ${partitions}; it must be co-partitioned with the input`,
      );
    }
  }
  return { partitions, stateTopics: keyed ? [...t.input] : [t.repartition] };
}
