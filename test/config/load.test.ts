import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type ConfigProblem,
  defaultsYaml,
  envName,
  loadConfig,
  PoisonlinkError,
  REDACTED,
  redactConfig,
  resolveConfig,
} from '../../src/config/index.js';
import { DEFAULT_CORRELATION, DEFAULT_LIMITS } from '../../src/model/config.js';

function problemsOf(fn: () => unknown): ConfigProblem[] {
  try {
    fn();
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(PoisonlinkError);
    expect((e as PoisonlinkError).code).toBe('CONFIG_INVALID');
    return (e as PoisonlinkError & { problems: ConfigProblem[] }).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration loading', () => {
  it('gives the documented defaults when nothing is set', () => {
    const c = resolveConfig({});
    expect(c.kafka.brokers).toEqual(['localhost:9092']);
    expect(c.kafka.sasl.mechanism).toBe('none');
    expect(c.topics).toEqual({
      input: ['kernel-log-events'],
      verdicts: 'poisonlink.verdicts',
      hostEvents: 'poisonlink.host-events',
      deadLetter: 'poisonlink.dead-letter',
      changelog: 'poisonlink.state-changelog',
      repartition: 'poisonlink.repartition',
    });
    expect(c.consumer).toEqual({ groupId: 'poisonlink', sessionTimeoutMs: 30000, maxBatchRecords: 5000 });
    expect(c.http.port).toBe(9464);
    expect(c.shutdown.timeoutMs).toBe(30000);
  });

  it('uses the same correlation and state defaults as the pure stages', () => {
    const c = resolveConfig({});
    expect(c.correlation).toEqual(DEFAULT_CORRELATION);
    expect(c.state).toEqual(DEFAULT_LIMITS);
  });

  it('layers YAML, then POISONLINK_* environment, then flags', () => {
    const c = resolveConfig({
      file: { name: 'c.yaml', text: 'kafka:\n  brokers: [a:1]\n  clientId: fromfile\nhttp:\n  port: 1000\n' },
      env: { POISONLINK_KAFKA_BROKERS: 'b:9092, c:9093', POISONLINK_HTTP_PORT: '2000', PATH: '/bin' },
      sets: [{ path: 'http.port', value: '3000', origin: '--set' }],
    });
    expect(c.kafka.brokers).toEqual(['b:9092', 'c:9093']);
    expect(c.kafka.clientId).toBe('fromfile');
    expect(c.http.port).toBe(3000);
  });

  it('names environment variables after the key path', () => {
    expect(envName('correlation.horizonMs')).toBe('POISONLINK_CORRELATION_HORIZON_MS');
    expect(envName('kafka.sasl.passwordFile')).toBe('POISONLINK_KAFKA_SASL_PASSWORD_FILE');
    const c = resolveConfig({ env: { POISONLINK_CORRELATION_HORIZON_MS: '3600000' } });
    expect(c.correlation.horizonMs).toBe(3_600_000);
  });

  it('reports every problem together with its path and YAML line', () => {
    const yaml = [
      'kafka:',
      '  brokers: [nohostport]',
      '  bogus: 1',
      'correlation:',
      '  horizonMs: -5',
      'input:',
      '  format: xml',
      'extra: true',
    ].join('\n');
    const problems = problemsOf(() => resolveConfig({ file: { name: 'p.yaml', text: yaml } }));
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath['kafka.brokers']?.origin).toBe('p.yaml:2');
    expect(byPath['kafka.brokers']?.message).toContain('host:port');
    expect(byPath['kafka.bogus']).toEqual({
      path: 'kafka.bogus',
      message: 'unknown key',
      origin: 'p.yaml:3',
    });
    expect(byPath['correlation.horizonMs']?.origin).toBe('p.yaml:5');
    expect(byPath['correlation.horizonMs']?.message).toContain('found -5');
    expect(byPath['input.format']?.message).toContain('avro, ndjson, journald');
    expect(byPath['extra']?.message).toBe('unknown key');
    expect(problems).toHaveLength(5);
  });

  it('rejects malformed environment values and unknown POISONLINK_ variables', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        env: { POISONLINK_HTTP_PORT: 'eighty', POISONLINK_NOPE: 'x', POISONLINK_INPUT_KEYED_BY_HOST: 'yes' },
      }),
    );
    expect(problems.map((p) => [p.path, p.origin]).sort()).toEqual([
      ['', 'POISONLINK_NOPE'],
      ['http.port', 'POISONLINK_HTTP_PORT'],
      ['input.keyedByHost', 'POISONLINK_INPUT_KEYED_BY_HOST'],
    ]);
  });

  it('requires credentials when SASL is on and pairs TLS cert and key', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        sets: [
          { path: 'kafka.sasl.mechanism', value: 'scram-sha-512', origin: '--set' },
          { path: 'kafka.ssl.certFile', value: '/c.pem', origin: '--set' },
        ],
      }),
    );
    expect(problems.map((p) => p.path).sort()).toEqual([
      'kafka.sasl.passwordFile',
      'kafka.sasl.username',
      'kafka.ssl.keyFile',
    ]);
  });

  it('rejects an output topic equal to an input topic', () => {
    const problems = problemsOf(() =>
      resolveConfig({ env: { POISONLINK_TOPICS_VERDICTS: 'kernel-log-events' } }),
    );
    expect(problems).toEqual([
      {
        path: 'topics.verdicts',
        message: "must differ from the input topic 'kernel-log-events'",
        origin: 'POISONLINK_TOPICS_VERDICTS',
      },
    ]);
  });

  it('reads the file named by --config and the common flags', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plcfg-'));
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, 'consumer:\n  groupId: g1\n');
    const { config, rest } = loadConfig(
      ['--config', file, '--brokers', 'x:1,y:2', '--set=state.maxHosts=10', '--http-port=0', 'extra'],
      {},
    );
    expect(config.consumer.groupId).toBe('g1');
    expect(config.kafka.brokers).toEqual(['x:1', 'y:2']);
    expect(config.state.maxHosts).toBe(10);
    expect(config.http.port).toBe(0);
    expect(rest).toEqual(['extra']);
  });

  it('says which config file could not be read', () => {
    expect(() => loadConfig(['--config', '/nonexistent/poisonlink.yaml'], {})).toThrow(
      /cannot read config file \/nonexistent\/poisonlink.yaml/,
    );
  });

  it('never shows the SASL password in the redacted config or in problems', () => {
    const c = resolveConfig({
      env: {
        POISONLINK_KAFKA_SASL_MECHANISM: 'plain',
        POISONLINK_KAFKA_SASL_USERNAME: 'u',
        POISONLINK_KAFKA_SASL_PASSWORD: 's3cret-value',
      },
    });
    expect(c.kafka.sasl.password).toBe('s3cret-value');
    const red = redactConfig(c);
    expect(red.kafka.sasl.password).toBe(REDACTED);
    expect(JSON.stringify(red)).not.toContain('s3cret-value');
    expect(c.kafka.sasl.password).toBe('s3cret-value');
  });

  it('prints defaults as YAML that loads back to the defaults', () => {
    const text = defaultsYaml();
    expect(text).toContain('# how far back an unrecovered error links to a crash');
    const c = resolveConfig({ file: { name: 'defaults.yaml', text } });
    expect(c).toEqual(resolveConfig({}));
    expect(parse(text).kafka.sasl.password).toBeUndefined();
  });
});
