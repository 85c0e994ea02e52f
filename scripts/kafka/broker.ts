import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { checkJava } from './java.js';
import { makeTestClientIdentity, makeTestTlsIdentity } from './tls.js';
import { groupAlive, reapStaleBrokers, recordBroker, signalGroup, terminateGroup } from './processes.js';
import { ensureKafkaJars, kafkaCacheRoot, selectedKafkaVersion } from './resolve.js';
import {
  type BrokerPorts,
  randomClusterId,
  renderLog4j2Properties,
  renderServerProperties,
  type ScramUser,
  scramFormatArgs,
} from './server-config.js';

export type { ScramMechanism, ScramUser } from './server-config.js';

const WATCHDOG = path.join(path.dirname(fileURLToPath(import.meta.url)), 'watchdog.sh');
const HOST = '127.0.0.1';

/** Users created at format time, one per SCRAM mechanism, for the runtime's auth tests. */
export const DEFAULT_SCRAM_USERS: readonly ScramUser[] = [
  { username: 'poisonlink-sha256', password: 'poisonlink-sha256-secret', mechanism: 'SCRAM-SHA-256' },
  { username: 'poisonlink-sha512', password: 'poisonlink-sha512-secret', mechanism: 'SCRAM-SHA-512' },
];

export interface StartBrokerOptions {
  /** Kafka release; default KAFKA_VERSION or 4.4.0. */
  readonly version?: string;
  /** JVM heap ceiling in MiB; default 512. */
  readonly heapMb?: number;
  readonly scramUsers?: readonly ScramUser[];
  /** Extra or overriding server.properties entries. */
  readonly serverProperties?: Readonly<Record<string, string>>;
  /** How long to wait for the first metadata answer; default 120 s (2 shared cores, cold JVM). */
  readonly readyTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL at stop; default 15 s. */
  readonly stopTimeoutMs?: number;
  /** Progress lines (resolution, start, stop); default silent. */
  readonly log?: (line: string) => void;
}

export interface RunningBroker {
  /** `host:port` of the PLAINTEXT listener. */
  readonly bootstrap: string;
  /** `host:port` of the SASL_PLAINTEXT listener (SCRAM-SHA-256 and SCRAM-SHA-512). */
  readonly saslBootstrap: string;
  /** `host:port` of the SSL listener (server authentication; clients need no certificate). */
  readonly sslBootstrap: string;
  /** PEM certificate of the SSL listener, for a client's CA file (in the broker's folder). */
  readonly sslCaFile: string;
  /** The listener that requires a client certificate (same server certificate), and that client's PEM files. */
  readonly mtls: { readonly bootstrap: string; readonly certFile: string; readonly keyFile: string };
  /** The version the broker reported in its log ("Kafka version: ..."). */
  readonly version: string;
  readonly scram: readonly ScramUser[];
  /** Process group of the watchdog and the JVM. */
  readonly pgid: number;
  readonly logFile: string;
  /** Stops the broker (SIGTERM, then SIGKILL) and removes its data folder. Safe to call twice. */
  stop(): Promise<void>;
}

interface ActiveBroker {
  readonly pgid: number;
  readonly dataDir: string;
  readonly registryFile: string;
  readonly cacheRoot: string;
}

// ---- last-resort cleanup: no JVM outlives this process -------------------------------------------

const active = new Map<number, ActiveBroker>();
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killNow(broker: ActiveBroker): void {
  signalGroup(broker.pgid, 'SIGKILL');
  keepLastLog(path.join(broker.dataDir, 'broker.log'), broker.cacheRoot);
  rmSync(broker.dataDir, { recursive: true, force: true });
  rmSync(broker.registryFile, { force: true });
  active.delete(broker.pgid);
}

function onExit(): void {
  for (const broker of [...active.values()]) killNow(broker);
}

function onSignal(signal: NodeJS.Signals): void {
  onExit();
  uninstallHandlers();
  // When nobody else handles the signal, do what Node would have done without us: die by it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (process.listeners('exit').includes(onExit)) return;
  process.on('exit', onExit);
  for (const s of EXIT_SIGNALS) process.on(s, onSignal);
}

function uninstallHandlers(): void {
  process.off('exit', onExit);
  for (const s of EXIT_SIGNALS) process.off(s, onSignal);
}

// ---- helpers ------------------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A port that was free on loopback a moment ago (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function freePorts(): Promise<BrokerPorts> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  return {
    plaintext: await next(),
    sasl: await next(),
    controller: await next(),
    ssl: await next(),
    mtls: await next(),
  };
}

/** The last `lines` lines of a file, or a note that it is missing. */
export function tailFile(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd();
  return text.split('\n').slice(-lines).join('\n');
}

function reportedVersion(logFile: string): string | undefined {
  if (!existsSync(logFile)) return undefined;
  return /Kafka version: (\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1];
}

async function answersMetadata(
  brokers: string[],
  sasl?: ScramUser,
  tls?: { ca: string; cert?: string; key?: string },
): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'poisonlink-test-broker-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
    ...(tls === undefined ? {} : { ssl: { ca: [tls.ca], cert: tls.cert, key: tls.key } }),
    ...(sasl === undefined
      ? {}
      : {
          sasl:
            sasl.mechanism === 'SCRAM-SHA-256'
              ? { mechanism: 'scram-sha-256' as const, username: sasl.username, password: sasl.password }
              : { mechanism: 'scram-sha-512' as const, username: sasl.username, password: sasl.password },
        }),
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// ---- start/stop ---------------------------------------------------------------------------------

function formatStorage(javaBin: string, classpath: string, dir: string, users: readonly ScramUser[]): void {
  const formatLog = path.join(dir, 'format.log');
  const res = spawnSync(
    javaBin,
    [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${path.join(dir, 'log4j2.properties')}`,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      randomClusterId(randomBytes),
      '-c',
      path.join(dir, 'server.properties'),
      ...scramFormatArgs(users),
    ],
    { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  writeFileSync(formatLog, `${res.stdout ?? ''}${res.stderr ?? ''}`);
  if (res.status !== 0) {
    const why = res.error !== undefined ? res.error.message : `exit ${String(res.status ?? res.signal)}`;
    throw new Error(
      `Formatting KRaft storage failed (${why}); last lines of ${formatLog}:\n${tailFile(formatLog)}`,
    );
  }
}

/**
 * Starts a single-node Apache Kafka broker+controller (KRaft) on free loopback ports and resolves
 * once it answers metadata requests on every client listener (PLAINTEXT, SASL, SSL, mutual TLS).
 * The JVM runs in its own process group under scripts/kafka/watchdog.sh, which kills it when this
 * process dies; `exit` and signal handlers and a stale-broker registry in .cache/kafka/run cover
 * the other ways a run can end.
 */
export async function startBroker(opts: StartBrokerOptions = {}): Promise<RunningBroker> {
  const log = opts.log ?? (() => undefined);
  const version = opts.version ?? selectedKafkaVersion();
  const users = opts.scramUsers ?? DEFAULT_SCRAM_USERS;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
  const cacheRoot = kafkaCacheRoot();

  const java = checkJava();
  const reaped = reapStaleBrokers(cacheRoot);
  if (reaped.length > 0) log(`killed ${reaped.length} stale Kafka broker(s) left by an interrupted run`);

  const resolveStarted = Date.now();
  const jars = ensureKafkaJars(version);
  if (jars.downloaded) log(`resolved Kafka ${version} jars with Maven in ${Date.now() - resolveStarted} ms`);
  const classpath = path.join(jars.libsDir, '*');

  const dir = mkdtempSync(path.join(os.tmpdir(), 'poisonlink-kafka-'));
  let child: ChildProcess | undefined;
  let record: ActiveBroker | undefined;
  try {
    const ports = await freePorts();
    const client = makeTestClientIdentity(dir);
    const tls = { ...makeTestTlsIdentity(dir), clientCaFile: client.caFile };
    writeFileSync(
      path.join(dir, 'server.properties'),
      renderServerProperties({
        host: HOST,
        ports,
        logDir: path.join(dir, 'data'),
        tls,
        extra: opts.serverProperties,
      }),
    );
    writeFileSync(path.join(dir, 'log4j2.properties'), renderLog4j2Properties());
    formatStorage(java.bin, classpath, dir, users);

    const logFile = path.join(dir, 'broker.log');
    const logFd = openSync(logFile, 'a');
    const heapMb = opts.heapMb ?? 512;
    child = spawn(
      'bash',
      [
        WATCHDOG,
        java.bin,
        `-Xms${Math.min(128, heapMb)}m`,
        `-Xmx${heapMb}m`,
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${path.join(dir, 'log4j2.properties')}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        path.join(dir, 'server.properties'),
      ],
      { cwd: dir, detached: true, stdio: ['pipe', logFd, logFd] },
    );
    closeSync(logFd);
    const pgid = child.pid;
    if (pgid === undefined) throw new Error(`could not spawn the Kafka broker (bash ${WATCHDOG})`);
    // Keep the watchdog's stdin open for as long as this process lives, but do not keep it alive.
    child.unref();
    const stdin = child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null;
    stdin?.unref?.();
    child.on('error', () => undefined);

    const registryFile = recordBroker(cacheRoot, {
      pgid,
      ownerPid: process.pid,
      dataDir: dir,
      startedAt: new Date().toISOString(),
    });
    record = { pgid, dataDir: dir, registryFile, cacheRoot };
    active.set(pgid, record);
    installHandlers();

    let exitCode: number | null | undefined;
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal === null ? -1 : -2);
    });

    const bootstrap = `${HOST}:${ports.plaintext}`;
    const saslBootstrap = `${HOST}:${ports.sasl}`;
    const sslBootstrap = `${HOST}:${ports.ssl}`;
    const mtlsBootstrap = `${HOST}:${ports.mtls}`;
    const ca = readFileSync(tls.caFile, 'utf8');
    const clientTls = {
      ca,
      cert: readFileSync(client.certFile, 'utf8'),
      key: readFileSync(client.keyFile, 'utf8'),
    };
    const started = Date.now();
    let ready = false;
    while (Date.now() - started < readyTimeoutMs) {
      if (exitCode !== undefined) {
        throw new Error(
          `Kafka ${version} broker exited during start-up (code ${String(exitCode)}); last lines of ${logFile}:\n${tailFile(logFile)}`,
        );
      }
      if (await answersMetadata([bootstrap])) {
        ready =
          (users[0] === undefined || (await answersMetadata([saslBootstrap], users[0]))) &&
          (await answersMetadata([sslBootstrap], undefined, { ca })) &&
          (await answersMetadata([mtlsBootstrap], undefined, clientTls));
        if (ready) break;
      }
      await sleep(250);
    }
    if (!ready) {
      throw new Error(
        `Kafka ${version} broker did not answer a metadata request at ${bootstrap} within ` +
          `${Math.round(readyTimeoutMs / 1000)} s; last lines of ${logFile}:\n${tailFile(logFile)}`,
      );
    }
    log(`Kafka broker started in ${Date.now() - started} ms (pid group ${pgid}, log ${logFile})`);

    const broker = record;
    let stopping: Promise<void> | undefined;
    return {
      bootstrap,
      saslBootstrap,
      sslBootstrap,
      sslCaFile: tls.caFile,
      mtls: { bootstrap: mtlsBootstrap, certFile: client.certFile, keyFile: client.keyFile },
      version: reportedVersion(logFile) ?? version,
      scram: users,
      pgid,
      logFile,
      stop: () => {
        stopping ??= (async () => {
          const how = await terminateGroup(broker.pgid, stopTimeoutMs);
          killNow(broker);
          if (active.size === 0) uninstallHandlers();
          log(`Kafka broker stopped (${how})`);
        })();
        return stopping;
      },
    };
  } catch (err: unknown) {
    if (record !== undefined) {
      await terminateGroup(record.pgid, 2_000);
      killNow(record);
      if (active.size === 0) uninstallHandlers();
    } else if (child?.pid !== undefined && groupAlive(child.pid)) {
      signalGroup(child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Keeps the log of the last broker at .cache/kafka/last-broker.log for a look after the run. */
function keepLastLog(logFile: string, cacheRoot: string): void {
  try {
    mkdirSync(cacheRoot, { recursive: true });
    if (existsSync(logFile)) copyFileSync(logFile, path.join(cacheRoot, 'last-broker.log'));
  } catch {
    // Best effort only.
  }
}
