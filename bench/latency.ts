/**
 * Part 5, latency through the real broker: the test broker (scripts/kafka/broker.ts), one
 * `poisonlink run` (the compiled dist, `--max-semi-space-size=64` as bin/poisonlink.js sets it;
 * batch and transaction settings left at their documented defaults), a producer writing routine
 * kernel chatter of many hosts at a steady rate (event time = wall clock), and crash reports
 * injected at a fixed interval, alternating:
 *   trace  an x86 page-fault oops ending with `---[ end trace 0000000000000000 ]---`, after which
 *          the host goes on printing routine lines at its usual rate
 *   panic  the same oops followed by the x86 panic epilogue (`Kernel panic - not syncing: Fatal
 *          exception`, `Kernel Offset: ...`, `---[ end Kernel panic - not syncing: Fatal exception ]---`);
 *          the host prints nothing afterwards (it is rebooting)
 *   silent the trace oops on a host that prints nothing afterwards (the first --latency-silent
 *          crashes): closed by event time alone, state.epilogueMs past its end marker
 * Latency of one crash: from the moment the producer's send holding the report's last line is
 * acknowledged (acks=all) to the moment a read_committed consumer of the verdicts topic receives
 * the verdict of that host. Run alone:
 *   node --import tsx bench/latency.ts --latency-rate 20000 --latency-seconds 90 --dist bench/out/dist
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// before kafkajs, as in the processor (src/source/kafkajs-read-committed.ts)
import '../src/source/kafkajs-read-committed.js';
import { type Admin, Kafka, logLevel, Partitioners } from 'kafkajs';
import { type RunningBroker, startBroker } from '../scripts/kafka/broker.js';
import { SCHEMA } from '../src/config/schema.js';
import { createKernelLogEventCodec, createTriagedCrashCodec } from '../src/decode/codecs.js';
import { type KernelLogEvent, makeEvent } from '../src/model/event.js';
import { runSets, setArgs } from '../test/runtime/run-harness.js';
import { bootId, hostName, pageFaultCrash, RELEASES, rng, routine } from './fleet.js';
import { flag, log, machine, report, summarize } from './stats.js';

/** the documented default wait for the panic epilogue after an end marker (state.epilogueMs), µs */
const EPILOGUE_US = Number(SCHEMA['state.epilogueMs']?.default) * 1000;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RATE = flag('latency-rate', 20_000);
const HOSTS = flag('latency-hosts', 10_000);
/** seconds of steady production in total (the first WARMUP_S without crashes) */
const SECONDS = flag('latency-seconds', 90);
const WARMUP_S = flag('latency-warmup', 15);
/** one crash every this many ms, trace and panic alternating */
const CRASH_EVERY_MS = flag('latency-crash-every-ms', 300);
/** trace reports whose host prints nothing afterwards, injected at the start of the crash window */
const SILENT = flag('latency-silent', 10);
const DIST = flag('dist', '');
/** an alternative compiled tree timed in the same rounds (a local experiment, outside the repository) */
const EXP_DIST = flag('latency-experiment-dist', '');
const EXP_NOTE = flag('latency-experiment-note', 'experiment');
const ROUNDS = flag('latency-runs', 1);
const PARTITIONS = 6;

const held: { broker: RunningBroker | null; children: ChildProcess[] } = { broker: null, children: [] };

type Kind = 'trace' | 'panic' | 'silent';
interface Crash {
  kind: Kind;
  host: string;
  /** wall clock (ms, performance.now) when the send holding the last line was acknowledged */
  ackedMs: number;
  verdictMs: number;
}

interface RunCounts {
  concurrentTxn: number;
  txnFailed: number;
  httpPort: number;
}

function spawnRun(args: string[], dist: string, runCounts: RunCounts): ChildProcess {
  const runLog = path.join(ROOT, 'bench', 'out', `latency-run-${Date.now()}.log`);
  const compiled = dist === '' ? null : path.resolve(dist, 'runtime', 'run-main.js');
  const argv =
    compiled !== null && existsSync(compiled)
      ? ['--max-semi-space-size=64', compiled, ...args]
      : ['--max-semi-space-size=64', '--import', 'tsx', 'src/runtime/run-main.ts', ...args];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // the JSON log goes to bench/out/latency-run-*.log (git-ignored); transactional retries counted
  const out = openSync(runLog, 'w');
  let rest = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    writeSync(out, d);
    const lines = (rest + d).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const port = /"msg":"http listening","port":(\d+)/.exec(line);
      if (port?.[1] !== undefined) runCounts.httpPort = Number(port[1]);
      if (line.includes('another concurrent operation on the same transaction')) runCounts.concurrentTxn++;
      if (line.includes('transaction failed')) runCounts.txnFailed++;
    }
  });
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    err = (err + d).slice(-4000);
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) log(`poisonlink run exited ${code}: ${err.slice(-1500)}`);
  });
  return child;
}

async function stopChild(c: ChildProcess | null): Promise<void> {
  if (c === null || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(t);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** x86 oops_end() with panic_on_oops, then vpanic()'s last line (kernel-formats.md "x86 epilogue") */
function panicLines(release: string, pid: number): string[] {
  return [
    ...pageFaultCrash(release, 'd_lookup', pid),
    'Kernel panic - not syncing: Fatal exception',
    'Kernel Offset: 0x1a000000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)',
    '---[ end Kernel panic - not syncing: Fatal exception ]---',
  ];
}

interface Measured {
  label: string;
  crashes: Crash[];
  sent: number;
  produceS: number;
  maxBehind: number;
  maxBehindSteady: number;
  verdicts: number;
  undecodable: number;
  lag: number;
  counts: RunCounts;
  batches: { count: number; meanMs: number; records: number; buckets: [string, number][] } | null;
}

/** One round: fresh topics, one `poisonlink run` of `dist`, steady production with crashes. */
async function measure(
  kafka: Kafka,
  admin: Admin,
  bootstrap: string,
  dist: string,
  label: string,
): Promise<Measured> {
  const u = `${Date.now()}`;
  const topics = {
    input: `lat-in-${u}`,
    verdicts: `lat-verdicts-${u}`,
    hostEvents: `lat-host-events-${u}`,
    deadLetter: `lat-dlq-${u}`,
    changelog: `lat-changelog-${u}`,
    repartition: `lat-repartition-${u}`,
    groupId: `lat-run-${u}`,
  };
  await admin.createTopics({
    topics: [{ topic: topics.input, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const runCounts: RunCounts = { concurrentTxn: 0, txnFailed: 0, httpPort: 0 };
  const child = spawnRun(setArgs(runSets(bootstrap, topics)), dist, runCounts);
  held.children.push(child);

  // ---- the verdict reader (read_committed), subscribed once the run process created the topic
  const triaged = createTriagedCrashCodec();
  const verdictAt = new Map<string, number>();
  let verdicts = 0;
  let undecodable = 0;
  const reader = kafka.consumer({
    groupId: `lat-reader-${u}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  });
  const readerReady = (async () => {
    for (;;) {
      const names = await admin.listTopics();
      if (names.includes(topics.verdicts)) break;
      await sleep(200);
    }
    await reader.connect();
    await reader.subscribe({ topic: topics.verdicts, fromBeginning: true });
    await reader.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const now = performance.now();
        for (const m of batch.messages) {
          if (m.value === null) continue;
          const r = triaged.decodeRaw(m.value);
          if (!r.ok) {
            undecodable++;
            continue;
          }
          verdicts++;
          if (!verdictAt.has(r.value.host)) verdictAt.set(r.value.host, now);
        }
      },
    });
  })();

  // ---- the fleet: hosts booted an hour ago, round-robin routine lines
  const codec = createKernelLogEventCodec();
  const r = rng(7);
  const startUs = Date.now() * 1000;
  const hosts = Array.from({ length: HOSTS }, (_, i) => ({
    name: hostName(i),
    boot: bootId(i),
    release: RELEASES[i % RELEASES.length] as string,
    bootUs: startUs - 3_600_000_000 - i * 1000,
    dead: false,
  }));
  let lastTs = 0;
  const event = (
    h: (typeof hosts)[number],
    message: string,
    priority: number,
  ): { key: string; value: Buffer } => {
    // event time is the wall clock, strictly increasing per producer
    let ts = Date.now() * 1000;
    if (ts <= lastTs) ts = lastTs + 1;
    lastTs = ts;
    const e: KernelLogEvent = makeEvent({
      host: h.name,
      ts,
      message,
      boot_id: h.boot,
      uptime_us: ts - h.bootUs,
      priority,
      arch: 'x86_64',
      kernel_release: h.release,
      source: 'kmsg',
    });
    return { key: h.name, value: codec.encode(e) };
  };

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const crashes: Crash[] = [];
  let next = 0; // round-robin host index
  let crashHost = HOSTS - 1; // crashes take hosts from the end, one each
  let sent = 0;
  let sends = 0;
  let maxBehind = 0;
  const t0 = performance.now();
  const endMs = t0 + SECONDS * 1000;
  const crashStart = t0 + WARMUP_S * 1000;
  const crashEnd = endMs - 5_000;
  let nextCrash = crashStart;
  let kindToggle = 0;
  let silentLeft = SILENT;
  let maxBehindSteady = 0;
  log(
    `producing ${RATE} records/s over ${HOSTS} hosts for ${SECONDS} s; crashes every ${CRASH_EVERY_MS} ms after ${WARMUP_S} s`,
  );
  while (performance.now() < endMs) {
    const now = performance.now();
    const due = Math.floor(((now - t0) / 1000) * RATE) - sent;
    if (due <= 0) {
      await sleep(2);
      continue;
    }
    if (due > maxBehind) maxBehind = due;
    if (now >= crashStart && due > maxBehindSteady) maxBehindSteady = due;
    const batch: { key: string; value: Buffer }[] = [];
    const n = Math.min(due, 5_000);
    let pending: Crash | null = null;
    if (now >= nextCrash && now < crashEnd) {
      nextCrash += CRASH_EVERY_MS;
      const kind: Kind = silentLeft > 0 ? 'silent' : kindToggle++ % 2 === 0 ? 'trace' : 'panic';
      if (kind === 'silent') silentLeft--;
      const h = hosts[crashHost--];
      if (h !== undefined) {
        const lines =
          kind === 'panic'
            ? panicLines(h.release, 200_000 + crashHost)
            : pageFaultCrash(h.release, 'd_lookup', 200_000 + crashHost);
        pending = { kind, host: h.name, ackedMs: -1, verdictMs: -1 };
        for (const line of lines) batch.push(event(h, line, 4));
        if (kind !== 'trace') h.dead = true;
      }
    }
    while (batch.length < n) {
      const h = hosts[next] as (typeof hosts)[number];
      next = (next + 1) % HOSTS;
      if (h.dead) continue;
      batch.push(event(h, routine(r), 6));
    }
    await producer.send({ topic: topics.input, acks: -1, messages: batch });
    const acked = performance.now();
    sends++;
    sent += batch.length;
    if (pending !== null) {
      pending.ackedMs = acked;
      crashes.push(pending);
    }
  }
  const produceS = (performance.now() - t0) / 1000;
  log(
    `produced ${sent} records in ${produceS.toFixed(1)} s (${Math.round(sent / produceS)} records/s, ${sends} sends); ${crashes.length} crashes`,
  );
  // reports that wait for event time to pass (state.epilogueMs after an end marker) need the
  // partition to go on: keep the routine chatter going (same rate) while waiting for the last verdicts
  const waitUntil = performance.now() + 20_000;
  while (performance.now() < waitUntil && crashes.some((c) => !verdictAt.has(c.host))) {
    const batch: { key: string; value: Buffer }[] = [];
    for (let i = 0; i < RATE / 10; i++) {
      const h = hosts[next] as (typeof hosts)[number];
      next = (next + 1) % HOSTS;
      if (!h.dead) batch.push(event(h, routine(r), 6));
    }
    await producer.send({ topic: topics.input, acks: -1, messages: batch });
    await sleep(100);
  }
  await producer.disconnect();
  await readerReady;
  // consumer lag of the run process at the end
  const ends = await admin.fetchTopicOffsets(topics.input);
  const committed = await admin.fetchOffsets({ groupId: topics.groupId, topics: [topics.input] });
  const byP = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
  const lag = ends.reduce((a, e) => a + Number(e.high) - Math.max(0, byP.get(e.partition) ?? 0), 0);
  await reader.disconnect();

  for (const c of crashes) c.verdictMs = verdictAt.get(c.host) ?? -1;
  // the run process's own batch histogram (process + commit of one chunk)
  let batches: { count: number; meanMs: number; records: number; buckets: [string, number][] } | null = null;
  try {
    const text = await (await fetch(`http://127.0.0.1:${runCounts.httpPort}/metrics`)).text();
    const num = (re: RegExp): number => {
      let sum = 0;
      for (const m of text.matchAll(re)) sum += Number(m[1]);
      return sum;
    };
    const count = num(/^poisonlink_batch_duration_seconds_count(?:\{[^}]*\})? (\S+)$/gm);
    const sum = num(/^poisonlink_batch_duration_seconds_sum(?:\{[^}]*\})? (\S+)$/gm);
    const buckets = new Map<string, number>();
    for (const m of text.matchAll(
      /^poisonlink_batch_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\S+)$/gm,
    )) {
      const le = m[1] as string;
      buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
    }
    batches = {
      count,
      meanMs: count > 0 ? (sum / count) * 1000 : Number.NaN,
      records: num(/^poisonlink_records_consumed_total(?:\{[^}]*\})? (\S+)$/gm),
      buckets: [...buckets],
    };
  } catch (e: unknown) {
    log(`could not read the run process's metrics: ${e instanceof Error ? e.message : String(e)}`);
  }
  await stopChild(child);
  return {
    label,
    crashes,
    sent,
    produceS,
    maxBehind,
    maxBehindSteady,
    verdicts,
    undecodable,
    lag,
    counts: runCounts,
    batches,
  };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
};
interface Stat {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
}
function stat(cs: Crash[], from: (c: Crash) => number = (c) => c.ackedMs): Stat {
  const ms = cs.filter((c) => from(c) >= 0 && c.verdictMs >= 0).map((c) => c.verdictMs - from(c));
  return {
    n: ms.length,
    min: Math.min(...ms),
    p50: pct(ms, 50),
    p90: pct(ms, 90),
    p99: pct(ms, 99),
    max: Math.max(...ms),
  };
}
const KINDS = {
  all: (_c: Crash) => true,
  trace: (c: Crash) => c.kind === 'trace',
  panic: (c: Crash) => c.kind === 'panic',
  silent: (c: Crash) => c.kind === 'silent',
} as const;

async function main(): Promise<void> {
  log('starting the test broker');
  const broker = await startBroker({ heapMb: 1024 });
  held.broker = broker;
  const kafka = new Kafka({
    clientId: 'poisonlink-bench-latency',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  // the documented defaults of the settings that shape batching and transactions (src/config/schema.ts)
  const settings = {
    'consumer.maxBatchRecords': Number(SCHEMA['consumer.maxBatchRecords']?.default),
    'producer.transactionTimeoutMs': Number(SCHEMA['producer.transactionTimeoutMs']?.default),
    'state.reportIdleMs': Number(SCHEMA['state.reportIdleMs']?.default),
    'state.epilogueMs': Number(SCHEMA['state.epilogueMs']?.default),
  };
  const configs = [
    { label: 'project', dist: DIST },
    ...(EXP_DIST === '' ? [] : [{ label: EXP_NOTE, dist: EXP_DIST }]),
  ];
  const rounds: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of configs) {
      log(`round ${round + 1}: ${c.label}`);
      rounds.push(await measure(kafka, admin, broker.bootstrap, c.dist, c.label));
    }
  }
  await admin.disconnect();

  const int = (x: number): string => Math.round(x).toLocaleString('en-US');
  const mmm = (xs: number[]): string => {
    const s = summarize(xs);
    return `${int(s.median)} (${int(s.min)}–${int(s.max)})`;
  };
  const perConfig = configs.map(({ label }) => {
    const rs = rounds.filter((r) => r.label === label);
    const crashes = rs.flatMap((r) => r.crashes);
    const traces = crashes.filter(KINDS.trace);
    const silent = crashes.filter(KINDS.silent);
    return {
      label,
      rounds: rs.length,
      pooled: {
        all: stat(crashes.filter(KINDS.all)),
        trace: stat(traces),
        panic: stat(crashes.filter(KINDS.panic)),
        silent: stat(silent),
      },
      p99PerRound: {
        all: rs.map((r) => stat(r.crashes.filter(KINDS.all)).p99),
        panic: rs.map((r) => stat(r.crashes.filter(KINDS.panic)).p99),
        trace: rs.map((r) => stat(r.crashes.filter(KINDS.trace)).p99),
        silent: rs.map((r) => stat(r.crashes.filter(KINDS.silent)).p99),
      },
      rate: rs.map((r) => r.sent / r.produceS),
      maxBehindSteady: rs.map((r) => r.maxBehindSteady),
      missing: crashes.filter((c) => c.verdictMs < 0).length,
      silent: silent.length,
      silentWithVerdict: silent.filter((c) => c.verdictMs >= 0).length,
      verdicts: rs.reduce((a, r) => a + r.verdicts, 0),
      undecodable: rs.reduce((a, r) => a + r.undecodable, 0),
      lag: rs.map((r) => r.lag),
      concurrentTxn: rs.map((r) => r.counts.concurrentTxn),
      txnFailed: rs.reduce((a, r) => a + r.counts.txnFailed, 0),
      batches: rs.map((r) => r.batches),
    };
  });
  const row = (name: string, s: Stat, perRound: number[] | null): string =>
    `| ${name} | ${s.n} | ${int(s.p50)} | ${int(s.p90)} | ${int(s.p99)} | ${int(s.max)} | ${int(s.min)} | ${perRound === null ? '' : mmm(perRound)} | ${s.p99 < 1000 ? 'met' : 'NOT met'} |`;
  const markdown: string[] = [
    `Each round: fresh topics (input with ${PARTITIONS} partitions), one \`poisonlink run\` (compiled dist, \`--max-semi-space-size=64\`) on the test broker (single KRaft node, JVM heap 1 GiB, on the same 2 cores), and a producer in the bench process writing ${int(RATE)} records/s for ${SECONDS} s (acks=all, one send at a time carrying every record due by then), ${int(HOSTS)} hosts round-robin (~${(RATE / HOSTS).toFixed(1)} lines per host per second), event time = wall clock. After ${WARMUP_S} s of routine lines, one crash report every ${CRASH_EVERY_MS} ms on a host of its own: first ${SILENT} trace reports on hosts that print nothing afterwards (the "silent" line below), then alternating an x86 page-fault oops ending with \`---[ end trace 0000000000000000 ]---\` (the host goes on with its routine lines) and the same oops followed by the x86 panic epilogue ending with \`---[ end Kernel panic - not syncing: Fatal exception ]---\` (the host then stays silent). Settings: the documented defaults (${Object.entries(
      settings,
    )
      .map(([k, v]) => `\`${k}\` ${int(v)}`)
      .join(
        ', ',
      )}); the verdict reader is a kafkajs consumer with \`readUncommitted: false\`, \`maxWaitTimeInMs\` 100. ${ROUNDS} round(s)${configs.length > 1 ? ', the configurations interleaved in every round' : ''}.`,
    '',
    "Latency = from the acknowledgement of the producer's send holding the report's last line to the arrival of its verdict at the read_committed reader, in ms; percentiles over the crashes of all rounds, then the p99 of each round as median (min–max):",
  ];
  for (const c of perConfig) {
    markdown.push(
      '',
      `**${c.label === 'project' ? `the project (${DIST === '' ? 'src/ through tsx' : DIST})` : `experiment: ${c.label} (${EXP_DIST}, a local copy, not in the repository)`}**: producer ${mmm(c.rate)} records/s; largest backlog behind the schedule after the warm-up ${mmm(c.maxBehindSteady)} records; consumer lag of the run group at the end ${mmm(c.lag)} records.`,
      '',
      '| crash reports | n | p50 | p90 | p99 | max | min | p99 per round | p99 < 1 s |',
      '|---|---|---|---|---|---|---|---|---|',
      row('all', c.pooled.all, c.p99PerRound.all),
      row('ending with `---[ end trace ... ]---`, the host goes on', c.pooled.trace, c.p99PerRound.trace),
      row('panics ending with `---[ end Kernel panic ... ]---`', c.pooled.panic, c.p99PerRound.panic),
      row(
        `ending with \`---[ end trace ... ]---\`, the host prints nothing more (closed \`state.epilogueMs\` = ${EPILOGUE_US / 1000} ms of event time after the marker)`,
        c.pooled.silent,
        c.p99PerRound.silent,
      ),
      '',
      `${c.missing} crash(es) of the table without a verdict 20 s after the end of production; ${int(c.verdicts)} verdict records read (${c.undecodable} undecodable). Silent hosts: ${c.silentWithVerdict} verdict(s) of ${c.silent} trace reports whose host prints nothing after the end marker. The run process logged ${c.concurrentTxn.join(' / ')} kafkajs CONCURRENT_TRANSACTIONS answers per round (AddOffsetsToTxn / AddPartitionsToTxn right after the previous commit; kafkajs retries them after its back-off) and ${c.txnFailed} failed transactions.`,
      '',
      `Batches of the run process per round (\`poisonlink_batch_duration_seconds\`: process and commit of one chunk): ${c.batches
        .map((b) =>
          b === null
            ? 'not read'
            : `${int(b.count)} batches of ${int(b.records / Math.max(1, b.count))} records on average, mean ${int(b.meanMs)} ms (${b.buckets
                .filter(([le]) => ['0.1', '0.25', '0.5', '1'].includes(le))
                .map(([le, n]) => `${Math.round((100 * n) / Math.max(1, b.count))} % ≤ ${le} s`)
                .join(', ')})`,
        )
        .join('; ')}.`,
    );
  }
  report({
    part: 'latency',
    machine: machine(),
    rate: RATE,
    hosts: HOSTS,
    seconds: SECONDS,
    crashEveryMs: CRASH_EVERY_MS,
    rounds: ROUNDS,
    settings,
    configs: perConfig,
    markdown: markdown.join('\n'),
  });
}

try {
  await main();
} finally {
  for (const c of held.children) await stopChild(c);
  await held.broker?.stop();
}
