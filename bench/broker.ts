/**
 * Part 4, through the real broker (scripts/kafka/broker.ts): a 6-partition input topic pre-filled
 * with the synthetic fleet (keyed by host), then in every round, one after the other:
 *   bare        a kafkajs consumer group (eachBatch) that only reads the topic to its end
 *   run×k       k `poisonlink run` processes (the compiled dist, `--max-semi-space-size=64` as in
 *               bin/poisonlink.js; exactly-once transactions as configured by default) in one group,
 *               until the group has committed the end of every partition; fresh output topics
 * Times include connecting and joining the group, for both. Run alone:
 *   node --import tsx bench/broker.ts --broker-records 200000 --broker-instances 1,2,3 --dist bench/out/dist
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { type RunningBroker, startBroker } from '../scripts/kafka/broker.js';
import { createKernelLogEventCodec } from '../src/decode/codecs.js';
import { runSets, setArgs, waitForCommitted } from '../test/runtime/run-harness.js';
import { generateFleet } from './fleet.js';
import { flag, log, machine, report, summarize } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = flag('broker-records', 200_000);
const HOSTS = flag('hosts', 50_000);
const INSTANCES = flag('broker-instances', '1,2,3')
  .split(',')
  .map((s) => Number(s));
const ROUNDS = flag('broker-runs', 1);
const DIST = flag('dist', '');
const PARTITIONS = 6;
const TIMEOUT_MS = flag('broker-timeout-ms', 600_000);

const held: { broker: RunningBroker | null } = { broker: null };
const children: ChildProcess[] = [];

function spawnRunProcess(args: string[]): ChildProcess {
  const compiled = DIST === '' ? null : path.resolve(DIST, 'runtime', 'run-main.js');
  const argv =
    compiled !== null && existsSync(compiled)
      ? ['--max-semi-space-size=64', compiled, ...args]
      : ['--max-semi-space-size=64', '--import', 'tsx', 'src/runtime/run-main.ts', ...args];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    err = (err + d).slice(-4000);
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) log(`poisonlink run exited ${code}: ${err.slice(-1500)}`);
  });
  children.push(child);
  return child;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(t);
}

async function main(): Promise<void> {
  log('starting the test broker');
  const broker = await startBroker({ heapMb: 1024 });
  held.broker = broker;
  const kafka = new Kafka({
    clientId: 'poisonlink-bench',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const input = `bench-in-${Date.now()}`;
  await admin.createTopics({
    topics: [{ topic: input, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });

  // ---- pre-fill
  const codec = createKernelLogEventCodec();
  const records: { key: string; value: Buffer }[] = [];
  const mix = generateFleet({ records: N, hosts: Math.min(HOSTS, Math.max(1, Math.floor(N / 4))) }, (e) =>
    records.push({ key: e.host, value: codec.encode(e) }),
  );
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const tp = performance.now();
  for (let i = 0; i < records.length; i += 5000) {
    await producer.send({ topic: input, acks: -1, messages: records.slice(i, i + 5000) });
  }
  await producer.disconnect();
  const produceMs = performance.now() - tp;
  records.length = 0;
  log(`produced ${N} records to ${input} in ${(produceMs / 1000).toFixed(1)} s`);

  const bareMs: number[] = [];
  const runMs = new Map<number, number[]>(INSTANCES.map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // ---- bare consumer
    {
      const consumer = kafka.consumer({ groupId: `bench-bare-${Date.now()}-${round}` });
      let n = 0;
      const t0 = performance.now();
      let done: () => void = () => {};
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      await consumer.connect();
      await consumer.subscribe({ topic: input, fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          n += batch.messages.length;
          if (n >= N) done();
        },
      });
      await finished;
      const ms = performance.now() - t0;
      await consumer.disconnect();
      bareMs.push(ms);
      log(`round ${round + 1}: bare consumer read ${n} records in ${(ms / 1000).toFixed(1)} s`);
    }
    // ---- poisonlink run × k
    for (const k of INSTANCES) {
      const u = `${Date.now()}-${round}-${k}`;
      const sets = runSets(broker.bootstrap, {
        input,
        verdicts: `bench-verdicts-${u}`,
        hostEvents: `bench-host-events-${u}`,
        deadLetter: `bench-dlq-${u}`,
        changelog: `bench-changelog-${u}`,
        repartition: `bench-repartition-${u}`,
        groupId: `bench-run-${u}`,
      });
      const t0 = performance.now();
      const procs = Array.from({ length: k }, () => spawnRunProcess(setArgs(sets)));
      try {
        await waitForCommitted(admin, `bench-run-${u}`, input, TIMEOUT_MS);
        const ms = performance.now() - t0;
        runMs.get(k)?.push(ms);
        log(
          `round ${round + 1}: ${k} × poisonlink run committed ${N} records in ${(ms / 1000).toFixed(1)} s`,
        );
      } finally {
        await Promise.all(procs.map(stopChild));
      }
    }
  }
  await admin.disconnect();

  const bare = summarize(bareMs.map((ms) => (N / ms) * 1000));
  const rows = INSTANCES.map((k) => {
    const ms = runMs.get(k) ?? [];
    return {
      instances: k,
      recordsPerSecond: summarize(ms.map((m) => (N / m) * 1000)),
      ratioToBare: summarize(ms.map((m, i) => (bareMs[i] as number) / m)),
    };
  });
  const int = (x: number): string => Math.round(x).toLocaleString('en-US');
  const lines = [
    `${int(N)} records (${int(mix.routine)} routine) pre-filled into a ${PARTITIONS}-partition topic of the test broker (single KRaft node, JVM heap 1 GiB, on the same 2 cores), produced in ${(produceMs / 1000).toFixed(1)} s. ${ROUNDS} round(s); in each, the bare consumer first, then the poisonlink configurations one after the other. Times include process start, connecting and the group join; the poisonlink figure ends when the group has committed the end of every partition (exactly-once transactions).`,
    '',
    '| reader | records/s | ratio to the bare consumer (same round) |',
    '|---|---|---|',
    `| bare kafkajs consumer (eachBatch, no processing) | ${int(bare.median)} (min ${int(bare.min)}, max ${int(bare.max)}, n=${bare.n}) | 1 |`,
    ...rows.map(
      (r) =>
        `| ${r.instances} × poisonlink run | ${int(r.recordsPerSecond.median)} (min ${int(r.recordsPerSecond.min)}, max ${int(r.recordsPerSecond.max)}, n=${r.recordsPerSecond.n}) | ${r.ratioToBare.median.toFixed(2)} (min ${r.ratioToBare.min.toFixed(2)}, max ${r.ratioToBare.max.toFixed(2)}) |`,
    ),
  ];
  report({
    part: 'broker',
    machine: machine(),
    records: N,
    rounds: ROUNDS,
    produceMs,
    bareRecordsPerSecond: bare,
    rows,
    markdown: lines.join('\n'),
  });
}

try {
  await main();
} finally {
  await Promise.all(children.map(stopChild));
  await held.broker?.stop();
}
