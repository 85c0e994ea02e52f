import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** The JVM the broker runs on. */
export interface JavaRuntime {
  readonly bin: string;
  readonly major: number;
  readonly versionLine: string;
}

/** Kafka 4.x brokers need Java 17; 3.9 runs on 11+, but this project only checks for one floor. */
export const MIN_JAVA_MAJOR = 17;

/** `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH. */
export function javaBinary(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['JAVA_HOME'];
  return home !== undefined && home !== '' ? path.join(home, 'bin', 'java') : 'java';
}

/** Reads the major version out of the first line of `java -version` (`openjdk version "17.0.15" ...`). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (match === null) return undefined;
  const first = Number(match[1]);
  // Java 8 and older report "1.8.0_x".
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/**
 * Finds a usable JVM or throws an error that says exactly what is missing and how to get it.
 */
export function checkJava(env: NodeJS.ProcessEnv = process.env): JavaRuntime {
  const bin = javaBinary(env);
  const res = spawnSync(bin, ['-version'], { encoding: 'utf8' });
  if (res.error !== undefined) {
    throw new Error(
      `Java is missing: could not run '${bin}' (${res.error.message}). The integration tests start a real ` +
        `Kafka broker, which needs a Java ${MIN_JAVA_MAJOR}+ runtime: install one (Debian: apt-get install ` +
        `openjdk-17-jdk-headless) or set JAVA_HOME, or point KAFKA_BOOTSTRAP at an existing broker.`,
    );
  }
  const output = `${res.stderr}${res.stdout}`;
  const versionLine = output.split('\n')[0]?.trim() ?? '';
  const major = parseJavaMajor(output);
  if (major === undefined) {
    throw new Error(`Could not read the Java version from '${bin} -version': ${versionLine}`);
  }
  if (major < MIN_JAVA_MAJOR) {
    throw new Error(
      `Java ${MIN_JAVA_MAJOR}+ is needed to run the Kafka broker, found Java ${major} at '${bin}' ` +
        `(${versionLine}). Set JAVA_HOME to a newer JDK.`,
    );
  }
  return { bin, major, versionLine };
}
