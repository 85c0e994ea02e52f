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
import { existsSync, openSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// before kafkajs, as in the processor (src/source/kafkajs-read-committed.ts)
import '../src/source/kafkajs-read-committed.js';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { type RunningBroker, startBroker } from '../scripts/kafka/broker.js';
import { createKernelLogEventCodec } from '../src/decode/codecs.js';
import { runSets, setArgs } from '../test/runtime/run-harness.js';
import { hotFunctions } from './cpuprofile.js';
import { generateFleet } from './fleet.js';
import { flag, log, machine, report, summarize } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = flag('broker-records', 300_000);
const HOSTS = flag('hosts', 50_000);
/** `k` = k instances; `kp` = k instances with the --broker-preload file (an experiment in the same rounds) */
const CONFIGS = flag('broker-instances', '1,2,3')
  .split(',')
  .map((label) => ({ label, k: Number.parseInt(label, 10), preload: label.endsWith('p') }));
const ROUNDS = flag('broker-runs', 5);
const DIST = flag('dist', '');
const PARTITIONS = 6;
const TIMEOUT_MS = flag('broker-timeout-ms', 180_000);
/** profile the poisonlink processes (node --cpu-prof) and summarise the biggest profile */
const CPU_PROF = flag('broker-cpu-prof', 0) === 1;
/** a CommonJS file preloaded into every poisonlink process (`--require`), for a local experiment */
const PRELOAD = flag('broker-preload', '');
const PROF_DIR = path.join(ROOT, 'bench', 'out', `broker-profile-${Date.now()}`);

const held: { broker: RunningBroker | null } = { broker: null };
const children: ChildProcess[] = [];

function profFlags(preload: boolean): string[] {
  if (preload && PRELOAD === '') throw new Error('a `p` configuration needs --broker-preload <file>');
  return [
    ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`] : []),
    ...(preload ? ['--require', path.resolve(PRELOAD)] : []),
  ];
}

interface Progress {
  /** ms from spawn to the first committed offset on any partition */
  firstMs: number;
  /** records committed at that moment */
  firstCommitted: number;
  /** ms from spawn until the end of every partition was committed */
  doneMs: number;
}

/** Polls the group's committed offsets until they reach the end of every partition. */
async function watchCommitted(
  admin: ReturnType<Kafka['admin']>,
  groupId: string,
  topic: string,
  t0: number,
): Promise<Progress> {
  const ends = await admin.fetchTopicOffsets(topic);
  const total = ends.reduce((a, e) => a + Number(e.high), 0);
  let firstMs = -1;
  let firstCommitted = 0;
  const deadline = t0 + TIMEOUT_MS;
  while (performance.now() < deadline) {
    let committed = 0;
    try {
      const offs = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const p of offs[0]?.partitions ?? []) if (Number(p.offset) > 0) committed += Number(p.offset);
    } catch {
      // coordinator still loading: ask again
    }
    const now = performance.now();
    if (committed > 0 && firstMs < 0) {
      firstMs = now - t0;
      firstCommitted = committed;
    }
    if (committed >= total) return { firstMs, firstCommitted, doneMs: now - t0 };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`group ${groupId} did not commit the end of ${topic} within ${TIMEOUT_MS} ms`);
}

function spawnRunProcess(args: string[], preload: boolean): ChildProcess {
  const compiled = DIST === '' ? null : path.resolve(DIST, 'runtime', 'run-main.js');
  const argv =
    compiled !== null && existsSync(compiled)
      ? ['--max-semi-space-size=64', ...profFlags(preload), compiled, ...args]
      : [
          '--max-semi-space-size=64',
          ...profFlags(preload),
          '--import',
          'tsx',
          'src/runtime/run-main.ts',
          ...args,
        ];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    // the processes' JSON log goes to bench/out/run-<pid>.log (git-ignored), for when one stalls
    stdio: [
      'ignore',
      openSync(path.join(ROOT, 'bench', 'out', `run-${Date.now()}-${children.length}.log`), 'w'),
      'pipe',
    ],
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
  const runMs = new Map<string, number[]>(CONFIGS.map((c) => [c.label, []]));
  const steady = new Map<string, number[]>(CONFIGS.map((c) => [c.label, []]));
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
    for (const { label, k, preload } of CONFIGS) {
      const u = `${Date.now()}-${round}-${label}`;
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
      const procs = Array.from({ length: k }, () => spawnRunProcess(setArgs(sets), preload));
      try {
        const p = await watchCommitted(admin, `bench-run-${u}`, input, t0);
        const ms = p.doneMs;
        runMs.get(label)?.push(ms);
        const rate = ((N - p.firstCommitted) / (p.doneMs - p.firstMs)) * 1000;
        if (p.doneMs > p.firstMs && N > p.firstCommitted) steady.get(label)?.push(rate);
        log(
          `round ${round + 1}: ${k} × poisonlink run${preload ? ' + preload' : ''} committed ${N} records in ${(ms / 1000).toFixed(1)} s (first commit after ${(p.firstMs / 1000).toFixed(1)} s; ${Math.round(rate)} records/s from then on)`,
        );
      } finally {
        await Promise.all(procs.map(stopChild));
      }
    }
  }
  await admin.disconnect();
  let profile: ReturnType<typeof hotFunctions> | null = null;
  if (CPU_PROF && existsSync(PROF_DIR)) {
    const files = readdirSync(PROF_DIR)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(PROF_DIR, f))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    if (files[0] !== undefined) profile = hotFunctions(files[0], ROOT, 25);
  }

  const bare = summarize(bareMs.map((ms) => (N / ms) * 1000));
  const rows = CONFIGS.map(({ label, k, preload }) => {
    const ms = runMs.get(label) ?? [];
    return {
      instances: k,
      preload,
      recordsPerSecond: summarize(ms.map((m) => (N / m) * 1000)),
      ratioToBare: summarize(ms.map((m, i) => (bareMs[i] as number) / m)),
      steadyRecordsPerSecond:
        (steady.get(label) ?? []).length > 0 ? summarize(steady.get(label) ?? []) : null,
    };
  });
  const int = (x: number): string => Math.round(x).toLocaleString('en-US');
  const lines = [
    `${int(N)} records (${int(mix.routine)} routine) pre-filled into a ${PARTITIONS}-partition topic of the test broker (single KRaft node, JVM heap 1 GiB, on the same 2 cores), produced in ${(produceMs / 1000).toFixed(1)} s. ${ROUNDS} round(s); in each, the bare consumer first, then the poisonlink configurations one after the other. Times include process start, connecting and the group join; the poisonlink figure ends when the group has committed the end of every partition (exactly-once transactions).`,
    '',
    '| reader | records/s, start to end | ratio to the bare consumer (same round) | records/s from the first commit to the end |',
    '|---|---|---|---|',
    `| bare kafkajs consumer (eachBatch, no processing) | ${int(bare.median)} (min ${int(bare.min)}, max ${int(bare.max)}, n=${bare.n}) | 1 | |`,
    ...rows.map(
      (r) =>
        `| ${r.instances} × poisonlink run${r.preload ? ` + \`${path.basename(PRELOAD)}\` preloaded (experiment)` : ''} | ${int(r.recordsPerSecond.median)} (min ${int(r.recordsPerSecond.min)}, max ${int(r.recordsPerSecond.max)}, n=${r.recordsPerSecond.n}) | ${r.ratioToBare.median.toFixed(2)} (min ${r.ratioToBare.min.toFixed(2)}, max ${r.ratioToBare.max.toFixed(2)}) | ${r.steadyRecordsPerSecond === null ? '' : `${int(r.steadyRecordsPerSecond.median)} (min ${int(r.steadyRecordsPerSecond.min)}, max ${int(r.steadyRecordsPerSecond.max)})`} |`,
    ),
  ];
  report({
    part: 'broker',
    machine: machine(),
    records: N,
    rounds: ROUNDS,
    produceMs,
    preload: PRELOAD || null,
    bareRecordsPerSecond: bare,
    rows,
    markdown: [
      ...lines,
      ...(profile === null
        ? []
        : [
            '',
            `CPU profile of one \`poisonlink run\` process over its whole life (${Math.round(profile.totalMs)} ms, \`--cpu-prof\`, bench/out/broker-profile-*), top self time:`,
            '',
            '| self % | total % | function | file |',
            '|---|---|---|---|',
            ...profile.rows.map(
              (x) =>
                `| ${x.selfPct.toFixed(1)} | ${x.totalPct.toFixed(1)} | \`${x.name.slice(0, 80).replaceAll('|', '\\|')}\` | ${x.where} |`,
            ),
          ]),
    ].join('\n'),
  });
}

try {
  await main();
} finally {
  await Promise.all(children.map(stopChild));
  await held.broker?.stop();
}
