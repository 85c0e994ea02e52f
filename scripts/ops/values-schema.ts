/**
 * Builds helm/poisonlink/values.schema.json. The `config` part is derived from the processor's own
 * key table (src/config/schema.ts), so the chart accepts exactly the keys, types, enums and bounds
 * the processor does and a wrong value fails at `helm install` instead of at pod start. Secret keys
 * (kafka.sasl.password) are left out on purpose: secrets come from existing Secrets, never values.
 * test/ops/values-schema.test.ts checks the committed file is this script's output.
 *
 * Usage: node --import tsx scripts/ops/values-schema.ts   (rewrites the JSON file)
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KeySpec, SCHEMA } from '../../src/config/schema.js';

export const VALUES_SCHEMA_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'helm',
  'poisonlink',
  'values.schema.json',
);

type JsonSchema = Record<string, unknown>;

/** Same shape the processor's config loader accepts for host:port (src/config/load.ts). */
const HOST_PORT = '^(?:\\[[0-9a-fA-F:.]+\\]|[^\\s:[\\]]+):\\d{1,5}$';
const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2})$';
const DURATION = '^[0-9]+(?:ms|s|m|h)$';
const SECRET_KEY = '^[-._a-zA-Z0-9]+$';
const QUANTITY = '^[0-9]+(?:\\.[0-9]+)?(?:Ki|Mi|Gi|Ti|k|M|G|T)?$';
/** keys the chart's templates read: removing them (null in values) must fail at render time */
const CHART_READS = new Set([
  'kafka.brokers',
  'kafka.ssl.enabled',
  'kafka.sasl.mechanism',
  'topics.input',
  'topics.verdicts',
  'topics.hostEvents',
  'topics.deadLetter',
  'input.format',
  'knownIssues.file',
  'http.port',
  'shutdown.timeoutMs',
]);

function keySchema(key: string, spec: KeySpec): JsonSchema {
  const description = `${spec.doc} (config key ${key})`;
  switch (spec.kind) {
    case 'int':
      return { type: 'integer', minimum: spec.min, maximum: spec.max, description };
    case 'bool':
      return { type: 'boolean', description };
    case 'enum':
      return { type: 'string', enum: [...spec.values], description };
    case 'string': {
      const s: JsonSchema = { type: spec.nullable === true ? ['string', 'null'] : 'string', description };
      if (spec.minLength !== undefined) s['minLength'] = spec.minLength;
      return s;
    }
    case 'list': {
      const items: JsonSchema = { type: 'string', minLength: 1 };
      if (spec.hostPort === true) items['pattern'] = HOST_PORT;
      return { type: 'array', minItems: spec.minItems, items, description };
    }
  }
}

/** Nested object schemas from the dotted key table; every level rejects unknown keys. */
export function configSchema(): JsonSchema {
  const root: JsonSchema = { type: 'object', additionalProperties: false, properties: {} };
  for (const [key, spec] of Object.entries(SCHEMA)) {
    if (spec.secret === true) continue;
    const segs = key.split('.');
    let node = root;
    for (const [i, seg] of segs.entries()) {
      const props = node['properties'] as Record<string, JsonSchema>;
      if (i === segs.length - 1) {
        props[seg] = keySchema(key, spec);
      } else {
        props[seg] ??= { type: 'object', additionalProperties: false, properties: {} };
        node = props[seg];
      }
    }
  }
  // required: every section and key the chart reads
  const markRequired = (node: JsonSchema, prefix: string) => {
    const props = node['properties'] as Record<string, JsonSchema> | undefined;
    if (!props) return;
    const req = Object.keys(props).filter((name) => {
      const p = prefix ? `${prefix}.${name}` : name;
      return CHART_READS.has(p) || [...CHART_READS].some((k) => k.startsWith(`${p}.`));
    });
    if (req.length > 0) node['required'] = req;
    for (const [name, child] of Object.entries(props))
      markRequired(child, prefix ? `${prefix}.${name}` : name);
  };
  markRequired(root, '');
  return root;
}

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const resources = {
  type: 'object',
  description: 'container resources (requests / limits)',
  properties: {
    requests: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    limits: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
  },
  additionalProperties: false,
};
const probe = {
  type: 'object',
  additionalProperties: false,
  properties: {
    initialDelaySeconds: { type: 'integer', minimum: 0 },
    periodSeconds: { type: 'integer', minimum: 1 },
    timeoutSeconds: { type: 'integer', minimum: 1 },
    failureThreshold: { type: 'integer', minimum: 1 },
    successThreshold: { type: 'integer', minimum: 1, maximum: 1 },
  },
};

export function valuesSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'poisonlink chart values',
    type: 'object',
    additionalProperties: false,
    required: ['image', 'replicaCount', 'partitions', 'config', 'secrets', 'backfill'],
    properties: {
      global: { type: 'object', description: 'set by Helm for subcharts' },
      image: {
        type: 'object',
        additionalProperties: false,
        required: ['repository'],
        properties: {
          repository: { type: 'string', minLength: 1 },
          tag: { type: 'string', description: 'defaults to the chart appVersion' },
          pullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
        },
      },
      imagePullSecrets: {
        type: 'array',
        items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
      },
      nameOverride: { type: 'string' },
      fullnameOverride: { type: 'string' },
      replicaCount: {
        type: 'integer',
        minimum: 0,
        description: 'instances; at most `partitions` (records are keyed by host, one owner per partition)',
      },
      partitions: {
        type: 'integer',
        minimum: 1,
        maximum: 100000,
        description: 'partition count of the input topic(s); replicaCount may not exceed it',
      },
      serviceAccount: {
        type: 'object',
        additionalProperties: false,
        properties: {
          create: { type: 'boolean' },
          name: { type: 'string' },
          annotations: stringMap,
          automountToken: { type: 'boolean' },
        },
      },
      podAnnotations: stringMap,
      podLabels: stringMap,
      resources,
      terminationGracePeriodSeconds: {
        type: 'integer',
        minimum: 1,
        maximum: 3600,
        description: 'must exceed config.shutdown.timeoutMs',
      },
      probes: {
        type: 'object',
        additionalProperties: false,
        properties: { liveness: probe, readiness: probe },
      },
      tmpSizeLimit: {
        type: 'string',
        pattern: QUANTITY,
        description: 'size of the /tmp emptyDir, e.g. 256Mi',
      },
      extraEnv: {
        type: 'array',
        items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
      },
      nodeSelector: stringMap,
      tolerations: { type: 'array', items: { type: 'object' } },
      affinity: { type: 'object' },
      topologySpreadConstraints: { type: 'array', items: { type: 'object' } },
      priorityClassName: { type: 'string' },
      secrets: {
        type: 'object',
        additionalProperties: false,
        required: ['sasl', 'tls'],
        properties: {
          sasl: {
            type: 'object',
            additionalProperties: false,
            required: ['existingSecret', 'passwordKey'],
            properties: {
              existingSecret: { type: 'string', description: 'name of a Secret holding the SASL password' },
              passwordKey: { type: 'string', pattern: SECRET_KEY },
            },
          },
          tls: {
            type: 'object',
            additionalProperties: false,
            required: ['existingSecret'],
            properties: {
              existingSecret: { type: 'string', description: 'name of a Secret holding PEM files' },
              caKey: { type: 'string', pattern: `(?:${SECRET_KEY})|^$` },
              certKey: { type: 'string', pattern: `(?:${SECRET_KEY})|^$` },
              keyKey: { type: 'string', pattern: `(?:${SECRET_KEY})|^$` },
            },
          },
        },
      },
      config: configSchema(),
      knownIssues: {
        type: 'array',
        description: 'known-issue rules (DESIGN.md section 4)',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'url'],
          oneOf: [{ required: ['title'] }, { required: ['title_regex'] }],
          properties: {
            id: { type: 'string', minLength: 1 },
            title: { type: 'string', minLength: 1 },
            title_regex: { type: 'string', minLength: 1 },
            arch: { type: 'string', minLength: 1 },
            fixed_in: { type: 'string', pattern: '^[0-9]+\\.[0-9]+' },
            url: { type: 'string', minLength: 1 },
            note: { type: 'string' },
          },
        },
      },
      service: {
        type: 'object',
        additionalProperties: false,
        properties: {
          type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          annotations: stringMap,
        },
      },
      serviceMonitor: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          release: { type: 'string', minLength: 1, description: 'kube-prometheus-stack release label' },
          labels: stringMap,
          interval: { type: 'string', pattern: DURATION },
          scrapeTimeout: { type: 'string', pattern: DURATION },
        },
      },
      prometheusRule: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          release: { type: 'string', minLength: 1, description: 'kube-prometheus-stack release label' },
          labels: stringMap,
          additionalAlertLabels: stringMap,
        },
      },
      dashboard: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          labels: stringMap,
          annotations: stringMap,
          folder: { type: 'string' },
        },
      },
      podDisruptionBudget: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enabled: { type: 'boolean' },
          maxUnavailable: {
            oneOf: [
              { type: 'integer', minimum: 0 },
              { type: 'string', pattern: '^[0-9]+%$' },
            ],
          },
        },
      },
      backfill: {
        type: 'object',
        additionalProperties: false,
        required: ['enabled'],
        properties: {
          enabled: { type: 'boolean' },
          from: { type: 'string', pattern: `(?:${RFC3339})|^$`, description: 'RFC 3339 start of the replay' },
          to: { type: 'string', pattern: `(?:${RFC3339})|^$`, description: 'RFC 3339 end of the replay' },
          outputTopic: { type: 'string' },
          hostEventsTopic: { type: 'string' },
          progressIntervalSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
          backoffLimit: { type: 'integer', minimum: 0 },
          activeDeadlineSeconds: { type: 'integer', minimum: 1 },
          ttlSecondsAfterFinished: { type: 'integer', minimum: 0 },
          resources,
          extraArgs: { type: 'array', items: { type: 'string' } },
        },
        if: { properties: { enabled: { const: true } } },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
        then: {
          required: ['from', 'to', 'outputTopic'],
          properties: {
            from: { pattern: RFC3339 },
            to: { pattern: RFC3339 },
            outputTopic: { minLength: 1 },
          },
        },
      },
    },
  };
}

export function valuesSchemaJson(): string {
  return `${JSON.stringify(valuesSchema(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  writeFileSync(VALUES_SCHEMA_PATH, valuesSchemaJson());
  console.log(`[values-schema] wrote ${VALUES_SCHEMA_PATH}`);
}
