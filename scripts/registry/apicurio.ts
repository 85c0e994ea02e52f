/**
 * A real schema registry for the integration tests: Apicurio Registry 2.0.2.Final (in-memory
 * storage, Confluent-compatible API at /apis/ccompat/v6), built from Maven Central by
 * scripts/registry/pom.xml and cached in .cache/registry (or REGISTRY_CACHE_DIR).
 *
 *   npx tsx scripts/registry/apicurio.ts build          resolve and build once (CI: before the tests)
 *   npx tsx scripts/registry/apicurio.ts run [--port N]  run in the foreground until SIGINT/SIGTERM;
 *                                                       prints SCHEMA_REGISTRY_URL=... when ready
 *
 * Tests call `startApicurio()`; it runs the JVM under scripts/kafka/watchdog.sh, so the registry
 * ends with the Node process that started it, even when that one is killed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkJava } from '../kafka/java.js';

export const APICURIO_VERSION = '2.0.2.Final';
const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '..', '..');
const POM = path.join(here, 'pom.xml');
const WATCHDOG = path.join(REPO_ROOT, 'scripts', 'kafka', 'watchdog.sh');
const RUNNER = `apicurio-test-registry-${APICURIO_VERSION}-runner.jar`;
const COMPLETE = '.complete';
const HOST = '127.0.0.1';
/** Quarkus only loads CDI beans and REST resources of jars it indexes; the registry's are dependencies here. */
const INDEX_DEPENDENCIES = {
  'apicurio-app': 'apicurio-registry-app',
  'apicurio-common': 'apicurio-registry-common',
} as const;

export function registryCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['REGISTRY_CACHE_DIR'];
  return dir !== undefined && dir !== '' ? path.resolve(dir) : path.join(REPO_ROOT, '.cache', 'registry');
}

export interface ApicurioBuild {
  /** folder holding the runner jar and its lib/ */
  readonly appDir: string;
  readonly runnerJar: string;
  readonly built: boolean;
}

/**
 * Makes sure the runnable registry is in `.cache/registry/apicurio-<version>/app`, running the
 * Maven build only when it is missing. Builds in a staging folder and renames it, so an
 * interrupted build is redone and never half used.
 */
export function ensureApicurio(env: NodeJS.ProcessEnv = process.env): ApicurioBuild {
  const versionDir = path.join(registryCacheRoot(env), `apicurio-${APICURIO_VERSION}`);
  const appDir = path.join(versionDir, 'app');
  const runnerJar = path.join(appDir, RUNNER);
  if (existsSync(path.join(appDir, COMPLETE)) && existsSync(runnerJar))
    return { appDir, runnerJar, built: false };

  const mvn = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
  if (mvn.error !== undefined) {
    throw new Error(
      `Maven is missing: could not run 'mvn' (${mvn.error.message}). The registry integration tests build ` +
        'Apicurio Registry from Maven Central: install Maven (Debian: apt-get install maven) or set SCHEMA_REGISTRY_URL.',
    );
  }
  mkdirSync(versionDir, { recursive: true });
  for (const name of readdirSync(versionDir)) {
    if (/^build\.tmp-\d+$/.test(name)) rmSync(path.join(versionDir, name), { recursive: true, force: true });
  }
  const staging = path.join(versionDir, `build.tmp-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  writeFileSync(path.join(staging, 'pom.xml'), readFileSync(POM));
  const index = Object.entries(INDEX_DEPENDENCIES).flatMap(([key, artifact]) => [
    `-Dquarkus.index-dependency.${key}.group-id=io.apicurio`,
    `-Dquarkus.index-dependency.${key}.artifact-id=${artifact}`,
  ]);
  const res = spawnSync('mvn', ['-q', '-B', '-f', path.join(staging, 'pom.xml'), ...index, 'package'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const target = path.join(staging, 'target');
  if (res.status !== 0 || !existsSync(path.join(target, RUNNER))) {
    rmSync(staging, { recursive: true, force: true });
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(
      `Could not build Apicurio Registry ${APICURIO_VERSION} with Maven (exit ${String(res.status)}):\n${out}`,
    );
  }
  writeFileSync(path.join(target, COMPLETE), `${new Date().toISOString()}\n`);
  if (existsSync(path.join(appDir, COMPLETE))) {
    rmSync(staging, { recursive: true, force: true });
  } else {
    rmSync(appDir, { recursive: true, force: true });
    renameSync(target, appDir);
    rmSync(staging, { recursive: true, force: true });
  }
  return { appDir, runnerJar, built: true };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

export interface RunningApicurio {
  /** base URL of the Confluent-compatible API, for @kafkajs/confluent-schema-registry */
  readonly url: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export interface StartApicurioOptions {
  port?: number;
  readyTimeoutMs?: number;
  heapMb?: number;
  log?: (line: string) => void;
}

/** Builds (once) and starts the registry; resolves when its ccompat API answers. */
export async function startApicurio(opts: StartApicurioOptions = {}): Promise<RunningApicurio> {
  const log = opts.log ?? (() => undefined);
  const java = checkJava();
  const t0 = Date.now();
  const build = ensureApicurio();
  if (build.built) log(`built Apicurio Registry ${APICURIO_VERSION} with Maven in ${Date.now() - t0} ms`);
  const port = opts.port ?? (await freePort());
  const runDir = path.join(registryCacheRoot(), 'run');
  mkdirSync(runDir, { recursive: true });
  const logFile = path.join(runDir, `apicurio-${port}.log`);
  const logFd = openSync(logFile, 'w');
  const heapMb = opts.heapMb ?? 384;
  const child: ChildProcess = spawn(
    'bash',
    [
      WATCHDOG,
      java.bin,
      `-Xmx${heapMb}m`,
      '-XX:+ExitOnOutOfMemoryError',
      `-Dquarkus.http.port=${port}`,
      `-Dquarkus.http.host=${HOST}`,
      '-jar',
      build.runnerJar,
    ],
    { cwd: build.appDir, detached: true, stdio: ['pipe', logFd, logFd] },
  );
  closeSync(logFd);
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not spawn Apicurio Registry (bash ${WATCHDOG})`);
  child.unref();
  (child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  child.on('error', () => undefined);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal === null ? -1 : -2);
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exitCode !== undefined) return;
      try {
        process.kill(-pgid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 15_000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };

  const url = `http://${HOST}:${port}/apis/ccompat/v6`;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const started = Date.now();
  while (!(await answers(url))) {
    if (exitCode !== undefined) {
      throw new Error(
        `Apicurio Registry exited during start-up (code ${String(exitCode)}); last lines of ${logFile}:\n${tail(logFile)}`,
      );
    }
    if (Date.now() - started > readyTimeoutMs) {
      await stop();
      throw new Error(
        `Apicurio Registry did not answer ${url}/subjects within ${readyTimeoutMs / 1000} s; last lines of ${logFile}:\n${tail(logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`Apicurio Registry ${APICURIO_VERSION} ready at ${url} in ${Date.now() - started} ms (log ${logFile})`);
  return { url, logFile, stop };
}

async function cli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'build') {
    const b = ensureApicurio();
    process.stdout.write(`${b.built ? 'built' : 'cached'}: ${b.runnerJar}\n`);
    return 0;
  }
  if (cmd === 'run') {
    const i = rest.indexOf('--port');
    const port = i >= 0 ? Number(rest[i + 1]) : undefined;
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
      process.stderr.write(`--port expects a TCP port, found '${rest[i + 1]}'\n`);
      return 2;
    }
    const reg = await startApicurio({
      ...(port === undefined ? {} : { port }),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    process.stdout.write(`SCHEMA_REGISTRY_URL=${reg.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await reg.stop();
    return 0;
  }
  process.stderr.write('usage: apicurio.ts build | run [--port N]\n');
  return 2;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
