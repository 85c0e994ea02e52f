import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from './processes.js';

/** Newest Kafka 4.x release served by the registry this project uses. */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (scripts/kafka/../..). */
export const REPO_ROOT = path.resolve(here, '..', '..');
const POM = path.join(here, 'pom.xml');
/** Marker written after a complete copy, so an interrupted download is redone. */
const COMPLETE_MARKER = '.complete';

/** The Kafka version to run: KAFKA_VERSION or the default. Throws on a malformed value. */
export function selectedKafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  const wanted = env['KAFKA_VERSION'];
  const version = wanted === undefined || wanted === '' ? DEFAULT_KAFKA_VERSION : wanted;
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`KAFKA_VERSION must look like 4.4.0, found '${version}'`);
  }
  return version;
}

/** `.cache/kafka` in the repository (ignored by git), or KAFKA_CACHE_DIR. */
export function kafkaCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['KAFKA_CACHE_DIR'];
  return dir !== undefined && dir !== '' ? path.resolve(dir) : path.join(REPO_ROOT, '.cache', 'kafka');
}

export interface KafkaJars {
  readonly version: string;
  /** Folder holding every jar the broker needs; the JVM classpath is `<libsDir>/*`. */
  readonly libsDir: string;
  /** True when this call ran Maven, false when the cache already had the jars. */
  readonly downloaded: boolean;
}

function isComplete(libsDir: string, version: string): boolean {
  return (
    existsSync(path.join(libsDir, COMPLETE_MARKER)) &&
    existsSync(path.join(libsDir, `kafka_2.13-${version}.jar`))
  );
}

/**
 * Makes sure the jars of Kafka `version` are in `.cache/kafka/<version>/libs`, running
 * `mvn dependency:copy-dependencies` on scripts/kafka/pom.xml only when they are missing.
 * Copies into a temporary folder first and renames it, so concurrent or interrupted runs never see
 * half a classpath.
 */
export function ensureKafkaJars(version: string, env: NodeJS.ProcessEnv = process.env): KafkaJars {
  const versionDir = path.join(kafkaCacheRoot(env), version);
  const libsDir = path.join(versionDir, 'libs');
  removeAbandonedStaging(versionDir);
  if (isComplete(libsDir, version)) return { version, libsDir, downloaded: false };

  const mvn = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
  if (mvn.error !== undefined) {
    throw new Error(
      `Maven is missing: could not run 'mvn' (${mvn.error.message}). The integration tests resolve the Kafka ` +
        `broker's jars with Maven: install it (Debian: apt-get install maven), or point KAFKA_BOOTSTRAP at ` +
        `an existing broker.`,
    );
  }
  mkdirSync(versionDir, { recursive: true });
  const staging = path.join(versionDir, `libs.tmp-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const res = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      POM,
      `-Dkafka.version=${version}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${staging}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (res.status !== 0 || !existsSync(path.join(staging, `kafka_2.13-${version}.jar`))) {
    rmSync(staging, { recursive: true, force: true });
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(
      `Could not resolve org.apache.kafka:kafka_2.13:${version} with Maven (exit ${String(res.status)}):\n${out}`,
    );
  }
  writeFileSync(path.join(staging, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
  if (isComplete(libsDir, version)) {
    // Another process finished first; keep its copy.
    rmSync(staging, { recursive: true, force: true });
  } else {
    rmSync(libsDir, { recursive: true, force: true });
    renameSync(staging, libsDir);
  }
  return { version, libsDir, downloaded: true };
}

/** Removes `libs.tmp-<pid>` folders of Maven runs whose process is gone (an interrupted download). */
function removeAbandonedStaging(versionDir: string): void {
  if (!existsSync(versionDir)) return;
  for (const name of readdirSync(versionDir)) {
    const pid = /^libs\.tmp-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && (Number(pid) === process.pid || !isAlive(Number(pid)))) {
      rmSync(path.join(versionDir, name), { recursive: true, force: true });
    }
  }
}

/** Number of jars in a resolved libs folder (for log lines). */
export function jarCount(libsDir: string): number {
  return readdirSync(libsDir).filter((f) => f.endsWith('.jar')).length;
}
