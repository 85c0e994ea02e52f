/**
 * Every configuration key, with its type, default, bounds and a one-line doc (STYLE.md "Config").
 * A hand-written table rather than a schema library: the key set is small and fixed, and one
 * table here drives the defaults, the validation, the environment names and `--print-defaults`.
 * The Helm chart's values.yaml uses the same keys.
 */

interface Common {
  readonly doc: string;
  /** never printed or logged */
  readonly secret?: boolean;
}
export interface StringSpec extends Common {
  readonly kind: 'string';
  readonly default: string | null;
  readonly nullable?: boolean;
  readonly minLength?: number;
}
export interface IntSpec extends Common {
  readonly kind: 'int';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
export interface BoolSpec extends Common {
  readonly kind: 'bool';
  readonly default: boolean;
}
export interface EnumSpec extends Common {
  readonly kind: 'enum';
  readonly values: readonly string[];
  readonly default: string;
}
export interface ListSpec extends Common {
  readonly kind: 'list';
  readonly default: readonly string[];
  readonly minItems: number;
  /** each item must look like host:port */
  readonly hostPort?: boolean;
}
export type KeySpec = StringSpec | IntSpec | BoolSpec | EnumSpec | ListSpec;

const MS_DAY = 86_400_000;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const INPUT_FORMATS = ['avro', 'ndjson', 'journald'] as const;
export const SASL_MECHANISMS = ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const;

export const SCHEMA: Readonly<Record<string, KeySpec>> = {
  'kafka.brokers': {
    kind: 'list',
    default: ['localhost:9092'],
    minItems: 1,
    hostPort: true,
    doc: 'bootstrap brokers, host:port',
  },
  'kafka.clientId': { kind: 'string', default: 'poisonlink', minLength: 1, doc: 'Kafka client id' },
  'kafka.ssl.enabled': { kind: 'bool', default: false, doc: 'connect with TLS' },
  'kafka.ssl.caFile': { kind: 'string', default: null, nullable: true, doc: 'PEM CA bundle to trust' },
  'kafka.ssl.certFile': {
    kind: 'string',
    default: null,
    nullable: true,
    doc: 'PEM client certificate (mTLS)',
  },
  'kafka.ssl.keyFile': { kind: 'string', default: null, nullable: true, doc: 'PEM client key (mTLS)' },
  'kafka.ssl.rejectUnauthorized': { kind: 'bool', default: true, doc: 'verify the broker certificate' },
  'kafka.sasl.mechanism': { kind: 'enum', values: SASL_MECHANISMS, default: 'none', doc: 'SASL mechanism' },
  'kafka.sasl.username': { kind: 'string', default: null, nullable: true, doc: 'SASL user name' },
  'kafka.sasl.passwordFile': {
    kind: 'string',
    default: null,
    nullable: true,
    doc: 'file holding the SASL password (a mounted Secret)',
  },
  'kafka.sasl.password': {
    kind: 'string',
    default: null,
    nullable: true,
    secret: true,
    doc: 'SASL password; prefer passwordFile or POISONLINK_KAFKA_SASL_PASSWORD',
  },
  'topics.input': {
    kind: 'list',
    default: ['kernel-log-events'],
    minItems: 1,
    doc: 'input topics of KernelLogEvent records',
  },
  'topics.verdicts': {
    kind: 'string',
    default: 'poisonlink.verdicts',
    minLength: 1,
    doc: 'TriagedCrash output',
  },
  'topics.hostEvents': {
    kind: 'string',
    default: 'poisonlink.host-events',
    minLength: 1,
    doc: 'HostHardwareEvent output',
  },
  'topics.deadLetter': {
    kind: 'string',
    default: 'poisonlink.dead-letter',
    minLength: 1,
    doc: 'records that could not be processed, with the cause in headers',
  },
  'topics.changelog': {
    kind: 'string',
    default: 'poisonlink.state-changelog',
    minLength: 1,
    doc: 'compacted per-host state, co-partitioned with the input',
  },
  'topics.repartition': {
    kind: 'string',
    default: 'poisonlink.repartition',
    minLength: 1,
    doc: 'input re-keyed by host when input.keyedByHost is false',
  },
  'input.format': { kind: 'enum', values: INPUT_FORMATS, default: 'avro', doc: 'encoding of input records' },
  'input.keyedByHost': { kind: 'bool', default: true, doc: 'input records are keyed (partitioned) by host' },
  'input.schemaRegistryUrl': {
    kind: 'string',
    default: null,
    nullable: true,
    doc: 'Confluent schema registry for framed Avro',
  },
  'consumer.groupId': { kind: 'string', default: 'poisonlink', minLength: 1, doc: 'consumer group id' },
  'consumer.sessionTimeoutMs': {
    kind: 'int',
    default: 30_000,
    min: 6_000,
    max: 300_000,
    doc: 'group session timeout',
  },
  'consumer.maxBatchRecords': {
    kind: 'int',
    default: 5_000,
    min: 1,
    max: 1_000_000,
    doc: 'records per transaction at most (work in flight is bounded by this)',
  },
  'producer.transactionTimeoutMs': {
    kind: 'int',
    default: 60_000,
    min: 1_000,
    max: 900_000,
    doc: 'broker-side transaction timeout',
  },
  'correlation.horizonMs': {
    kind: 'int',
    default: 259_200_000,
    min: 1,
    max: 365 * MS_DAY,
    doc: 'how far back an unrecovered error links to a crash',
  },
  'correlation.highWithinMs': {
    kind: 'int',
    default: 600_000,
    min: 0,
    max: 365 * MS_DAY,
    doc: 'a correlated crash within this gets HIGH confidence',
  },
  'correlation.latenessMs': {
    kind: 'int',
    default: 600_000,
    min: 0,
    max: 30 * MS_DAY,
    doc: 'late evidence within this much event time still revises a verdict',
  },
  'correlation.trustSynthetic': {
    kind: 'bool',
    default: false,
    doc: 'treat injected / software poison as real',
  },
  'correlation.bootMceWindowMs': {
    kind: 'int',
    default: 5_000,
    min: 0,
    max: 600_000,
    doc: 'an MCE printed before this uptime describes the previous boot',
  },
  'correlation.correctedStormPerHour': {
    kind: 'int',
    default: 100,
    min: 1,
    max: 1_000_000_000,
    doc: 'corrected errors per host per hour that mean REPLACE_AT_MAINTENANCE',
  },
  'state.maxHosts': {
    kind: 'int',
    default: 1_000_000,
    min: 1,
    max: 100_000_000,
    doc: 'hosts tracked per input partition; beyond it the least recently seen is evicted (CLOCK approximation)',
  },
  'state.maxIncidentsPerHost': {
    kind: 'int',
    default: 64,
    min: 1,
    max: 100_000,
    doc: 'unrecovered incidents kept per host',
  },
  'state.retentionMs': {
    kind: 'int',
    default: 604_800_000,
    min: 60_000,
    max: 365 * MS_DAY,
    doc: 'event-time retention of per-host state after its last record',
  },
  'state.maxReportLines': {
    kind: 'int',
    default: 400,
    min: 1,
    max: 100_000,
    doc: 'lines kept per crash report',
  },
  'state.maxLineBytes': { kind: 'int', default: 4096, min: 64, max: 1_048_576, doc: 'bytes kept per line' },
  'state.reportIdleMs': {
    kind: 'int',
    default: 10_000,
    min: 1,
    max: MS_DAY,
    doc: 'a report with no new line for this long (event time) is closed',
  },
  'state.epilogueMs': {
    kind: 'int',
    default: 250,
    min: 0,
    max: 60_000,
    doc: "after a report's end marker (`---[ end trace`), how long (event time, plus the host's own lag behind the partition) it waits for the panic epilogue (`Kernel panic - not syncing`, `Kernel Offset:`) before it is closed; the kernel prints the epilogue right after the marker, so this bounds the verdict latency of reports that end without a panic",
  },
  'knownIssues.file': { kind: 'string', default: null, nullable: true, doc: 'known-issues rules (YAML)' },
  'http.port': {
    kind: 'int',
    default: 9464,
    min: 0,
    max: 65_535,
    doc: 'port of /metrics, /healthz, /readyz',
  },
  'log.level': { kind: 'enum', values: LOG_LEVELS, default: 'info', doc: 'lowest level written' },
  'shutdown.timeoutMs': {
    kind: 'int',
    default: 30_000,
    min: 100,
    max: 600_000,
    doc: 'SIGTERM to exit at most this long',
  },
};

/** The resolved configuration (the shape the table above builds). */
export interface Config {
  kafka: {
    brokers: string[];
    clientId: string;
    ssl: {
      enabled: boolean;
      caFile: string | null;
      certFile: string | null;
      keyFile: string | null;
      rejectUnauthorized: boolean;
    };
    sasl: {
      mechanism: (typeof SASL_MECHANISMS)[number];
      username: string | null;
      passwordFile: string | null;
      password: string | null;
    };
  };
  topics: {
    input: string[];
    verdicts: string;
    hostEvents: string;
    deadLetter: string;
    changelog: string;
    repartition: string;
  };
  input: { format: (typeof INPUT_FORMATS)[number]; keyedByHost: boolean; schemaRegistryUrl: string | null };
  consumer: { groupId: string; sessionTimeoutMs: number; maxBatchRecords: number };
  producer: { transactionTimeoutMs: number };
  correlation: {
    horizonMs: number;
    highWithinMs: number;
    latenessMs: number;
    trustSynthetic: boolean;
    bootMceWindowMs: number;
    correctedStormPerHour: number;
  };
  state: {
    maxHosts: number;
    maxIncidentsPerHost: number;
    retentionMs: number;
    maxReportLines: number;
    maxLineBytes: number;
    reportIdleMs: number;
    epilogueMs: number;
  };
  knownIssues: { file: string | null };
  http: { port: number };
  log: { level: (typeof LOG_LEVELS)[number] };
  shutdown: { timeoutMs: number };
}

/** `correlation.horizonMs` → `POISONLINK_CORRELATION_HORIZON_MS`. */
export function envName(path: string): string {
  return `POISONLINK_${path
    .split('.')
    .map((seg) => seg.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_')}`;
}
