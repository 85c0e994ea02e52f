/**
 * The command-line entry: one table of commands, each a module exporting
 * `(argv: string[]) => Promise<number>` (the exit code). Commands load lazily so that
 * `poisonlink triage` does not pay for kafkajs.
 */
import { readFileSync } from 'node:fs';
// first, before any command loads kafkajs (see the module)
import '../source/kafkajs-read-committed.js';

type Command = {
  summary: string;
  load: () => Promise<(argv: string[]) => Promise<number>>;
};

const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'the live processor: consume kernel log events from Kafka, emit verdicts (exactly once)',
    load: async () => (await import('./run.js')).runCommand,
  },
  replay: {
    summary: 'backfill: re-triage a topic between two timestamps, or files, into a topic or an ndjson file',
    load: async () => (await import('./replay.js')).replayCommand,
  },
  triage: {
    summary: 'one-shot triage of dmesg / journald / ndjson files for a person at a terminal',
    load: async () => (await import('./triage.js')).triageCommand,
  },
  demo: {
    summary:
      'run the whole pipeline in process on the bundled sample fleet, serve /metrics (--hold keeps it up)',
    load: async () => (await import('./demo.js')).demoCommand,
  },
  config: {
    summary: 'print the default config (--print-defaults) or check a config file (--check)',
    load: async () => (await import('./run.js')).configCommand,
  },
  schemas: {
    summary: 'print the Avro schemas, or register them with a schema registry (--register URL)',
    load: async () => (await import('./schemas.js')).schemasCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: poisonlink <command> [options]',
    '',
    'commands:',
    ...rows,
    '',
    "`poisonlink <command> --help` for a command's options.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`poisonlink ${pkg.version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`poisonlink: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  const run = await command.load();
  return run(rest);
}
