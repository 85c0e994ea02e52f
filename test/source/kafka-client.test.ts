import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { isFenced, kafkaClientConfig, toPoisonlinkError } from '../../src/source/kafka-client.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { logLevel } from 'kafkajs';

function cfg(sets: Record<string, string>, env: Record<string, string> = {}) {
  return resolveConfig({
    env,
    sets: Object.entries(sets).map(([p, value]) => ({ path: p, value, origin: '--set' })),
  });
}

describe('the kafkajs client configuration', () => {
  it('reads the SCRAM password from the password file, trimming the trailing newline', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plkc-'));
    const file = path.join(dir, 'pw');
    writeFileSync(file, 'pa:ss\n');
    const k = kafkaClientConfig(
      cfg({
        'kafka.sasl.mechanism': 'scram-sha-512',
        'kafka.sasl.username': 'u',
        'kafka.sasl.passwordFile': file,
      }),
    );
    expect(k.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'pa:ss' });
    expect(k.ssl).toBeUndefined();
  });

  it('prefers POISONLINK_KAFKA_SASL_PASSWORD and supports PLAIN', () => {
    const k = kafkaClientConfig(
      cfg(
        { 'kafka.sasl.mechanism': 'plain', 'kafka.sasl.username': 'u' },
        { POISONLINK_KAFKA_SASL_PASSWORD: 'envpw' },
      ),
    );
    expect(k.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'envpw' });
  });

  it('loads TLS material from PEM files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plkc-'));
    for (const f of ['ca', 'cert', 'key']) writeFileSync(path.join(dir, f), `-----${f}-----`);
    const k = kafkaClientConfig(
      cfg({
        'kafka.ssl.enabled': 'true',
        'kafka.ssl.caFile': path.join(dir, 'ca'),
        'kafka.ssl.certFile': path.join(dir, 'cert'),
        'kafka.ssl.keyFile': path.join(dir, 'key'),
        'kafka.ssl.rejectUnauthorized': 'false',
      }),
    );
    expect(k.ssl).toEqual({
      rejectUnauthorized: false,
      ca: ['-----ca-----'],
      cert: '-----cert-----',
      key: '-----key-----',
    });
  });

  it('says which file is missing', () => {
    expect(() =>
      kafkaClientConfig(cfg({ 'kafka.ssl.enabled': 'true', 'kafka.ssl.caFile': '/nope/ca.pem' })),
    ).toThrow('cannot read TLS CA file /nope/ca.pem');
  });

  it('turns a SASL refusal into KAFKA_AUTH_FAILED naming the user but not the password', () => {
    const c = cfg(
      { 'kafka.sasl.mechanism': 'scram-sha-256', 'kafka.sasl.username': 'alice' },
      { POISONLINK_KAFKA_SASL_PASSWORD: 'wrong-secret' },
    );
    const e = Object.assign(new Error('SASL SCRAM SHA256 authentication failed: Authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const err = toPoisonlinkError(e, c, 'connecting to Kafka');
    expect(err.code).toBe('KAFKA_AUTH_FAILED');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain("user 'alice'");
    expect(err.message).not.toContain('wrong-secret');
  });

  it('turns a refused broker certificate into a non-retriable error naming the CA file', () => {
    const c = cfg({
      'kafka.brokers': 'k1:9093',
      'kafka.ssl.enabled': 'true',
      'kafka.ssl.caFile': '/etc/ca.pem',
    });
    const inner = Object.assign(new Error('Connection error: self-signed certificate'), {
      name: 'KafkaJSConnectionError',
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    const e = Object.assign(new Error('Connection error: self-signed certificate'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      originalError: inner,
    });
    const err = toPoisonlinkError(e, c, 'connecting to Kafka');
    expect(err.code).toBe('KAFKA_CONNECTION_FAILED');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain(
      'the TLS certificate of the broker at k1:9093 was refused (DEPTH_ZERO_SELF_SIGNED_CERT',
    );
    expect(err.message).toContain('the CA in kafka.ssl.caFile (/etc/ca.pem)');
  });

  it('says when the broker refused the client certificate, or wanted one', () => {
    const alert = Object.assign(
      new Error('Connection error: error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate'),
      { name: 'KafkaJSConnectionError', code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' },
    );
    const none = toPoisonlinkError(
      alert,
      cfg({ 'kafka.brokers': 'k1:9094', 'kafka.ssl.enabled': 'true' }),
      'connecting to Kafka',
    );
    expect(none.retriable).toBe(false);
    expect(none.message).toContain(
      "the broker at k1:9094 refused this client's TLS certificate: it requires one (set kafka.ssl.certFile and kafka.ssl.keyFile)",
    );
    const c = cfg({
      'kafka.brokers': 'k1:9094',
      'kafka.ssl.enabled': 'true',
      'kafka.ssl.certFile': '/etc/client.pem',
      'kafka.ssl.keyFile': '/etc/client.key',
    });
    const byText = Object.assign(new Error('Connection error: tlsv13 alert certificate required'), {
      name: 'KafkaJSConnectionError',
    });
    expect(toPoisonlinkError(byText, c, 'connecting to Kafka').message).toContain(
      'it does not trust kafka.ssl.certFile (/etc/client.pem)',
    );
  });

  it('says when a TLS client reached a port without TLS', () => {
    const c = cfg({ 'kafka.brokers': 'k1:9092', 'kafka.ssl.enabled': 'true' });
    const e = Object.assign(new Error('Connection error: wrong version number'), {
      name: 'KafkaJSConnectionError',
      code: 'ERR_SSL_WRONG_VERSION_NUMBER',
    });
    const err = toPoisonlinkError(e, c, 'connecting to Kafka');
    expect(err.retriable).toBe(false);
    expect(err.message).toContain('no TLS handshake with the broker at k1:9092');
  });

  it('logs kafkajs warnings at info, and its warning about bounded producer retries at debug only', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    const make = kafkaClientConfig(cfg({}), logger).logCreator!;
    const log = make(logLevel.INFO);
    const entry = (message: string) => ({
      namespace: 'Producer',
      level: logLevel.WARN,
      label: 'WARN',
      log: { timestamp: 't', message },
    });
    log(entry('Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    log(entry('Response Heartbeat(key: 12, version: 3)'));
    const levels = lines.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(levels.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'debug kafkajs: Limiting retries for the idempotent producer may invalidate EoS guarantees',
      'info kafkajs: Response Heartbeat(key: 12, version: 3)',
    ]);
  });

  it('recognises fencing through kafkajs wrappers', () => {
    const inner = Object.assign(new Error('fenced'), { type: 'PRODUCER_FENCED' });
    const outer = Object.assign(new Error('retries exceeded'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      originalError: inner,
    });
    expect(isFenced(outer)).toBe(true);
    expect(isFenced(new Error('x'))).toBe(false);
  });
});
