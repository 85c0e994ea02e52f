/**
 * Part 1, in process: the synthetic fleet (bench/fleet.ts) Avro-encoded once, then, interleaved
 * in every round so that machine noise hits all of them alike:
 *   raw      avsc `Type.fromBuffer` over the buffers (the baseline)
 *   decode   the project's decoder (createKernelLogEventDecoder avro/raw)
 *   pipeline what src/runtime/stages.ts does per record: routine chatter read from its bytes
 *            (src/decode/routine-avro.ts, Pipeline.processRoutine), anything else decoded and
 *            given to pipeline.process; pipeline.advance at every new watermark tick (WATERMARK_TICK_US)
 *   full     the same with every record decoded in full (no fast path): the outputs must be
 *            identical to `pipeline`'s (the run fails otherwise)
 *   chunk    src/runtime/stages.ts runChunk itself over chunks of kafkajs-shaped messages: decode,
 *            advance, process, metrics tally, output encoding and the changelog snapshots of dirty hosts
 * Run alone: node --import tsx bench/inprocess.ts --records 2000000 --hosts 50000 --runs 5
 */
import avro from 'avsc';
import type { KafkaMessage } from 'kafkajs';
import type { KernelLogEvent } from '../src/model/event.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { createPipeline as projectPipeline, PipelineSink } from '../src/pipeline.js';
import type { EventDecoder } from '../src/source/decoder.js';
import { type FleetMix, generateFleet } from './fleet.js';
import { loadProject } from './modules.js';
import { flag, log, machine, report, summarize } from './stats.js';

const RECORDS = flag('records', 2_000_000);
const HOSTS = flag('hosts', 50_000);
const RUNS = flag('runs', 5);
const CHUNK = flag('chunk', 1000);
const VARIANTS = flag('variants', 'raw,decode,pipeline,full,chunk').split(',');
/** an alternative composition root to measure (a local experiment), default src/pipeline.ts */
const PIPELINE_MODULE = flag('pipeline', '');
/** a second composition root timed as the variant `experiment` in the same rounds (a local, reverted change) */
const EXPERIMENT_MODULE = flag('experiment', '');
const project = await loadProject();
const { NO_KNOWN_ISSUES } = project.classify;
const { createKernelLogEventCodec } = project.codecs;
const { createKernelLogEventDecoder } = project.decoder;
const { SCHEMA_TEXT } = project.schemas;
const { DEFAULT_CORRELATION, DEFAULT_LIMITS } = project.config;
const { ChunkCollector, runChunk, WATERMARK_TICK_US } = project.stages;
const { createOutputEncoders } = project.encoders;
const { routineReader } = project.source;
const { newRoutineRecord } = project.model;
const createPipeline: typeof projectPipeline =
  PIPELINE_MODULE === ''
    ? project.pipeline.createPipeline
    : (
        (await import(pathToFileURL(path.resolve(PIPELINE_MODULE)).href)) as {
          createPipeline: typeof projectPipeline;
        }
      ).createPipeline;

// ---- encode once, into one contiguous buffer (as a fetch response is), one view per record; the
// encoded fleet is cached in bench/out/ (git-ignored) since generating it is slow on a busy machine
const codec = createKernelLogEventCodec();
const t0 = performance.now();
const cacheBase = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out', `fleet-${RECORDS}-${HOSTS}`);
let all: Buffer;
let offsets: Uint32Array;
let mix: FleetMix;
if (existsSync(`${cacheBase}.mix`) && flag('fresh', 0) === 0) {
  all = readFileSync(`${cacheBase}.bin`);
  offsets = new Uint32Array(readFileSync(`${cacheBase}.idx`).buffer.slice(0));
  mix = JSON.parse(readFileSync(`${cacheBase}.mix`, 'utf8')) as FleetMix;
} else {
  const parts: Buffer[] = [];
  let size = 0;
  mix = generateFleet({ records: RECORDS, hosts: HOSTS }, (e) => {
    const b = codec.encode(e);
    parts.push(b);
    size += b.length;
  });
  all = Buffer.allocUnsafe(size);
  offsets = new Uint32Array(parts.length + 1);
  let off = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as Buffer;
    p.copy(all, off);
    off += p.length;
    offsets[i + 1] = off;
  }
  mkdirSync(path.dirname(cacheBase), { recursive: true });
  writeFileSync(`${cacheBase}.bin`, all);
  writeFileSync(`${cacheBase}.idx`, Buffer.from(offsets.buffer, offsets.byteOffset, offsets.byteLength));
  writeFileSync(`${cacheBase}.mix`, JSON.stringify(mix));
}
const bytes = all.length;
const buffers: Buffer[] = new Array(offsets.length - 1);
for (let i = 0; i < buffers.length; i++)
  buffers[i] = all.subarray(offsets[i] as number, offsets[i + 1] as number);
log(
  `${buffers.length} records (${(bytes / 1e6).toFixed(0)} MB, ${(bytes / buffers.length).toFixed(0)} B/record) over ${HOSTS} hosts ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const plain = avro.Type.forSchema(JSON.parse(SCHEMA_TEXT['kernel-log-event']) as avro.Schema);
const decoder = createKernelLogEventDecoder({ format: 'avro' });

let guard = 0;
let outputDigest = '';
let experimentDigest = '';
let fullDigest = '';
let pipelineOutputs: Record<string, number | string> = {};
const counts = { verdicts: 0, hostEvents: 0, hwErrors: 0, evictions: 0, late: 0 };
/** digest of every verdict and host event, to check that an experiment changes no output */
let digest = createHash('sha256');
const countingSink: PipelineSink = {
  verdict: (v) => {
    counts.verdicts++;
    digest.update(JSON.stringify(v));
  },
  hostEvent: (e) => {
    counts.hostEvents++;
    digest.update(JSON.stringify(e));
  },
  hwError: () => {
    counts.hwErrors++;
  },
  eviction: (_r, n) => {
    counts.evictions += n;
  },
  late: () => {
    counts.late++;
  },
};

function timeRaw(): number {
  const start = performance.now();
  for (let i = 0; i < buffers.length; i++) {
    guard += (plain.fromBuffer(buffers[i] as Buffer) as KernelLogEvent).message.length;
  }
  return performance.now() - start;
}

function timeDecode(): number {
  const start = performance.now();
  for (let i = 0; i < buffers.length; i++) {
    const r = decoder.decode(buffers[i] as Buffer);
    if (r.ok) guard += r.value.message.length;
    else throw new Error(`benchmark record ${i} did not decode`);
  }
  return performance.now() - start;
}

const readRoutine = routineReader();
const view = newRoutineRecord();

function timePipeline(factory: typeof projectPipeline = createPipeline, fast = true): number {
  for (const k of Object.keys(counts)) counts[k as keyof typeof counts] = 0;
  digest = createHash('sha256');
  const pipeline = factory({
    correlation: DEFAULT_CORRELATION,
    limits: DEFAULT_LIMITS,
    knownIssues: NO_KNOWN_ISSUES,
    sink: countingSink,
  });
  let watermark = Number.NEGATIVE_INFINITY;
  // as runChunk: advance once per new tick, before the record that enters it
  const advanceTo = (ts: number): void => {
    const tick = Math.floor(ts / WATERMARK_TICK_US) * WATERMARK_TICK_US;
    if (tick > watermark) {
      watermark = tick;
      pipeline.advance(tick);
    }
  };
  const start = performance.now();
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i] as Buffer;
    if (fast && readRoutine(b, view)) {
      advanceTo(view.ts);
      if (pipeline.processRoutine(view)) continue;
    }
    const r = decoder.decode(b);
    if (!r.ok) throw new Error(`benchmark record ${i} did not decode`);
    advanceTo(r.value.ts);
    pipeline.process(r.value);
  }
  pipeline.flush();
  const ms = performance.now() - start;
  outputDigest = digest.digest('hex').slice(0, 16);
  guard += pipeline.gauges().hosts;
  return ms;
}

// kafkajs-shaped messages for runChunk, built once
let messages: KafkaMessage[] | null = null;
function kafkaMessages(): KafkaMessage[] {
  if (messages === null) {
    messages = buffers.map(
      (value, i): KafkaMessage => ({
        key: null,
        value,
        timestamp: '0',
        attributes: 0,
        offset: String(i),
        headers: {},
      }),
    );
  }
  return messages;
}
const eventDecoder: EventDecoder = { decode: (v) => decoder.decode(v as Buffer), routine: readRoutine };
const encoders = createOutputEncoders();

async function timeChunk(): Promise<number> {
  const msgs = kafkaMessages();
  const collector = new ChunkCollector();
  const pipeline = createPipeline({
    correlation: DEFAULT_CORRELATION,
    limits: DEFAULT_LIMITS,
    knownIssues: NO_KNOWN_ISSUES,
    sink: collector,
  });
  let watermarkUs: number | null = null;
  let changelog = 0;
  const start = performance.now();
  for (let i = 0; i < msgs.length; i += CHUNK) {
    const out = await runChunk(
      {
        pipeline,
        collector,
        decoder: eventDecoder,
        encoders,
        partition: 0,
        watermarkUs,
        onInternalError: (what, e) => {
          throw new Error(`${what}: ${String(e)}`);
        },
      },
      'bench-in',
      msgs.slice(i, i + CHUNK),
    );
    watermarkUs = out.watermarkUs;
    changelog += out.changelog.length;
  }
  const ms = performance.now() - start;
  guard += changelog;
  return ms;
}

const experiment: typeof projectPipeline | null =
  EXPERIMENT_MODULE === ''
    ? null
    : (
        (await import(pathToFileURL(path.resolve(EXPERIMENT_MODULE)).href)) as {
          createPipeline: typeof projectPipeline;
        }
      ).createPipeline;
const timers: Record<string, () => number | Promise<number>> = {
  raw: timeRaw,
  decode: timeDecode,
  pipeline: () => {
    const ms = timePipeline();
    pipelineOutputs = { ...counts, digest: outputDigest };
    return ms;
  },
  full: () => {
    const ms = timePipeline(createPipeline, false);
    fullDigest = outputDigest;
    return ms;
  },
  experiment: () => {
    if (experiment === null) throw new Error('variant experiment needs --experiment <module>');
    const ms = timePipeline(experiment);
    experimentDigest = outputDigest;
    return ms;
  },
  chunk: timeChunk,
};

const times: Record<string, number[]> = {};
for (const v of VARIANTS) {
  if (timers[v] === undefined) throw new Error(`unknown variant ${v}`);
  times[v] = [];
}
// warm-up round (JIT, caches), not recorded
for (const v of VARIANTS) {
  const ms = await (timers[v] as () => number | Promise<number>)();
  log(`warm-up ${v}: ${ms.toFixed(0)} ms`);
}
for (let run = 0; run < RUNS; run++) {
  for (const v of VARIANTS) {
    const ms = await (timers[v] as () => number | Promise<number>)();
    (times[v] as number[]).push(ms);
    log(
      `run ${run + 1}/${RUNS} ${v}: ${ms.toFixed(0)} ms (${((buffers.length / ms) * 1000).toFixed(0)} rec/s)`,
    );
  }
}

const pipelineDigest = pipelineOutputs.digest;
if (fullDigest !== '' && pipelineDigest !== undefined && fullDigest !== pipelineDigest) {
  throw new Error(
    `the fast path changed the outputs: digest ${String(pipelineDigest)} with it, ${fullDigest} without`,
  );
}

// records/s per run, and each run's ratio to the raw decode of the same round
const variants = VARIANTS.map((v) => {
  const ms = times[v] as number[];
  const rate = ms.map((m) => (buffers.length / m) * 1000);
  const raw = times.raw;
  const ratio = raw === undefined ? null : ms.map((m, i) => (raw[i] as number) / m);
  return {
    variant: v,
    ms: summarize(ms),
    recordsPerSecond: summarize(rate),
    ratioToRaw: ratio === null ? null : summarize(ratio),
  };
});
report({
  part: 'inprocess',
  machine: machine(),
  execArgv: process.execArgv,
  records: buffers.length,
  hosts: HOSTS,
  bytes,
  chunk: CHUNK,
  runs: RUNS,
  mix,
  modules: project.origin,
  pipelineModule: PIPELINE_MODULE || 'pipeline.js of the modules',
  experimentModule: EXPERIMENT_MODULE || null,
  experimentNote: flag('experiment-note', '') || null,
  experimentDigest: experimentDigest || null,
  fullDigest: fullDigest || null,
  outputs: pipelineOutputs,
  variants,
  guard: guard % 7,
});
