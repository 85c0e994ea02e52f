/**
 * `poisonlink triage FILE...`: one-shot triage for a person at a terminal. Reads dmesg, journald or
 * ndjson files, runs the same pipeline as the live processor, prints a table (or, with --json, one
 * JSON object per line: TriagedCrash and HostHardwareEvent records with `record_type`).
 */
import { isPoisonlinkError } from '../config/errors.js';
import { loadKnownIssuesFile } from '../config/known-issues-file.js';
import { loadConfig } from '../config/load.js';
import { createPipeline } from '../pipeline.js';
import { FILE_FORMATS, type FileFormat, type FileReadOptions, readEventsFromFile } from '../source/files.js';
import { Collector } from './collect.js';
import { hostEventTable, summary, verdictTable } from './render.js';

const USAGE = `usage: poisonlink triage [options] FILE...

Reads kernel logs (dmesg text in any of its forms, journalctl -o json, or ndjson KernelLogEvent
records; detected from the content) and prints every crash with its bucket and evidence.

options:
  --format auto|dmesg|journald|ndjson   input format (default: detected per file)
  --host NAME            host of dmesg text (default: each file is its own host, named after it)
  --boot-time RFC3339    wall clock of uptime 0 for dmesg text without wall-clock stamps
  --year YYYY            year of syslog stamps (they carry none; default: this year)
  --json                 one JSON object per line: record_type "crash" or "host_event"
  --known-issues FILE    known-issues rules (YAML)
  --config FILE          the same YAML config as \`poisonlink run\` (correlation windows, limits)
  --set key.path=value   override one config key, e.g. --set correlation.trustSynthetic=true`;

interface TriageArgs {
  files: string[];
  read: FileReadOptions;
  json: boolean;
}

/**
 * Splits argv into triage's own options, the config options (passed to loadConfig, which knows
 * `--config`, `--set` and the common flags, all of which take a value) and the input files.
 */
function parseArgs(argv: readonly string[]): { args: TriageArgs; configArgv: string[] } | string {
  // syslog stamps carry no year: a person at a terminal is most likely looking at this year's logs
  const out: TriageArgs = {
    files: [],
    read: { format: 'auto', year: new Date().getUTCFullYear() },
    json: false,
  };
  const configArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string | undefined => argv[++i];
    switch (a) {
      case '--json':
        out.json = true;
        break;
      case '--format': {
        const v = value();
        if (v === undefined || !(FILE_FORMATS as readonly string[]).includes(v)) {
          return `--format: expected one of ${FILE_FORMATS.join(', ')}, found ${v ?? 'nothing'}`;
        }
        out.read.format = v as FileFormat;
        break;
      }
      case '--host': {
        const v = value();
        if (v === undefined || v === '') return '--host needs a name';
        out.read.host = v;
        break;
      }
      case '--boot-time': {
        const v = value();
        const ms = v === undefined ? Number.NaN : Date.parse(v);
        if (Number.isNaN(ms)) return `--boot-time: expected an RFC 3339 time, found ${v ?? 'nothing'}`;
        out.read.bootTimeUs = ms * 1000;
        break;
      }
      case '--year': {
        const v = Number(value());
        if (!Number.isInteger(v) || v < 1970 || v > 9999) {
          return `--year: expected a year such as 2026, found ${argv[i] ?? 'nothing'}`;
        }
        out.read.year = v;
        break;
      }
      default:
        if (a.startsWith('-')) {
          configArgv.push(a);
          if (!a.includes('=') && i + 1 < argv.length) configArgv.push(argv[++i] as string);
        } else out.files.push(a);
    }
  }
  if (out.files.length === 0) return 'no input files';
  return { args: out, configArgv };
}

export async function triageCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string') {
    process.stderr.write(`poisonlink triage: ${parsed}\n\n${USAGE}\n`);
    return 2;
  }
  const { args } = parsed;
  let config: ReturnType<typeof loadConfig>['config'];
  let rules: ReturnType<typeof loadKnownIssuesFile>;
  try {
    const loaded = loadConfig(parsed.configArgv, process.env);
    if (loaded.rest.length > 0) {
      process.stderr.write(`poisonlink triage: unknown option ${loaded.rest[0]}\n\n${USAGE}\n`);
      return 2;
    }
    config = loaded.config;
    rules = loadKnownIssuesFile(config.knownIssues.file);
  } catch (e: unknown) {
    process.stderr.write(`poisonlink triage: ${isPoisonlinkError(e) ? e.message : String(e)}\n`);
    return 2;
  }

  const collector = new Collector();
  const pipeline = createPipeline({
    correlation: config.correlation,
    limits: config.state,
    knownIssues: rules,
    sink: collector,
  });
  let failed = false;
  for (const file of args.files) {
    let read: ReturnType<typeof readEventsFromFile>;
    try {
      read = readEventsFromFile(file, args.read);
    } catch (e: unknown) {
      process.stderr.write(
        `poisonlink triage: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}\n`,
      );
      failed = true;
      continue;
    }
    for (const b of read.bad) {
      process.stderr.write(
        `${b.file}:${b.line}: skipped a bad record: ${b.error.code}: ${b.error.message}\n`,
      );
    }
    collector.counts.records += read.events.length + read.bad.length;
    collector.counts.deadLetters += read.bad.length;
    for (const ev of read.events) pipeline.process(ev);
  }
  pipeline.flush();

  const verdicts = collector.sortedVerdicts();
  if (args.json) {
    const lines: string[] = [];
    for (const v of verdicts) lines.push(JSON.stringify({ record_type: 'crash', ...v }));
    for (const e of collector.hostEvents) lines.push(JSON.stringify({ record_type: 'host_event', ...e }));
    process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
  } else {
    process.stdout.write(`${verdictTable(verdicts)}\n\n${hostEventTable(collector.hostEvents)}\n\n`);
    process.stdout.write(`${summary(collector.counts, verdicts, collector.hostEvents.length)}\n`);
  }
  return failed ? 1 : 0;
}
