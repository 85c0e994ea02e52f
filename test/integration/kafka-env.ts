import { randomBytes } from 'node:crypto';
import { type Admin, type ITopicConfig, Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, inject } from 'vitest';
import type { ScramMechanism, ScramUser } from '../../scripts/kafka/server-config.js';
import type { ChildRun } from '../runtime/run-harness.js';

/** What the integration global setup hands to every test (vitest `provide`/`inject`). */
export interface KafkaTestConnection {
  /** `host:port` of a PLAINTEXT listener. */
  readonly bootstrap: string;
  /** `host:port` of a SASL_PLAINTEXT (SCRAM) listener, or null when an external broker has none. */
  readonly saslBootstrap: string | null;
  /** `host:port` of an SSL listener and the PEM CA file that verifies it, or null (external broker). */
  readonly ssl: { readonly bootstrap: string; readonly caFile: string } | null;
  /**
   * `host:port` of an SSL listener that requires a client certificate (verified by the same CA
   * file), and a client certificate and key (PEM) it accepts; or null (external broker).
   */
  readonly mtls: { readonly bootstrap: string; readonly certFile: string; readonly keyFile: string } | null;
  /** Apache Kafka release of the broker, or 'unknown' for an external broker that did not say. */
  readonly version: string;
  readonly scram: readonly ScramUser[];
  /** True when KAFKA_BOOTSTRAP pointed the run at a broker the harness did not start. */
  readonly external: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: KafkaTestConnection;
  }
}

/** The broker of this run. Only callable inside the `integration` vitest project. */
export function kafkaConnection(): KafkaTestConnection {
  return inject('kafka');
}

const LOG_LEVELS = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/** kafkajs is silent in tests unless KAFKAJS_LOG_LEVEL (error|warn|info|debug) asks otherwise. */
function testLogLevel(): logLevel {
  const wanted = (process.env['KAFKAJS_LOG_LEVEL'] ?? 'nothing').toLowerCase();
  return wanted in LOG_LEVELS ? LOG_LEVELS[wanted as keyof typeof LOG_LEVELS] : logLevel.NOTHING;
}

/** kafkajs client config for the PLAINTEXT listener of the run's broker. */
export function kafkaConfig(overrides: Partial<KafkaConfig> = {}): KafkaConfig {
  return {
    clientId: 'poisonlink-test',
    brokers: [kafkaConnection().bootstrap],
    logLevel: testLogLevel(),
    connectionTimeout: 5_000,
    ...overrides,
  };
}

function kafkajsSasl(user: ScramUser, password: string): SASLOptions {
  return user.mechanism === 'SCRAM-SHA-256'
    ? { mechanism: 'scram-sha-256', username: user.username, password }
    : { mechanism: 'scram-sha-512', username: user.username, password };
}

/**
 * kafkajs client config for the SASL_PLAINTEXT listener, logged in as the run's SCRAM user for
 * `mechanism`. `password` overrides the user's real one (to test refusals).
 */
export function scramConfig(
  mechanism: ScramMechanism,
  overrides: Partial<KafkaConfig> & { password?: string } = {},
): KafkaConfig {
  const conn = kafkaConnection();
  if (conn.saslBootstrap === null) {
    throw new Error('the test broker has no SASL listener (set KAFKA_SASL_BOOTSTRAP and KAFKA_SCRAM_USERS)');
  }
  const user = conn.scram.find((u) => u.mechanism === mechanism);
  if (user === undefined) throw new Error(`the test broker has no ${mechanism} user`);
  const { password, ...rest } = overrides;
  return {
    ...kafkaConfig({ brokers: [conn.saslBootstrap] }),
    sasl: kafkajsSasl(user, password ?? user.password),
    ...rest,
  };
}

/** A topic name no other test (or earlier run against the same broker) uses. */
export function uniqueTopic(prefix: string): string {
  const clean = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 100);
  return `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Creates a new topic and waits until every partition has a leader; fails if it already exists. */
export async function createTopic(
  admin: Admin,
  name: string,
  partitions: number,
  configEntries: ITopicConfig['configEntries'] = [],
): Promise<void> {
  const created = await admin.createTopics({
    topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1, configEntries }],
    waitForLeaders: true,
  });
  if (!created) throw new Error(`topic ${name} already exists; tests must make their own topics`);
}

/** What a describe block of integration tests shares: see {@link kafkaSuite}. */
export interface KafkaSuite {
  /** a kafkajs client for the PLAINTEXT listener */
  readonly kafka: Kafka;
  /** an admin client of it, connected */
  readonly admin: Admin;
  /** the `poisonlink run` children the tests started: killed after the block's tests */
  readonly children: ChildRun[];
}

/**
 * Registers the block's setup and teardown: before its tests a kafkajs client named `clientId` and
 * its connected admin, after them every child in `children` killed and the admin disconnected.
 * Read `kafka` and `admin` inside tests and hooks only (they exist from the block's start on).
 */
export function kafkaSuite(clientId: string): KafkaSuite {
  let kafka: Kafka | undefined;
  let admin: Admin | undefined;
  const children: ChildRun[] = [];
  beforeAll(async () => {
    kafka = new Kafka(kafkaConfig({ clientId }));
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await admin?.disconnect();
  });
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined)
      throw new Error(`kafkaSuite(${clientId}): ${what} read before the suite's beforeAll ran`);
    return v;
  };
  return {
    get kafka() {
      return ready(kafka, 'kafka');
    },
    get admin() {
      return ready(admin, 'admin');
    },
    children,
  };
}
