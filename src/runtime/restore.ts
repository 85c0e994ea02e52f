/**
 * Restores one partition's per-host state from the changelog. The worker first commits a barrier
 * record (a unique token under a key no host can have) to changelog partition p with its own
 * transactional producer; reading partition p with read_committed up to that token then yields
 * every committed snapshot, and nothing of an aborted or fenced transaction.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { PoisonlinkError } from '../config/errors.js';

/** NUL never occurs in a host name. */
export const BARRIER_KEY = '\u0000poisonlink.restore-barrier';

export function newBarrierToken(): string {
  return `${process.pid}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

export interface RestoreOptions {
  kafka: Kafka;
  topic: string;
  partition: number;
  token: string;
  /** group id prefix of the throwaway restore consumer */
  groupPrefix: string;
  timeoutMs: number;
}

/**
 * Reads changelog partition `partition` up to the barrier; returns the last value per key (null =
 * deleted): hosts, and the runtime's own NUL-prefixed keys (watermark).
 */
export async function readChangelog(opts: RestoreOptions): Promise<Map<string, Buffer | null>> {
  const state = new Map<string, Buffer | null>();
  const groupId = `${opts.groupPrefix}.restore.${opts.partition}.${randomBytes(6).toString('hex')}`;
  const consumer = opts.kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 200,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    allowAutoTopicCreation: false,
  });
  let done: () => void = () => {};
  let fail: (e: unknown) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  let found = false;
  const timer = setTimeout(
    () =>
      fail(
        new PoisonlinkError(
          'STATE_RESTORE_FAILED',
          `restoring partition ${opts.partition} of ${opts.topic}: barrier not seen within ${opts.timeoutMs} ms`,
          { retriable: true },
        ),
      ),
    opts.timeoutMs,
  );
  consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, pause }) => {
        if (found) return;
        if (batch.partition !== opts.partition) {
          consumer.pause([{ topic: opts.topic, partitions: [batch.partition] }]);
          return;
        }
        for (const m of batch.messages) {
          const key = m.key?.toString('utf8') ?? '';
          if (key === BARRIER_KEY) {
            if (m.value?.toString('utf8') === opts.token) {
              found = true;
              pause();
              done();
              return;
            }
            continue;
          }
          if (key === '') continue;
          state.set(key, m.value === null ? null : m.value);
        }
      },
    });
    await finished;
    return state;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
    const admin = opts.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => {})
      .finally(() => admin.disconnect().catch(() => {}));
  }
}
