/**
 * Issue 6 item 8e: the broker is restarted while the processor has a backlog; processing resumes
 * by itself, nothing is lost or duplicated, and the outputs equal an uninterrupted run.
 *
 * The shared test broker has no restart hook, so this test starts its own broker with the
 * harness's startBroker(), and restarts it by stopping its JVM (SIGTERM, a controlled shutdown)
 * and launching the same command line again in the same folder (same ports, same data) under the
 * harness's watchdog, so the JVM cannot outlive the test.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../scripts/kafka/broker.js';
import {
  committedOutputs,
  duplicateVerdicts,
  fleetRecords,
  progress,
  uninterruptedOutputs,
} from '../runtime/fleet-harness.js';
import {
  type ChildRun,
  configFrom,
  produce,
  REPO_ROOT,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
} from '../runtime/run-harness.js';
import { createTopic, uniqueTopic } from './kafka-env.js';

const REPLICAS = 30;
const PARTITIONS = 3;
const WATCHDOG = path.join(REPO_ROOT, 'scripts', 'kafka', 'watchdog.sh');

function jvmPid(pgid: number): number {
  const res = spawnSync('pgrep', ['-g', String(pgid), '-f', 'kafka.Kafka'], { encoding: 'utf8' });
  const pids = res.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0 && n !== pgid);
  if (pids[0] === undefined) throw new Error(`no Kafka JVM in process group ${pgid}`);
  return pids[0];
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('poisonlink run across a broker restart', () => {
  let broker: RunningBroker | undefined;
  let relaunched: ChildProcess | undefined;
  const children: ChildRun[] = [];

  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    if (relaunched?.pid !== undefined) {
      try {
        process.kill(-relaunched.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await broker?.stop();
  });

  it('resumes by itself after the broker restarts mid-stream, losing and duplicating nothing', async () => {
    broker = await startBroker({ stopTimeoutMs: 8_000 });
    const kafka = new Kafka({
      clientId: 'run-broker-restart-test',
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    let admin = kafka.admin();
    await admin.connect();
    const t = runTopics(uniqueTopic, 'brestart');
    await createTopic(admin, t.input, PARTITIONS);
    const { records } = fleetRecords(REPLICAS);
    const sets = runSets(broker.bootstrap, t, {
      'input.format': 'ndjson',
      'consumer.maxBatchRecords': '500',
    });
    const firstPart = Math.floor(records.length * 0.7);
    await produce(kafka, t.input, records.slice(0, firstPart));

    const run = spawnRun(setArgs(sets));
    children.push(run);
    await until(
      'the processor to commit some records',
      async () => (await progress(admin, t.groupId, t.input, records.length)).committed >= 2_000n,
      90_000,
    );
    const before = await progress(admin, t.groupId, t.input, records.length);
    expect(before.committed < BigInt(firstPart)).toBe(true);

    // restart: stop the JVM cleanly, start the same command line again
    const pid = jvmPid(broker.pgid);
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    await admin.disconnect();
    process.kill(pid, 'SIGTERM');
    await until(
      'the broker JVM to exit',
      async () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const logFd = openSync(broker.logFile, 'a');
    relaunched = spawn('bash', [WATCHDOG, ...args], { cwd, detached: true, stdio: ['pipe', logFd, logFd] });
    closeSync(logFd);
    admin = kafka.admin();
    await until(
      'the restarted broker to answer',
      async () => {
        try {
          await admin.connect();
          await admin.fetchTopicOffsets(t.input);
          return true;
        } catch {
          return false;
        }
      },
      120_000,
    );
    await produce(kafka, t.input, records.slice(firstPart));

    await until(
      'every record committed after the restart',
      async () => (await progress(admin, t.groupId, t.input, records.length)).done,
      240_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${run.tail(40)}`);
    });
    expect(run.child.exitCode).toBe(null);
    const warned = run.lines.filter((l) => l['level'] === 'warn').map((l) => String(l['msg']));
    console.log(
      `run-broker-restart: committed ${before.committed}/${firstPart} before the restart; warnings: ${[...new Set(warned)].join(' | ')}`,
    );
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    const reference = await uninterruptedOutputs(kafka, admin, t.input, configFrom(sets));
    expect(reference.records).toBe(records.length);
    expect(reference.verdicts.length).toBeGreaterThan(REPLICAS);
    const got = await committedOutputs(kafka, admin, t);
    expect(duplicateVerdicts(got.verdicts)).toEqual([]);
    expect(got.verdicts).toEqual(reference.verdicts);
    expect(got.hostEvents).toEqual(reference.hostEvents);
    await admin.disconnect();
  });
});
