/** Writes bench/RESULTS.md from the parts' JSON results (bench/out/<part>.json) and bench/NOTES.md. */
import type { Machine, Summary } from './stats.js';

interface Variant {
  variant: string;
  ms: Summary;
  recordsPerSecond: Summary;
  ratioToRaw: Summary | null;
}
interface InProcess {
  machine: Machine;
  execArgv: string[];
  records: number;
  hosts: number;
  bytes: number;
  chunk: number;
  runs: number;
  mix: Record<string, number>;
  pipelineModule?: string;
  modules?: string;
  experimentModule?: string | null;
  experimentNote?: string | null;
  experimentDigest?: string | null;
  outputs: Record<string, number | string>;
  variants: Variant[];
}
interface Memory {
  machine: Machine;
  hosts: number;
  runs: number;
  baselineBytesPerHost?: Summary;
  idleBytesPerHost?: Summary;
  incidentOpenBytesPerHost?: Summary;
  incidentSettledBytesPerHost?: Summary;
  hostsWithUnrecoveredPoison?: number;
  hostEventsEmitted?: number;
  flood?: {
    rate: number;
    seconds: number;
    lines: number;
    runs: number;
    maxGrowthBytes: Summary;
    lastGrowthBytes: Summary;
    linesPerSecond: Summary;
    growthPerSecond?: number[];
    heapBeforeBytes?: number;
    firstToLastBytes?: Summary;
  };
}
interface Profile {
  machine: Machine;
  records: number;
  hosts: number;
  variant: string;
  pipelineModule?: string;
  modules?: string;
  file: string;
  totalMs: number;
  rows: { name: string; where: string; selfMs: number; selfPct: number; totalMs: number; totalPct: number }[];
}
interface Broker {
  machine: Machine;
  [k: string]: unknown;
}

const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const fix = (x: number, d = 2): string => x.toFixed(d);
const mmm = (s: Summary, f: (x: number) => string = int): string =>
  `${f(s.median)} (min ${f(s.min)}, max ${f(s.max)}, n=${s.n})`;

function machineLine(m: Machine, execArgv?: string[]): string {
  return `${m.date} · ${m.cores} cores, ${m.cpuModel}, ${m.memTotalGiB} GiB · Node ${m.node} (V8 ${m.v8}) · load average at start ${m.loadAvg.join(' / ')}${execArgv === undefined ? '' : ` · flags \`${execArgv.filter((a) => a !== 'tsx' && a !== '--import').join(' ')}\``}`;
}

const VARIANT_TEXT: Record<string, string> = {
  raw: 'avsc `Type.fromBuffer` (baseline)',
  decode: 'project decoder alone',
  pipeline:
    'decode + pipeline.process + advance per 100 ms tick, routine records read from their bytes (the runtime path)',
  full: 'the same with every record decoded in full (no routine fast path; same output digest)',
  chunk: 'runtime `runChunk` (decode, pipeline, tally, output encoding, changelog snapshots)',
};

function inprocess(r: InProcess, key: string): string {
  const out: string[] = [];
  out.push(
    `## 1. In process: decode → parse → assemble → correlate → classify${key === 'inprocess' ? '' : ` (${key.slice('inprocess-'.length)})`}`,
  );
  out.push('');
  out.push(machineLine(r.machine, r.execArgv));
  out.push('');
  out.push(
    `${int(r.records)} Avro KernelLogEvent records (${int(r.bytes / r.records)} B each on average), ${int(r.hosts)} hosts, one hour of event time; project modules: ${r.modules ?? 'src/ through tsx'}. Mix: ${Object.entries(
      r.mix,
    )
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(
        ', ',
      )} (routine ${fix((100 * (r.mix.routine ?? 0)) / r.records, 2)}%). Outputs of the last pipeline run: ${Object.entries(
      r.outputs,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}. runChunk chunks: ${int(r.chunk)} records.`,
  );
  out.push('');
  out.push(
    `Median of ${r.runs} runs (min, max) after one warm-up run; the variants run interleaved in every round, and the ratio is taken per round against that round's raw decode.`,
  );
  out.push('');
  out.push('| variant | records/s | ratio to raw decode | target |');
  out.push('|---|---|---|---|');
  for (const v of r.variants) {
    const target =
      v.variant === 'pipeline' || v.variant === 'chunk'
        ? `≥1,000,000/s and ≥0.50: ${v.recordsPerSecond.median >= 1e6 && (v.ratioToRaw?.median ?? 0) >= 0.5 ? 'met' : 'NOT met'}`
        : '';
    const name =
      v.variant === 'experiment'
        ? `experiment: ${r.experimentNote ?? r.experimentModule ?? ''} (local copy of the composition root, not in src/; output digest ${r.experimentDigest ?? '?'})`
        : (VARIANT_TEXT[v.variant] ?? v.variant);
    out.push(
      `| ${name} | ${mmm(v.recordsPerSecond)} | ${v.ratioToRaw === null ? '' : mmm(v.ratioToRaw, (x) => fix(x, 3))} | ${target} |`,
    );
  }
  out.push('');
  return out.join('\n');
}

function memory(r: Memory): string {
  const out: string[] = [];
  out.push('## 2. Memory');
  out.push('');
  out.push(machineLine(r.machine));
  out.push('');
  out.push(
    `\`process.memoryUsage().heapUsed\` after three forced GCs (\`--expose-gc\`), before and after filling a fresh pipeline with ${int(r.hosts)} hosts, divided by the host count; median of ${r.runs} runs (min, max). Host names are decoded from Avro as in the runtime, ~27 characters each.`,
  );
  out.push('');
  out.push('| what | bytes per host | target |');
  out.push('|---|---|---|');
  if (r.baselineBytesPerHost)
    out.push(
      `| baseline: the host names as keys of a plain \`Map\` to an empty object | ${mmm(r.baselineBytesPerHost)} | |`,
    );
  if (r.idleBytesPerHost)
    out.push(
      `| idle host (one routine line) | ${mmm(r.idleBytesPerHost)} | ≤300: ${r.idleBytesPerHost.median <= 300 ? 'met' : 'NOT met'} |`,
    );
  if (r.incidentOpenBytesPerHost)
    out.push(
      `| host with an unrecovered poisoned page, just reported | ${mmm(r.incidentOpenBytesPerHost)} | ≤1024: ${r.incidentOpenBytesPerHost.median <= 1024 ? 'met' : 'NOT met'} |`,
    );
  if (r.incidentSettledBytesPerHost)
    out.push(
      `| the same after event time passed the settle window (host event sent) | ${mmm(r.incidentSettledBytesPerHost)} | ≤1024: ${r.incidentSettledBytesPerHost.median <= 1024 ? 'met' : 'NOT met'} |`,
    );
  out.push('');
  if (r.hostsWithUnrecoveredPoison !== undefined)
    out.push(
      `Check: gauges() reported ${int(r.hostsWithUnrecoveredPoison)} hosts with unrecovered poison; ${int(r.hostEventsEmitted ?? 0)} host events emitted in the last run.`,
    );
  if (r.flood) {
    const f = r.flood;
    out.push('');
    const before = f.heapBeforeBytes;
    const abs = (f.growthPerSecond ?? []).map((x) => fix(((before ?? 0) + x) / 1e6, 1)).join(', ');
    out.push(
      `**Flood**: one host, ${int(f.lines)} garbage lines (${int(f.rate)} per second of event time for ${f.seconds} s; per 1000 lines one crash-report start, 29 \`Call Trace:\`, 10 memory-failure lines with new pfns, 10 EDAC corrected errors, the rest random printable junk), ${f.runs} run(s). ` +
        (before === undefined
          ? `Heap change against the empty pipeline after each event-time second (MB; negative: start-up garbage V8 released later): ${(f.growthPerSecond ?? []).map((x) => fix(x / 1e6, 1)).join(', ')}. `
          : `heapUsed of the empty pipeline ${fix(before / 1e6, 1)} MB; after each event-time second (MB): ${abs}. Change from the first to the last second: ${f.firstToLastBytes === undefined ? '?' : mmm(f.firstToLastBytes, (x) => `${fix(x / 1e6, 2)} MB`)}. `) +
        `Processing rate during the flood: ${mmm(f.linesPerSecond)} lines/s.`,
    );
  }
  out.push('');
  return out.join('\n');
}

function profile(r: Profile): string {
  const out: string[] = [];
  out.push('## 3. Profile of the in-process path');
  out.push('');
  out.push(machineLine(r.machine));
  out.push('');
  out.push(
    `\`node --cpu-prof\` over the whole \`${r.variant}\` run (${int(r.records)} records, ${int(r.hosts)} hosts; project modules: ${r.modules ?? 'src/ through tsx'}): loading the encoded fleet (cached in bench/out; when it is generated, bench/fleet.ts and avsc \`write\` show up too), one warm-up and one timed run. Profile: \`${r.file}\` (git-ignored), ${int(r.totalMs)} ms. Top functions by self time; "total" counts time with the function anywhere on the stack. Files under bench/out/dist are the compiled src/ (same names, \`.js\`; line numbers of the compiled output).`,
  );
  out.push('');
  out.push('| self % | total % | function | file |');
  out.push('|---|---|---|---|');
  for (const x of r.rows) {
    const name = x.name.length > 80 ? `${x.name.slice(0, 77)}...` : x.name;
    out.push(
      `| ${fix(x.selfPct, 1)} | ${fix(x.totalPct, 1)} | \`${name.replaceAll('|', '\\|')}\` | ${x.where} |`,
    );
  }
  out.push('');
  return out.join('\n');
}

function broker(r: Broker, key: string): string {
  const text = typeof r.markdown === 'string' ? r.markdown : `\`\`\`\n${JSON.stringify(r, null, 2)}\n\`\`\``;
  const title = `## 4. Through the real broker${key === 'broker' ? '' : ` (${key.slice('broker-'.length)})`}`;
  const pre =
    typeof r.preload === 'string'
      ? [
          `Experiment: every poisonlink process preloaded \`${r.preload}\` (local, not part of the project).`,
          '',
        ]
      : [];
  return [title, '', machineLine(r.machine), '', ...pre, text, ''].join('\n');
}

function latency(r: Broker, key: string): string {
  const text = typeof r.markdown === 'string' ? r.markdown : `\`\`\`\n${JSON.stringify(r, null, 2)}\n\`\`\``;
  const title = `## 5. Latency: last line of a crash report produced → verdict readable (read_committed)${key === 'latency' ? '' : ` (${key.slice('latency-'.length)})`}`;
  return [title, '', machineLine(r.machine), '', text, ''].join('\n');
}

export function renderResults(results: Record<string, unknown>, notes: string, summary = ''): string {
  const out: string[] = [];
  out.push('# poisonlink benchmark results');
  out.push('');
  out.push(
    'Written by `npm run bench` (bench/run.ts) from bench/out/*.result; the summary below is bench/SUMMARY.md and the notes at the end bench/NOTES.md (both hand-written). Re-run one part with `npm run bench -- --only <part>`; see bench/README.md.',
  );
  out.push('');
  if (summary.trim() !== '') {
    out.push(summary.trim());
    out.push('');
  }
  const of = (part: string): [string, unknown][] =>
    Object.entries(results).filter(([k]) => k === part || k.startsWith(`${part}-`));
  for (const [k, r] of of('inprocess')) out.push(inprocess(r as InProcess, k));
  for (const [, r] of of('memory')) out.push(memory(r as Memory));
  for (const [, r] of of('profile')) out.push(profile(r as Profile));
  for (const [k, r] of of('broker')) out.push(broker(r as Broker, k));
  for (const [k, r] of of('latency')) out.push(latency(r as Broker, k));
  if (notes.trim() !== '') {
    out.push(notes.trim());
    out.push('');
  }
  return out.join('\n');
}
