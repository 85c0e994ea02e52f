/**
 * One place that turns the `kafka.*` configuration into a kafkajs client: brokers, SASL (PLAIN,
 * SCRAM-SHA-256/512, the password from a file or POISONLINK_KAFKA_SASL_PASSWORD) and TLS from PEM
 * files. kafkajs logs go through our JSON logger; no secret reaches a log line.
 */
import { readFileSync } from 'node:fs';
// before kafkajs: replaces its read_committed filter while its consumer is not loaded yet
import { readCommittedFixActive } from './kafkajs-read-committed.js';
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import { PoisonlinkError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../telemetry/logger.js';

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e: unknown) {
    throw new PoisonlinkError('CONFIG_FILE_UNREADABLE', `cannot read ${what} file ${path}`, { cause: e });
  }
}

function sasl(config: Config['kafka']['sasl']): SASLOptions | undefined {
  if (config.mechanism === 'none') return undefined;
  const username = config.username ?? '';
  const password =
    config.password ??
    (config.passwordFile === null ? '' : readSecretFile(config.passwordFile, 'SASL password').trimEnd());
  switch (config.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

/**
 * kafkajs warns at every transactional producer with bounded retries. Not a risk here: a send that
 * runs out of retries fails its transaction, which is aborted and replayed from the restored state,
 * so the line would only fill operators' logs (one per partition and restart).
 */
const LIMITED_RETRIES = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/** The kafkajs options built from the config (exported for tests; holds the password in memory). */
export function kafkaClientConfig(config: Config, logger?: Logger): KafkaConfig {
  const k = config.kafka;
  const out: KafkaConfig = {
    clientId: k.clientId,
    brokers: k.brokers,
    connectionTimeout: 5_000,
    authenticationTimeout: 10_000,
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 },
    logLevel: logLevel.WARN,
  };
  if (k.ssl.enabled) {
    const tls: NonNullable<Exclude<KafkaConfig['ssl'], boolean>> = {
      rejectUnauthorized: k.ssl.rejectUnauthorized,
    };
    if (k.ssl.caFile !== null) tls.ca = [readSecretFile(k.ssl.caFile, 'TLS CA')];
    if (k.ssl.certFile !== null) tls.cert = readSecretFile(k.ssl.certFile, 'TLS certificate');
    if (k.ssl.keyFile !== null) tls.key = readSecretFile(k.ssl.keyFile, 'TLS key');
    out.ssl = tls;
  }
  const s = sasl(k.sasl);
  if (s !== undefined) out.sasl = s;
  if (logger !== undefined) {
    out.logCreator = () => (entry) => {
      const { message, ...rest } = entry.log;
      const fields = { kafkajs: entry.namespace, ...rest };
      if (message === LIMITED_RETRIES) logger.debug(`kafkajs: ${message}`, fields);
      else if (entry.level === logLevel.ERROR) logger.warn(`kafkajs: ${message}`, fields);
      else if (entry.level === logLevel.WARN) logger.info(`kafkajs: ${message}`, fields);
      else logger.debug(`kafkajs: ${message}`, fields);
    };
  }
  return out;
}

/**
 * A kafkajs client for the configured cluster. Throws CONFIG_FILE_UNREADABLE for missing files,
 * and INTERNAL when kafkajs was loaded before the read_committed fix (src/source/kafkajs-read-committed.ts):
 * its consumers would deliver records of aborted transactions.
 */
export function createKafkaClient(config: Config, logger?: Logger): Kafka {
  if (!readCommittedFixActive()) {
    throw new PoisonlinkError(
      'INTERNAL',
      'kafkajs was loaded before poisonlink replaced its read_committed filter: import src/source/kafkajs-read-committed.js before kafkajs',
    );
  }
  return new Kafka(kafkaClientConfig(config, logger));
}

interface KafkaLikeError {
  name?: string;
  type?: string;
  /** Node's code of a socket or TLS error (kafkajs keeps it on KafkaJSConnectionError) */
  code?: string;
  retriable?: boolean;
  message?: string;
  originalError?: unknown;
  cause?: unknown;
}

/** Walks kafkajs's wrapping (`originalError`, `cause`) and returns every error in the chain. */
export function errorChain(e: unknown): KafkaLikeError[] {
  const out: KafkaLikeError[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 8 && typeof cur === 'object' && cur !== null; i++) {
    const k = cur as KafkaLikeError;
    out.push(k);
    cur = k.originalError ?? k.cause;
  }
  return out;
}

const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);

/** OpenSSL's verdicts on a certificate Node refused (retrying cannot change them). */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The broker's TLS alert refusing this client's certificate (none sent, or one it does not trust):
 * Node's code for it (`ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`, `..._TLSV13_ALERT_CERTIFICATE_REQUIRED`)
 * or OpenSSL's text in the message.
 */
const CLIENT_CERT_REFUSED =
  /^ERR_SSL_(?:SSLV3|TLSV1\d?)_ALERT_(?:BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED)$/;
const CLIENT_CERT_REFUSED_TEXT =
  /alert (?:bad certificate|certificate required|unknown ca|certificate unknown)/i;

/** A TLS client on a port that does not speak TLS. */
const TLS_PROTOCOL_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO']);

/** Another producer with our transactional id has taken over (zombie fencing). */
export function isFenced(e: unknown): boolean {
  return errorChain(e).some((x) => x.type !== undefined && FENCED_TYPES.has(x.type));
}

/** Maps a kafkajs failure to our error class with a message that says what happened. */
export function toPoisonlinkError(e: unknown, config: Config, doing: string): PoisonlinkError {
  if (e instanceof PoisonlinkError) return e;
  const chain = errorChain(e);
  const brokers = config.kafka.brokers.join(',');
  const last = chain.at(-1);
  const detail = last?.message ?? String(e);
  if (
    chain.some((x) => x.name === 'KafkaJSSASLAuthenticationError' || x.type === 'SASL_AUTHENTICATION_FAILED')
  ) {
    return new PoisonlinkError(
      'KAFKA_AUTH_FAILED',
      `${doing}: the broker at ${brokers} refused SASL ${config.kafka.sasl.mechanism} login for user ` +
        `'${config.kafka.sasl.username ?? ''}' (wrong user name or password?): ${detail}`,
      { cause: e },
    );
  }
  const tls = chain.find((x) => x.code !== undefined && TLS_TRUST_CODES.has(x.code));
  if (tls !== undefined) {
    const ca = config.kafka.ssl.caFile;
    return new PoisonlinkError(
      'KAFKA_CONNECTION_FAILED',
      `${doing}: the TLS certificate of the broker at ${brokers} was refused (${tls.code}: ${detail}); ` +
        `it must be signed by ${ca === null ? 'a CA this system trusts (or set kafka.ssl.caFile)' : `the CA in kafka.ssl.caFile (${ca})`} ` +
        `and name the host in kafka.brokers`,
      { cause: e },
    );
  }
  if (
    config.kafka.ssl.enabled &&
    chain.some(
      (x) =>
        (x.code !== undefined && CLIENT_CERT_REFUSED.test(x.code)) ||
        (x.message !== undefined && CLIENT_CERT_REFUSED_TEXT.test(x.message)),
    )
  ) {
    const cert = config.kafka.ssl.certFile;
    return new PoisonlinkError(
      'KAFKA_CONNECTION_FAILED',
      `${doing}: the broker at ${brokers} refused this client's TLS certificate: ` +
        (cert === null
          ? 'it requires one (set kafka.ssl.certFile and kafka.ssl.keyFile)'
          : `it does not trust kafka.ssl.certFile (${cert})`) +
        `: ${detail}`,
      { cause: e },
    );
  }
  if (config.kafka.ssl.enabled && chain.some((x) => x.code !== undefined && TLS_PROTOCOL_CODES.has(x.code))) {
    return new PoisonlinkError(
      'KAFKA_CONNECTION_FAILED',
      `${doing}: no TLS handshake with the broker at ${brokers} (is kafka.ssl.enabled meant for this listener?): ${detail}`,
      { cause: e },
    );
  }
  if (isFenced(e)) {
    return new PoisonlinkError('KAFKA_PRODUCER_FENCED', `${doing}: fenced by a newer producer: ${detail}`, {
      cause: e,
    });
  }
  if (chain.some((x) => x.name === 'KafkaJSConnectionError' || x.name === 'KafkaJSNumberOfRetriesExceeded')) {
    return new PoisonlinkError(
      'KAFKA_CONNECTION_FAILED',
      `${doing}: cannot reach the brokers at ${brokers}: ${detail}`,
      {
        cause: e,
        retriable: true,
      },
    );
  }
  const retriable = chain.some((x) => x.retriable === true);
  const code = /transaction|commit/i.test(doing) ? 'KAFKA_TRANSACTION_FAILED' : 'KAFKA_REQUEST_FAILED';
  return new PoisonlinkError(code, `${doing}: ${detail}`, { cause: e, retriable });
}
