/**
 * `poisonlink run`: the live processor. Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT),
 * 1 after a fatal operational error (bad credentials, unreachable brokers, shutdown timeout),
 * 2 for an invalid configuration or usage.
 */
import type { KnownIssueRules } from '../classify/index.js';
import { describeError, isPoisonlinkError, PoisonlinkError } from '../config/errors.js';
import { loadKnownIssuesFile } from '../config/known-issues-file.js';
import { loadConfig } from '../config/load.js';
import { defaultsYaml, redactConfig } from '../config/print.js';
import type { Config } from '../config/schema.js';
import { createProcessor } from '../runtime/processor.js';
import { startHttpServer } from '../telemetry/http.js';
import { createTelemetry } from '../telemetry/metrics.js';

const RUN_USAGE = `usage: poisonlink run [--config FILE] [--set key.path=value]... [--brokers h:p,...]
       [--group-id ID] [--input topic,...] [--format avro|ndjson|journald] [--http-port N]
       [--log-level debug|info|warn|error] [--known-issues FILE]

Settings come from the defaults, then the YAML file, then POISONLINK_* environment variables
(e.g. POISONLINK_KAFKA_BROKERS=a:9092,b:9092), then flags. \`poisonlink config --print-defaults\`
lists every key.`;

function configOrExit(argv: readonly string[]): { config: Config; rest: string[] } | number {
  try {
    return loadConfig(argv, process.env);
  } catch (e: unknown) {
    process.stderr.write(`poisonlink: ${isPoisonlinkError(e) ? e.message : describeError(e)}\n`);
    return 2;
  }
}

export async function runCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${RUN_USAGE}\n`);
    return 0;
  }
  const loaded = configOrExit(argv);
  if (typeof loaded === 'number') return loaded;
  const { config, rest } = loaded;
  if (rest.length > 0) {
    process.stderr.write(`poisonlink run: unexpected argument(s) ${rest.join(' ')}\n${RUN_USAGE}\n`);
    return 2;
  }
  const telemetry = createTelemetry({ level: config.log.level });
  const log = telemetry.log;
  let knownIssues: KnownIssueRules;
  try {
    knownIssues = loadKnownIssuesFile(config.knownIssues.file);
  } catch (e: unknown) {
    process.stderr.write(`poisonlink: ${describeError(e)}\n`);
    return 2;
  }
  log.info('starting poisonlink run', { config: redactConfig(config) });

  let processor: ReturnType<typeof createProcessor>;
  try {
    processor = createProcessor({ config, telemetry, knownIssues });
  } catch (e: unknown) {
    log.error('cannot start', { error: describeError(e), code: isPoisonlinkError(e) ? e.code : 'INTERNAL' });
    return 1;
  }
  const http = await startHttpServer(config.http.port, telemetry.registry, processor).catch((e: unknown) => {
    log.error('cannot listen for HTTP', { port: config.http.port, error: describeError(e) });
    return null;
  });
  if (http === null) return 1;
  log.info('http listening', { port: http.port });

  let signalled: (sig: string) => void = () => {};
  const signal = new Promise<string>((resolve) => {
    signalled = resolve;
  });
  const onSignal = (sig: NodeJS.Signals): void => signalled(sig);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let code = 0;
  try {
    const startOutcome = await Promise.race([
      processor.start().then(() => null),
      signal.then((s) => ({ signal: s })),
      processor.failed.then((e) => ({ error: e })),
    ]);
    const outcome =
      startOutcome ??
      (await Promise.race([
        signal.then((s) => ({ signal: s })),
        processor.failed.then((e) => ({ error: e })),
      ]));
    if ('error' in outcome) {
      log.error('fatal error, stopping', { code: outcome.error.code, error: describeError(outcome.error) });
      code = 1;
    } else {
      log.info('signal received, shutting down', { signal: outcome.signal });
    }
  } catch (e: unknown) {
    const err = isPoisonlinkError(e) ? e : new PoisonlinkError('INTERNAL', describeError(e), { cause: e });
    log.error('cannot start', { code: err.code, retriable: err.retriable, error: describeError(err) });
    code = 1;
  }
  try {
    await processor.stop();
  } catch (e: unknown) {
    log.error('shutdown failed', {
      code: isPoisonlinkError(e) ? e.code : 'INTERNAL',
      error: describeError(e),
    });
    code = 1;
  }
  await http.close();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return code;
}

/** `poisonlink config --print-defaults | --check [config flags]`. */
export async function configCommand(argv: string[]): Promise<number> {
  if (argv.includes('--print-defaults')) {
    process.stdout.write(defaultsYaml());
    return 0;
  }
  const args = argv.filter((a) => a !== '--check');
  const loaded = configOrExit(args);
  if (typeof loaded === 'number') return loaded;
  if (loaded.rest.length > 0) {
    process.stderr.write(`poisonlink config: unexpected argument(s) ${loaded.rest.join(' ')}\n`);
    return 2;
  }
  process.stdout.write(`${JSON.stringify(redactConfig(loaded.config), null, 2)}\n`);
  return 0;
}
