import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { resolveConfig } from '../../src/config/load.js';
import { SCHEMA } from '../../src/config/schema.js';
import { configSchema, valuesSchemaJson } from '../../scripts/ops/values-schema.js';
import { CHART_DIR } from './contract.js';

interface ObjectSchema {
  properties?: Record<string, ObjectSchema>;
  type?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
}

function leaf(schema: ObjectSchema, key: string): ObjectSchema | undefined {
  let node: ObjectSchema | undefined = schema;
  for (const seg of key.split('.')) node = node?.properties?.[seg];
  return node;
}

const values = parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as { config: unknown };
const allOn = parse(readFileSync(path.join(CHART_DIR, 'ci', 'all-on-values.yaml'), 'utf8')) as {
  config: Record<string, Record<string, unknown>>;
};

describe('values.schema.json', () => {
  it('is the output of scripts/ops/values-schema.ts (regenerate it after the config table changes)', () => {
    expect(readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')).toBe(valuesSchemaJson());
  });

  it('declares every config key of src/config/schema.ts with its bounds, except secrets', () => {
    const schema = configSchema() as ObjectSchema;
    for (const [key, spec] of Object.entries(SCHEMA)) {
      const node = leaf(schema, key);
      if (spec.secret === true) {
        expect(node, key).toBeUndefined();
        continue;
      }
      expect(node, key).toBeDefined();
      if (spec.kind === 'int') expect([node?.minimum, node?.maximum], key).toEqual([spec.min, spec.max]);
      if (spec.kind === 'enum') expect(node?.enum, key).toEqual([...spec.values]);
    }
    expect(leaf(schema, 'kafka.sasl.password')).toBeUndefined();
  });
});

describe('the chart values', () => {
  it('hold a config section the processor accepts, equal to its defaults except the chart paths', () => {
    const config = resolveConfig({
      file: { name: 'values.yaml#config', text: stringify(values.config) },
      env: {},
    });
    const defaults = resolveConfig({ env: {} });
    expect({
      ...config,
      kafka: { ...config.kafka, brokers: defaults.kafka.brokers },
      knownIssues: defaults.knownIssues,
    }).toEqual(defaults);
    expect(config.knownIssues.file).toBe('/etc/poisonlink/known-issues.yaml');
    expect(config.kafka.brokers).toEqual(['kafka:9092']);
  });

  it('with every option on, resolve with the secret file paths the chart sets through POISONLINK_* variables', () => {
    const merged = {
      ...(values.config as Record<string, Record<string, unknown>>),
      ...allOn.config,
    };
    const config = resolveConfig({
      file: { name: 'all-on', text: stringify(merged) },
      env: {
        POISONLINK_KAFKA_SASL_PASSWORD_FILE: '/etc/poisonlink-secrets/sasl/password',
        POISONLINK_KAFKA_SSL_CA_FILE: '/etc/poisonlink-secrets/tls/ca.crt',
        POISONLINK_KAFKA_SSL_CERT_FILE: '/etc/poisonlink-secrets/tls/tls.crt',
        POISONLINK_KAFKA_SSL_KEY_FILE: '/etc/poisonlink-secrets/tls/tls.key',
      },
    });
    expect(config.kafka.sasl).toMatchObject({
      mechanism: 'scram-sha-512',
      username: 'poisonlink',
      passwordFile: '/etc/poisonlink-secrets/sasl/password',
    });
    expect(config.kafka.ssl).toMatchObject({ enabled: true, keyFile: '/etc/poisonlink-secrets/tls/tls.key' });
  });
});
