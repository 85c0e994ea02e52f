/** Renders the files a single-node KRaft test broker starts from. Pure: no I/O. */

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

export interface ScramUser {
  readonly username: string;
  readonly password: string;
  readonly mechanism: ScramMechanism;
}

export interface BrokerPorts {
  readonly plaintext: number;
  readonly sasl: number;
  readonly controller: number;
  /** the SSL listener's port, when the broker has a TLS identity */
  readonly ssl?: number;
  /** the port of the SSL listener that requires a client certificate, with `tls.clientCaFile` */
  readonly mtls?: number;
}

/** The SSL listeners' keystore: an unencrypted key and its certificate in one PEM file. */
export interface BrokerTls {
  readonly keystoreFile: string;
  /** PEM of the CA whose client certificates the mutual-TLS listener (MTLS) accepts */
  readonly clientCaFile?: string;
}

export interface ServerConfigInput {
  readonly host: string;
  readonly ports: BrokerPorts;
  readonly logDir: string;
  /** adds an SSL listener on `ports.ssl` (server authentication only: clients need no certificate) */
  readonly tls?: BrokerTls;
  /** Extra or overriding `server.properties` entries. */
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * `server.properties` for one combined broker+controller on loopback: PLAINTEXT, SASL_PLAINTEXT
 * (SCRAM-SHA-256/512) and, with a TLS identity, SSL client listeners, a PLAINTEXT controller
 * listener, and every internal topic at replication 1 so groups and transactions work on a single
 * node without waiting.
 */
export function renderServerProperties(input: ServerConfigInput): string {
  const { host, ports, tls } = input;
  const ssl = tls !== undefined && ports.ssl !== undefined ? `,SSL://${host}:${ports.ssl}` : '';
  const mtls =
    ssl !== '' && tls?.clientCaFile !== undefined && ports.mtls !== undefined
      ? `,MTLS://${host}:${ports.mtls}`
      : '';
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${host}:${ports.controller}`,
    listeners: `PLAINTEXT://${host}:${ports.plaintext},SASL_PLAINTEXT://${host}:${ports.sasl}${ssl}${mtls},CONTROLLER://${host}:${ports.controller}`,
    'advertised.listeners': `PLAINTEXT://${host}:${ports.plaintext},SASL_PLAINTEXT://${host}:${ports.sasl}${ssl}${mtls}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT${ssl === '' ? '' : ',SSL:SSL'}${mtls === '' ? '' : ',MTLS:SSL'},CONTROLLER:PLAINTEXT`,
    ...(ssl === '' || tls === undefined
      ? {}
      : {
          'ssl.keystore.type': 'PEM',
          'ssl.keystore.location': tls.keystoreFile,
          'ssl.client.auth': 'none',
        }),
    ...(mtls === '' || tls?.clientCaFile === undefined
      ? {}
      : {
          'listener.name.mtls.ssl.client.auth': 'required',
          'listener.name.mtls.ssl.truststore.type': 'PEM',
          'listener.name.mtls.ssl.truststore.location': tls.clientCaFile,
        }),
    'sasl.enabled.mechanisms': SCRAM_MECHANISMS.join(','),
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'log.dirs': input.logDir,
    'num.partitions': '1',
    'default.replication.factor': '1',
    'min.insync.replicas': '1',
    'offsets.topic.replication.factor': '1',
    // Fewer internal partitions: faster first group/transaction coordinator load on a small machine.
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '4',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'true',
    'delete.topic.enable': 'true',
    'log.segment.bytes': String(16 * 1024 * 1024),
    'log.retention.check.interval.ms': '60000',
    'num.network.threads': '2',
    'num.io.threads': '4',
    'num.recovery.threads.per.data.dir': '1',
    ...input.extra,
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/** log4j 2 configuration: everything to stdout (the launcher sends stdout to the broker log file). */
export function renderLog4j2Properties(): string {
  return [
    'status = warn',
    'appender.console.type = Console',
    'appender.console.name = STDOUT',
    'appender.console.layout.type = PatternLayout',
    'appender.console.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    // The full config dump at start-up is thousands of lines; keep the log readable.
    'logger.config.name = org.apache.kafka.common.config.AbstractConfig',
    'logger.config.level = WARN',
    '',
  ].join('\n');
}

/** `--add-scram` arguments of the storage format command, one per user. */
export function scramFormatArgs(users: readonly ScramUser[]): string[] {
  return users.flatMap((u) => ['--add-scram', `${u.mechanism}=[name=${u.username},password=${u.password}]`]);
}

/**
 * A random cluster id in Kafka's Uuid text form: 16 random bytes, base64url without padding
 * (22 characters). Kafka's own generator avoids ids starting with '-', which its CLI would read as
 * an option; so does this one.
 */
export function randomClusterId(randomBytes: (n: number) => Buffer): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
