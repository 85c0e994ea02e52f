import type { TestProject } from 'vitest/node';
import { type RunningBroker, startBroker } from '../../scripts/kafka/broker.js';
import { SCRAM_MECHANISMS, type ScramMechanism, type ScramUser } from '../../scripts/kafka/server-config.js';
import type { KafkaTestConnection } from './kafka-env.js';

/** Env vars that describe the broker, also set for the test workers (restored at teardown). */
const ENV_KEYS = [
  'KAFKA_BOOTSTRAP',
  'KAFKA_SASL_BOOTSTRAP',
  'KAFKA_SSL_BOOTSTRAP',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_MTLS_BOOTSTRAP',
  'KAFKA_MTLS_CERT_FILE',
  'KAFKA_MTLS_KEY_FILE',
  'KAFKA_SCRAM_USERS',
  'KAFKA_BROKER_VERSION',
] as const;

/** `MECHANISM:user:password` entries separated by commas (passwords may contain ':'). */
function parseScramUsers(text: string | undefined): ScramUser[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((entry) => {
    const [mechanism, username, ...password] = entry.trim().split(':');
    if (
      !SCRAM_MECHANISMS.includes(mechanism as ScramMechanism) ||
      username === undefined ||
      password.length === 0
    ) {
      throw new Error(`KAFKA_SCRAM_USERS entries look like SCRAM-SHA-256:user:password, found '${entry}'`);
    }
    return { mechanism: mechanism as ScramMechanism, username, password: password.join(':') };
  });
}

function formatScramUsers(users: readonly ScramUser[]): string {
  return users.map((u) => `${u.mechanism}:${u.username}:${u.password}`).join(',');
}

function mtlsOf(env: NodeJS.ProcessEnv): KafkaTestConnection['mtls'] {
  const bootstrap = env['KAFKA_MTLS_BOOTSTRAP'];
  const certFile = env['KAFKA_MTLS_CERT_FILE'];
  const keyFile = env['KAFKA_MTLS_KEY_FILE'];
  if (!bootstrap || !certFile || !keyFile) return null;
  return { bootstrap, certFile, keyFile };
}

function externalBroker(env: NodeJS.ProcessEnv): KafkaTestConnection | undefined {
  const bootstrap = env['KAFKA_BOOTSTRAP'];
  if (bootstrap === undefined || bootstrap === '') return undefined;
  const sasl = env['KAFKA_SASL_BOOTSTRAP'];
  const ssl = env['KAFKA_SSL_BOOTSTRAP'];
  const caFile = env['KAFKA_SSL_CA_FILE'];
  return {
    bootstrap,
    saslBootstrap: sasl === undefined || sasl === '' ? null : sasl,
    ssl:
      ssl === undefined || ssl === '' || caFile === undefined || caFile === ''
        ? null
        : { bootstrap: ssl, caFile },
    mtls: mtlsOf(env),
    version: env['KAFKA_BROKER_VERSION'] || 'unknown',
    scram: parseScramUsers(env['KAFKA_SCRAM_USERS']),
    external: true,
  };
}

/**
 * Starts one Apache Kafka broker for the whole integration run (unless KAFKA_BOOTSTRAP names an
 * existing one), hands its address to the tests, and stops it at teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const saved = new Map(ENV_KEYS.map((k) => [k, process.env[k]] as const));
  let broker: RunningBroker | undefined;
  let conn = externalBroker(process.env);
  if (conn === undefined) {
    broker = await startBroker({
      stopTimeoutMs: 8_000,
      log: (line) => console.log(`[kafka] ${line}`),
    });
    conn = {
      bootstrap: broker.bootstrap,
      saslBootstrap: broker.saslBootstrap,
      ssl: { bootstrap: broker.sslBootstrap, caFile: broker.sslCaFile },
      mtls: broker.mtls,
      version: broker.version,
      scram: broker.scram,
      external: false,
    };
  }
  const versionText =
    conn.version === 'unknown' ? 'an existing Apache Kafka broker' : `Apache Kafka ${conn.version}`;
  console.log(
    `integration tests run against ${versionText} at ${conn.bootstrap}` +
      (conn.saslBootstrap === null ? '' : ` (SASL/SCRAM at ${conn.saslBootstrap})`) +
      (conn.ssl === null ? '' : ` (TLS at ${conn.ssl.bootstrap})`) +
      (conn.external ? ' (KAFKA_BOOTSTRAP)' : ''),
  );

  project.provide('kafka', conn);
  process.env['KAFKA_BOOTSTRAP'] = conn.bootstrap;
  if (conn.saslBootstrap !== null) process.env['KAFKA_SASL_BOOTSTRAP'] = conn.saslBootstrap;
  if (conn.ssl !== null) {
    process.env['KAFKA_SSL_BOOTSTRAP'] = conn.ssl.bootstrap;
    process.env['KAFKA_SSL_CA_FILE'] = conn.ssl.caFile;
  }
  if (conn.mtls !== null) {
    process.env['KAFKA_MTLS_BOOTSTRAP'] = conn.mtls.bootstrap;
    process.env['KAFKA_MTLS_CERT_FILE'] = conn.mtls.certFile;
    process.env['KAFKA_MTLS_KEY_FILE'] = conn.mtls.keyFile;
  }
  if (conn.scram.length > 0) process.env['KAFKA_SCRAM_USERS'] = formatScramUsers(conn.scram);
  process.env['KAFKA_BROKER_VERSION'] = conn.version;

  return async () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await broker?.stop();
  };
}
