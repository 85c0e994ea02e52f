/**
 * `poisonlink demo` (what `npm start` runs): the whole pipeline in process on the bundled sample
 * fleet (samples/), no broker needed. Prints the verdicts, host events and summary, and serves
 * /metrics, /healthz and /readyz while it runs; `--hold` keeps the server up until Ctrl-C.
 */
import { fileURLToPath } from 'node:url';
import { loadKnownIssuesFile } from '../config/known-issues-file.js';
import { DEFAULT_CORRELATION, DEFAULT_LIMITS } from '../model/config.js';
import type { HwSignal } from '../model/signal.js';
import { createPipeline, type EvictionReason, type LateOutcome, type PipelineSink } from '../pipeline.js';
import { readEventsFromFile } from '../source/files.js';
import { startHttpServer } from '../telemetry/http.js';
import { BatchTally, createTelemetry } from '../telemetry/metrics.js';
import { Collector } from './collect.js';
import { hostEventTable, summary, verdictTable } from './render.js';

const USAGE = `usage: poisonlink demo [--hold] [--http-port N] [--batch N]

Runs the pipeline on samples/fleet.ndjson with samples/known-issues.yaml and serves /metrics.
  --hold         keep serving /metrics after the run until Ctrl-C
  --http-port N  port for /metrics, /healthz, /readyz (default 9464; 0 picks a free one)
  --batch N      records per batch (default 250)`;

const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));
const TOPIC = 'samples/fleet.ndjson';

interface DemoArgs {
  hold: boolean;
  port: number;
  batch: number;
}

function parseArgs(argv: readonly string[]): DemoArgs | string {
  const out: DemoArgs = { hold: false, port: 9464, batch: 250 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--hold') out.hold = true;
    else if (a === '--http-port' || a === '--batch') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === '--batch' ? 1 : 0) || v > 65535) {
        return `${a}: expected an integer${a === '--batch' ? ' from 1' : ' port 0..65535'}, found ${argv[i] ?? 'nothing'}`;
      }
      if (a === '--batch') out.batch = v;
      else out.port = v;
    } else return `unknown option ${a}`;
  }
  return out;
}

export async function demoCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`poisonlink demo: ${args}\n\n${USAGE}\n`);
    return 2;
  }
  const telemetry = createTelemetry({ level: 'warn' });
  let ready = false;
  const http = await startHttpServer(args.port, telemetry.registry, {
    healthy: () => true,
    ready: () => ready,
  });
  process.stderr.write(`serving http://127.0.0.1:${http.port}/metrics\n`);

  let tally = new BatchTally();
  const collector = new Collector({
    verdict: (v) => telemetry.verdictCommitted(v),
    hostEvent: (e) => telemetry.hostEventCommitted(e),
  });
  const sink: PipelineSink = {
    verdict: (v) => collector.verdict(v),
    hostEvent: (e) => collector.hostEvent(e),
    hwError: (s: HwSignal) => {
      collector.hwError(s);
      tally.hwError(s);
    },
    eviction: (r: EvictionReason, n: number) => {
      collector.eviction(r, n);
      tally.eviction(r, n);
    },
    late: (o: LateOutcome) => {
      collector.late(o);
      tally.lateRecord(o);
    },
  };
  const pipeline = createPipeline({
    correlation: DEFAULT_CORRELATION,
    limits: DEFAULT_LIMITS,
    knownIssues: loadKnownIssuesFile(`${SAMPLES}known-issues.yaml`),
    sink,
  });
  let watermark = 0;
  telemetry.setStateSource(() => pipeline.gauges());
  telemetry.setWatermarkSource(() => new Map([[0, watermark]]));

  const read = readEventsFromFile(`${SAMPLES}fleet.ndjson`, { format: 'ndjson' });
  for (const b of read.bad) {
    process.stderr.write(`${b.file}:${b.line}: dead letter: ${b.error.code}: ${b.error.message}\n`);
    tally.deadLetter(b.error.code);
  }
  collector.counts.records = read.events.length + read.bad.length;
  collector.counts.deadLetters = read.bad.length;
  ready = true;
  for (let i = 0; i < read.events.length; i += args.batch) {
    const started = process.hrtime.bigint();
    const batch = read.events.slice(i, i + args.batch);
    const before = { v: collector.emitted.length, e: collector.hostEvents.length };
    for (const ev of batch) {
      pipeline.process(ev);
      if (ev.ts > watermark) watermark = ev.ts;
    }
    pipeline.advance(watermark);
    if (i + args.batch >= read.events.length) pipeline.flush();
    tally.consume(TOPIC, batch.length + (i === 0 ? read.bad.length : 0));
    telemetry.batchCommitted({
      topic: TOPIC,
      partition: 0,
      records: batch.length,
      durationSeconds: Number(process.hrtime.bigint() - started) / 1e9,
      lagRecords: Math.max(0, read.events.length - i - batch.length),
      verdicts: collector.emitted.length - before.v,
      hostEvents: collector.hostEvents.length - before.e,
      tally,
    });
    tally = new BatchTally();
  }

  const verdicts = collector.sortedVerdicts();
  process.stdout.write(`${verdictTable(verdicts)}\n\n${hostEventTable(collector.hostEvents)}\n\n`);
  process.stdout.write(`${summary(collector.counts, verdicts, collector.hostEvents.length)}\n`);
  if (!args.hold) {
    await http.close();
    return 0;
  }
  process.stderr.write(`holding: /metrics stays up at http://127.0.0.1:${http.port}/metrics until Ctrl-C\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await http.close();
  return 0;
}
