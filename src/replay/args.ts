/**
 * The flags of `poisonlink replay` that are its own; everything else (`--config`, `--set`,
 * `--brokers`, `--known-issues`, ...) goes to the config loader, which leaves the file names.
 */
import { OUTPUT_FORMATS, type OutputFormat } from './output.js';
import { parseRfc3339 } from './time-range.js';

export const REPLAY_USAGE = `usage: poisonlink replay [--config FILE] [--from RFC3339] [--to RFC3339] [--topic T]...
                        [--output FILE.ndjson | --output-topic T [--host-events-topic T]
                         [--output-format avro|ndjson]] [--diff OLD.ndjson] [config flags]
       poisonlink replay [--format avro|ndjson|journald|dmesg] [--host H] [--boot-time RFC3339]
                        [output flags] FILE...

Backfill: re-triages a topic between two record timestamps (default: the configured input
topics, from the earliest record to the end as it was when the replay started), or files, with
the settings and known-issues file of \`poisonlink run\`. Reads with a consumer group of its own
and commits no offset: the live group is not touched.

  --from, --to          record timestamps (RFC 3339), both inclusive; offsets are looked up by time
  --topic T             topic to read (repeatable, or a,b); default topics.input
  --output FILE         one JSON object per line (record_type crash | host_event); - for stdout
  --output-topic T      verdicts keyed by crash_id, as the live run writes them
  --host-events-topic T host events keyed by host (default: the --output-topic)
  --output-format F     avro (the project's schemas, default) or ndjson, for --output-topic
  --diff OLD.ndjson     after the run, print which verdicts changed against an earlier output, and why
  --format F            file format (detected per file by default); for a topic, input.format
  --host H              host of dmesg lines that name none (default: the file name)
  --boot-time T         wall clock of uptime 0 for dmesg text without wall-clock stamps
  --progress-interval S seconds between progress lines when stderr is not a terminal (default 10)
  --no-progress         no progress output
  --idle-timeout S      give up when no record arrives for S seconds before the end (default 60)
Without --output or --output-topic the verdicts are printed as a table.`;

export interface ReplayArgs {
  fromMs: number | null;
  toMs: number | null;
  topics: string[];
  output: string | null;
  outputTopic: string | null;
  hostEventsTopic: string | null;
  outputFormat: OutputFormat;
  diff: string | null;
  format: string | null;
  host: string | null;
  bootTimeUs: number | null;
  progress: boolean;
  progressIntervalMs: number;
  idleTimeoutMs: number;
  help: boolean;
  /** arguments for the config loader (and the file names among them) */
  rest: string[];
}

const VALUED = new Set([
  '--from',
  '--to',
  '--topic',
  '--output',
  '--output-topic',
  '--host-events-topic',
  '--output-format',
  '--diff',
  '--format',
  '--host',
  '--boot-time',
  '--progress-interval',
  '--idle-timeout',
]);

function seconds(name: string, v: string, problems: string[]): number {
  const n = Number(v);
  if (!/^\d+(?:\.\d+)?$/.test(v.trim()) || !Number.isFinite(n) || n <= 0) {
    problems.push(`${name}: expected a positive number of seconds, found '${v}'`);
    return 0;
  }
  return Math.round(n * 1000);
}

export function parseReplayArgs(argv: readonly string[]): { args: ReplayArgs; problems: string[] } {
  const problems: string[] = [];
  const args: ReplayArgs = {
    fromMs: null,
    toMs: null,
    topics: [],
    output: null,
    outputTopic: null,
    hostEventsTopic: null,
    outputFormat: 'avro',
    diff: null,
    format: null,
    host: null,
    bootTimeUs: null,
    progress: true,
    progressIntervalMs: 10_000,
    idleTimeoutMs: 60_000,
    help: false,
    rest: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      args.help = true;
      continue;
    }
    if (arg === '--no-progress') {
      args.progress = false;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!VALUED.has(name)) {
      args.rest.push(arg);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') {
      problems.push(`${name} needs a value`);
      continue;
    }
    switch (name) {
      case '--from':
      case '--to': {
        const r = parseRfc3339(value, name === '--from' ? 'up' : 'down');
        if (!r.ok) problems.push(`${name}: ${r.message}`);
        else if (name === '--from') args.fromMs = r.ms;
        else args.toMs = r.ms;
        break;
      }
      case '--boot-time': {
        const r = parseRfc3339(value, 'down');
        if (!r.ok) problems.push(`${name}: ${r.message}`);
        else args.bootTimeUs = r.ms * 1000;
        break;
      }
      case '--topic':
        args.topics.push(
          ...value
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== ''),
        );
        break;
      case '--output':
        args.output = value;
        break;
      case '--output-topic':
        args.outputTopic = value;
        break;
      case '--host-events-topic':
        args.hostEventsTopic = value;
        break;
      case '--output-format':
        if ((OUTPUT_FORMATS as readonly string[]).includes(value)) args.outputFormat = value as OutputFormat;
        else problems.push(`--output-format: expected one of ${OUTPUT_FORMATS.join(', ')}, found '${value}'`);
        break;
      case '--diff':
        args.diff = value;
        break;
      case '--format':
        args.format = value;
        break;
      case '--host':
        args.host = value;
        break;
      case '--progress-interval':
        args.progressIntervalMs = seconds(name, value, problems);
        break;
      case '--idle-timeout':
        args.idleTimeoutMs = seconds(name, value, problems);
        break;
    }
  }
  if (args.fromMs !== null && args.toMs !== null && args.fromMs > args.toMs) {
    problems.push('--from is after --to');
  }
  if (args.output !== null && args.outputTopic !== null) {
    problems.push('--output and --output-topic: choose one');
  }
  if (args.hostEventsTopic !== null && args.outputTopic === null) {
    problems.push('--host-events-topic needs --output-topic');
  }
  return { args, problems };
}
