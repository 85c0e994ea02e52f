/**
 * `poisonlink replay`, wired: config and known issues as `run` loads them, one pipeline per input
 * partition (src/replay/engine.ts), a topic or file reader, an output, progress on stderr, and the
 * end-of-run summary, bad-record list and verdict diff. Effects come in through `ReplayIo`, so
 * tests run it in process.
 */
import { loadKnownIssuesFile as loadRulesFile } from '../config/known-issues-file.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import type { KnownIssueRules } from '../classify/index.js';
import { Collector } from '../cli/collect.js';
import { hostEventTable, summary, verdictTable } from '../cli/render.js';
import { diffVerdicts, latestRevisions, renderDiff } from '../cli/verdict-diff.js';
import { describeError, isPoisonlinkError, PoisonlinkError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { type Config, INPUT_FORMATS } from '../config/schema.js';
import { createPipeline, type Pipeline, type PipelineSink } from '../pipeline.js';
import { createEventDecoder } from '../source/decoder.js';
import { createKafkaClient, toPoisonlinkError } from '../source/kafka-client.js';
import { checkTls } from '../source/tls-check.js';
import { createOutputEncoders } from '../sink/encoders.js';
import { createLogger } from '../telemetry/logger.js';
import { parseReplayArgs, REPLAY_USAGE, type ReplayArgs } from './args.js';
import { ReplayEngine } from './engine.js';
import { FILE_FORMATS, type FileFormat, type FileSummary, replayFiles } from './file-source.js';
import {
  memoryOutput,
  ndjsonFileOutput,
  type ReplayOutput,
  readVerdictLines,
  topicOutput,
} from './output.js';
import { ProgressReporter } from './progress.js';
import { replayTopics, type TopicReplayResult } from './topic-source.js';

export interface ReplayIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stderrIsTty: boolean;
  stderrColumns: number;
  env: NodeJS.ProcessEnv;
  now: () => number;
  /** default: src/pipeline.ts createPipeline with the config's settings */
  createPipeline?: (sink: PipelineSink, config: Config, knownIssues: KnownIssueRules) => Pipeline;
  /** default: a client built from the config */
  kafka?: (config: Config) => Kafka;
  /** aborted (SIGINT/SIGTERM): stop reading, write what was read, print the summary, exit 130 */
  signal?: AbortSignal;
}

export function processIo(): ReplayIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stderrIsTty: process.stderr.isTTY === true,
    // a pty that reports no size (script, some CI runners) says 0
    stderrColumns: (process.stderr.columns ?? 0) >= 40 ? process.stderr.columns : 80,
    env: process.env,
    now: Date.now,
  };
}

/** The known-issues file as `run` reads it; CONFIG_INVALID lists every problem with its line. */
export function loadKnownIssuesFile(config: Config): KnownIssueRules {
  return loadRulesFile(config.knownIssues.file);
}

type Prepared =
  | { mode: 'files'; config: Config; files: string[]; format: FileFormat | null }
  | { mode: 'topics'; config: Config; topics: string[] };

/** Flags + config → what to read; a string is a usage/config problem (exit 2). */
function prepare(args: ReplayArgs, env: NodeJS.ProcessEnv): Prepared | string {
  let loaded: { config: Config; rest: string[] };
  try {
    loaded = loadConfig(args.rest, env);
  } catch (e: unknown) {
    return isPoisonlinkError(e) ? e.message : describeError(e);
  }
  const unknown = loaded.rest.filter((a) => a.startsWith('-') && a !== '-');
  if (unknown.length > 0) return `unknown option(s) ${unknown.join(' ')}`;
  const files = loaded.rest;
  if (files.length > 0) {
    if (args.fromMs !== null || args.toMs !== null || args.topics.length > 0) {
      return '--from, --to and --topic read a topic; they do not go with files';
    }
    const missing = files.filter((f) => !existsSync(f) || !statSync(f).isFile());
    if (missing.length > 0) return `no such file: ${missing.join(', ')}`;
    let format: FileFormat | null = null;
    if (args.format !== null) {
      if (!(FILE_FORMATS as readonly string[]).includes(args.format)) {
        return `--format: expected one of ${FILE_FORMATS.join(', ')}, found '${args.format}'`;
      }
      format = args.format as FileFormat;
    }
    return { mode: 'files', config: loaded.config, files, format };
  }
  if (args.host !== null || args.bootTimeUs !== null) return '--host and --boot-time go with dmesg files';
  let config = loaded.config;
  if (args.format !== null) {
    if (!(INPUT_FORMATS as readonly string[]).includes(args.format)) {
      return `--format: a topic holds one of ${INPUT_FORMATS.join(', ')}, found '${args.format}'`;
    }
    try {
      config = loadConfig([...args.rest, '--format', args.format], env).config;
    } catch (e: unknown) {
      return isPoisonlinkError(e) ? e.message : describeError(e);
    }
  }
  const topics = args.topics.length > 0 ? args.topics : config.topics.input;
  const outs = [args.outputTopic, args.hostEventsTopic].filter((t): t is string => t !== null);
  const loop = outs.find((t) => topics.includes(t));
  if (loop !== undefined) return `--output-topic ${loop} is also read: choose another topic`;
  return { mode: 'topics', config, topics };
}

function badRecordText(engine: ReplayEngine): string[] {
  const total = [...engine.badByCode.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  const codes = [...engine.badByCode.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c, n]) => `${c}=${n}`)
    .join(', ');
  const lines = [`bad records: ${total} (${codes})`];
  for (const b of engine.bad) lines.push(`  ${b.where}: ${b.code}: ${b.message}`);
  if (engine.bad.length < total) lines.push(`  ... and ${total - engine.bad.length} more`);
  return lines;
}

/** above this many partitions the summary counts them instead of listing them */
const MAX_PARTITION_LINES = 24;

function topicText(res: TopicReplayResult): string[] {
  const lines: string[] = [];
  const read = res.partitions.reduce((a, p) => a + p.records, 0);
  lines.push(`read ${read} records from ${res.partitions.length} partition(s) (expected ${res.expected})`);
  const shown = res.partitions.filter((p) => p.reason !== 'empty');
  if (shown.length > MAX_PARTITION_LINES) {
    const by = new Map<string, number>();
    for (const p of shown) by.set(p.reason, (by.get(p.reason) ?? 0) + 1);
    lines.push(`  partitions by where they stopped: ${[...by].map(([k, n]) => `${k}=${n}`).join(', ')}`);
  } else {
    for (const p of shown) {
      lines.push(
        `  ${p.topic}/${p.partition}: offsets ${p.start}..${p.stoppedAt} (${p.records} records, ${p.reason})`,
      );
    }
  }
  if (res.timedOut) {
    lines.push('WARNING: gave up waiting for records (--idle-timeout) before the end of every partition');
  }
  if (res.interrupted) lines.push('INTERRUPTED: the verdicts below cover the records read so far');
  return lines;
}

function fileText(files: FileSummary[]): string[] {
  const lines = files.map(
    (f) => `read ${f.records} records from ${f.file} (${f.format})${f.interrupted ? ', interrupted' : ''}`,
  );
  if (files.some((f) => f.interrupted))
    lines.push('INTERRUPTED: the verdicts below cover the records read so far');
  return lines;
}

/** Runs a replay; returns the exit code (0 done, 1 operational failure, 2 usage or config). */
export async function replay(argv: readonly string[], io: ReplayIo): Promise<number> {
  const { args, problems } = parseReplayArgs(argv);
  if (args.help) {
    io.stdout(`${REPLAY_USAGE}\n`);
    return 0;
  }
  if (problems.length > 0) {
    io.stderr(`poisonlink replay: ${problems.join('\n  ')}\n${REPLAY_USAGE}\n`);
    return 2;
  }
  const prep = prepare(args, io.env);
  if (typeof prep === 'string') {
    io.stderr(`poisonlink replay: ${prep}\n`);
    return 2;
  }
  const { config } = prep;
  let knownIssues: KnownIssueRules;
  let oldRun: ReturnType<typeof readVerdictLines> | null = null;
  try {
    knownIssues = loadKnownIssuesFile(config);
    if (args.diff !== null) {
      try {
        oldRun = readVerdictLines(readFileSync(args.diff, 'utf8'));
      } catch (e: unknown) {
        throw new PoisonlinkError('CONFIG_FILE_UNREADABLE', `cannot read --diff file ${args.diff}`, {
          cause: e,
        });
      }
    }
  } catch (e: unknown) {
    io.stderr(`poisonlink replay: ${describeError(e)}\n`);
    return 2;
  }

  // kafkajs retries (a coordinator still loading) would interleave with the progress bar: the
  // replay reports its own failures, kafkajs's chatter only shows with --log-level debug
  const log = createLogger({
    level: config.log.level === 'debug' ? 'debug' : 'error',
    write: io.stderr,
    now: io.now,
  });
  let kafka: Kafka | null = null;
  const kafkaClient = (): Kafka => {
    kafka ??= io.kafka?.(config) ?? createKafkaClient(config, log);
    return kafka;
  };

  // a refused TLS certificate fails here at once, not after kafkajs's connection retries
  if (io.kafka === undefined && (prep.mode === 'topics' || args.outputTopic !== null)) {
    try {
      await checkTls(config);
    } catch (e: unknown) {
      io.stderr(`poisonlink replay: ${describeError(e)}\n`);
      return 1;
    }
  }

  let output: ReplayOutput;
  const toStdout = args.output === '-';
  try {
    if (args.output !== null) {
      output = toStdout ? stdoutOutput(io) : ndjsonFileOutput(args.output);
    } else if (args.outputTopic !== null) {
      const wanted = [...new Set([args.outputTopic, args.hostEventsTopic ?? args.outputTopic])];
      const admin = kafkaClient().admin();
      await admin.connect();
      const existing = await admin.listTopics().finally(() => admin.disconnect());
      const missing = wanted.filter((t) => !existing.includes(t));
      if (missing.length > 0) {
        io.stderr(
          `poisonlink replay: output topic(s) ${missing.join(', ')} do not exist on ${config.kafka.brokers.join(',')}; create them first\n`,
        );
        return 2;
      }
      const producer = kafkaClient().producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      output = topicOutput({
        producer,
        verdictTopic: args.outputTopic,
        hostEventTopic: args.hostEventsTopic ?? args.outputTopic,
        format: args.outputFormat,
        encoders: createOutputEncoders(),
      });
    } else output = memoryOutput();
  } catch (e: unknown) {
    io.stderr(
      `poisonlink replay: ${describeError(toPoisonlinkError(e, config, 'connecting the output producer'))}\n`,
    );
    return 1;
  }

  const collector = new Collector({
    verdict: (v) => output.add({ type: 'crash', value: v }),
    hostEvent: (e) => output.add({ type: 'host_event', value: e }),
  });
  const make =
    io.createPipeline ??
    ((sink, c, ki) => createPipeline({ correlation: c.correlation, limits: c.state, knownIssues: ki, sink }));
  const engine = new ReplayEngine({ collector, createPipeline: (sink) => make(sink, config, knownIssues) });
  const progress = args.progress
    ? new ProgressReporter({
        now: io.now,
        write: io.stderr,
        tty: io.stderrIsTty,
        columns: io.stderrColumns,
        intervalMs: args.progressIntervalMs,
        label: prep.mode === 'files' ? `${prep.files.length} file(s)` : prep.topics.join(','),
        unit: prep.mode === 'files' ? 'bytes' : 'offsets',
      })
    : null;
  let lastTotal: number | null = null;
  const onChunk = async (done: number, total: number): Promise<void> => {
    lastTotal = total;
    await output.flush();
    progress?.update({ done, total, records: collector.counts.records });
  };

  const report: string[] = [];
  let code = 0;
  try {
    if (prep.mode === 'files') {
      const files = await replayFiles({
        files: prep.files,
        format: prep.format,
        host: args.host,
        bootTimeUs: args.bootTimeUs,
        engine,
        chunkRecords: config.consumer.maxBatchRecords,
        onChunk,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
      });
      engine.finish();
      report.push(...fileText(files));
      if (files.some((f) => f.interrupted)) code = 130;
    } else {
      const res = await replayTopics({
        kafka: kafkaClient(),
        config,
        topics: prep.topics,
        fromMs: args.fromMs,
        toMs: args.toMs,
        decoder: createEventDecoder(config),
        engine,
        onChunk,
        idleTimeoutMs: args.idleTimeoutMs,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
      });
      report.push(...topicText(res));
      if (res.timedOut) code = 1;
      if (res.interrupted) code = 130;
    }
    await output.close();
  } catch (e: unknown) {
    progress?.finish();
    const err = isPoisonlinkError(e) ? e : toPoisonlinkError(e, config, 'replaying');
    io.stderr(`poisonlink replay: ${describeError(err)}\n`);
    await output.close().catch(() => {});
    return 1;
  }
  progress?.finish({ done: lastTotal ?? 0, total: lastTotal, records: collector.counts.records });

  const print = toStdout ? io.stderr : io.stdout;
  const verdicts = collector.sortedVerdicts();
  if (output.description.startsWith('no output')) {
    print(`${verdictTable(verdicts)}\n\n${hostEventTable(collector.hostEvents)}\n\n`);
  }
  const lines = [
    ...report,
    summary(collector.counts, verdicts, collector.hostEvents.length),
    ...badRecordText(engine),
  ];
  if (engine.skipped > 0) lines.push(`skipped (not kernel records): ${engine.skipped}`);
  for (const e of engine.internalErrors) lines.push(`INTERNAL ERROR: ${e}`);
  lines.push(
    `output: ${output.description}: ${output.written.crash} verdict record(s), ${output.written.host_event} host event(s)`,
  );
  print(`${lines.join('\n')}\n`);
  if (oldRun !== null) {
    const changes = diffVerdicts(oldRun.verdicts, collector.emitted);
    const head = `\nverdict changes against ${args.diff}${
      oldRun.badLines.length > 0 ? ` (${oldRun.badLines.length} unreadable line(s) ignored)` : ''
    }:`;
    print(
      `${head}\n${renderDiff(changes, latestRevisions(oldRun.verdicts), latestRevisions(collector.emitted))}\n`,
    );
  }
  return code;
}

function stdoutOutput(io: ReplayIo): ReplayOutput {
  const inner = memoryOutput();
  let pending: string[] = [];
  return {
    written: inner.written,
    description: 'ndjson on stdout',
    add(r) {
      inner.add(r);
      pending.push(JSON.stringify({ record_type: r.type, ...r.value }));
    },
    async flush() {
      if (pending.length === 0) return;
      io.stdout(`${pending.join('\n')}\n`);
      pending = [];
    },
    async close() {
      await this.flush();
    },
  };
}
