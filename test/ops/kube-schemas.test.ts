import { describe, expect, it } from 'vitest';
import {
  convertNode,
  schemaFileName,
  schemasFromCrd,
  schemasFromSwagger,
} from '../../scripts/ops/kube-schemas.js';

describe('kubeconform schema file names', () => {
  it('follow kubeconform: kind, first label of the group, version; the core group has none', () => {
    expect(schemaFileName('Deployment', 'apps', 'v1')).toBe('deployment-apps-v1.json');
    expect(schemaFileName('Service', '', 'v1')).toBe('service-v1.json');
    expect(schemaFileName('PodDisruptionBudget', 'policy', 'v1')).toBe('poddisruptionbudget-policy-v1.json');
    expect(schemaFileName('ServiceMonitor', 'monitoring.coreos.com', 'v1')).toBe(
      'servicemonitor-monitoring-v1.json',
    );
  });
});

describe('OpenAPI to strict JSON schema', () => {
  it('rejects unknown properties, accepts null scalars, and turns int-or-string into a oneOf', () => {
    const refs = new Set<string>();
    const out = convertNode(
      {
        type: 'object',
        description: 'dropped',
        required: ['name'],
        properties: {
          name: { type: 'string', description: 'x' },
          port: { 'x-kubernetes-int-or-string': true },
          spec: { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec', description: 'ignored beside $ref' },
          anything: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
            properties: { a: { type: 'integer', format: 'int32' } },
          },
        },
      },
      refs,
    );
    expect(out).toEqual({
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: ['string', 'null'] },
        port: { oneOf: [{ type: ['string', 'null'] }, { type: 'integer' }] },
        spec: { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' },
        anything: { type: 'object', properties: { a: { type: ['integer', 'null'] } } },
      },
      additionalProperties: false,
    });
    expect([...refs]).toEqual(['io.k8s.api.core.v1.PodSpec']);
  });

  it('writes one schema per group-version-kind with the definitions it reaches', () => {
    const swagger = {
      definitions: {
        'io.k8s.api.apps.v1.Deployment': {
          type: 'object',
          properties: { spec: { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec' } },
          'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
        },
        'io.k8s.api.apps.v1.DeploymentSpec': {
          type: 'object',
          properties: { maxSurge: { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' } },
        },
        'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
        'io.k8s.api.core.v1.Unrelated': { type: 'object', properties: {} },
      },
    };
    const schemas = schemasFromSwagger(swagger);
    expect([...schemas.keys()]).toEqual(['deployment-apps-v1.json']);
    const definitions = (schemas.get('deployment-apps-v1.json')?.['definitions'] ?? {}) as Record<
      string,
      unknown
    >;
    expect(Object.keys(definitions).sort()).toEqual([
      'io.k8s.api.apps.v1.DeploymentSpec',
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    ]);
    expect(definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({
      oneOf: [{ type: ['string', 'null'] }, { type: 'integer' }],
    });
  });

  it('takes a CRD schema from every version', () => {
    const crd = {
      kind: 'CustomResourceDefinition',
      spec: {
        group: 'monitoring.coreos.com',
        names: { kind: 'PrometheusRule' },
        versions: [
          {
            name: 'v1',
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } },
          },
        ],
      },
    };
    expect([...schemasFromCrd(crd)]).toEqual([
      [
        'prometheusrule-monitoring-v1.json',
        { type: 'object', properties: { spec: { type: 'object' } }, additionalProperties: false },
      ],
    ]);
  });
});
