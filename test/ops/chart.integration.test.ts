/**
 * Renders the chart with the real helm (scripts/ci/10-tools.sh builds it) and checks that what the
 * pod gets is what the processor accepts: the ConfigMap's config.yaml plus the container's
 * POISONLINK_* environment resolve through the processor's own config loader, every file the config
 * names is mounted, and the PrometheusRule and dashboard ConfigMap carry the chart's files unchanged.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfigArgs, resolveConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { parseReplayArgs } from '../../src/replay/args.js';
import { CHART_DIR, DASHBOARD_FILE, RULES_FILE } from './contract.js';
import { findBinary } from './prometheus-server.js';

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

interface Container {
  name: string;
  args: string[];
  env?: Array<{ name: string; value: string }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

interface PodSpec {
  containers: Container[];
  securityContext: Record<string, unknown>;
  volumes: Array<{
    name: string;
    configMap?: { name: string };
    secret?: { secretName: string; items: Array<{ key: string; path: string }> };
    emptyDir?: Record<string, unknown>;
  }>;
}

function render(...args: string[]): Manifest[] {
  const helm = findBinary('helm');
  if (helm === null)
    throw new Error('helm not found in .cache/tools/bin or on PATH: run scripts/ci/10-tools.sh');
  const out = execFileSync(helm, ['template', 'poisonlink', CHART_DIR, '--kube-version', '1.34.3', ...args], {
    encoding: 'utf8',
  });
  return parseAllDocuments(out)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

function one(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  expect(found.length, `${kind} ${name ?? ''}`).toBe(1);
  return found[0]!;
}

function podSpec(m: Manifest): PodSpec {
  const template = m.spec?.['template'] as { spec: PodSpec } | undefined;
  if (template === undefined) throw new Error(`${m.kind} ${m.metadata.name} has no pod template`);
  return template.spec;
}

/** The file behind a container path: the volume mounted at its directory, and the key in it. */
function fileSource(pod: PodSpec, container: Container, file: string) {
  const mount = container.volumeMounts.find((vm) => path.dirname(file) === vm.mountPath);
  const volume = pod.volumes.find((v) => v.name === mount?.name);
  return { volume, key: path.basename(file) };
}

/** What the processor would load in this container: config.yaml from the ConfigMap plus env. */
function containerConfig(manifests: Manifest[], pod: PodSpec, container: Container): Config {
  let configArgs = container.args.slice(1);
  if (container.args[0] === 'replay') {
    // replay's own flags first, as the CLI does; the rest goes to the config loader
    const replay = parseReplayArgs(configArgs);
    expect(replay.problems).toEqual([]);
    configArgs = replay.args.rest;
  }
  const parsed = parseConfigArgs(configArgs);
  expect(parsed.problems).toEqual([]);
  expect(parsed.rest, 'arguments neither the command nor the config loader takes').toEqual([]);
  expect(parsed.configFile).not.toBeNull();
  const { volume, key } = fileSource(pod, container, parsed.configFile!);
  expect(volume?.configMap?.name).toBeDefined();
  const cm = one(manifests, 'ConfigMap', volume?.configMap?.name);
  const text = cm.data?.[key];
  expect(text, `ConfigMap key ${key}`).toBeDefined();
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
  return resolveConfig({ file: { name: key, text: text! }, env, sets: parsed.sets });
}

function expectFilesMounted(manifests: Manifest[], pod: PodSpec, container: Container, config: Config): void {
  const files = [
    config.knownIssues.file,
    config.kafka.sasl.passwordFile,
    config.kafka.ssl.caFile,
    config.kafka.ssl.certFile,
    config.kafka.ssl.keyFile,
  ].filter((f): f is string => f !== null);
  for (const file of files) {
    const { volume, key } = fileSource(pod, container, file);
    expect(volume, `a volume mounted for ${file}`).toBeDefined();
    if (volume?.configMap)
      expect(one(manifests, 'ConfigMap', volume.configMap.name).data?.[key], file).toBeDefined();
    else
      expect(
        volume?.secret?.items.map((i) => i.path),
        file,
      ).toContain(key);
  }
}

function expectHardened(pod: PodSpec, container: Container): void {
  expect(pod.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: 10001,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(container.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: 10001,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
  const tmp = container.volumeMounts.find((vm) => vm.mountPath === '/tmp');
  expect(pod.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
}

describe('the chart rendered with default values', () => {
  const manifests = render();
  const deployment = one(manifests, 'Deployment');
  const pod = podSpec(deployment);
  const container = pod.containers[0]!;

  it('runs `poisonlink run` with a config the processor accepts and every file it names mounted', () => {
    expect(container.args[0]).toBe('run');
    const config = containerConfig(manifests, pod, container);
    expect(config.knownIssues.file).toBe('/etc/poisonlink/known-issues.yaml');
    expectFilesMounted(manifests, pod, container, config);
    const cm = one(manifests, 'ConfigMap', pod.volumes.find((v) => v.configMap)?.configMap?.name);
    expect(parse(cm.data?.['known-issues.yaml'] ?? 'x')).toEqual([]);
  });

  it('probes /healthz and /readyz on the port the config serves HTTP on', () => {
    const config = containerConfig(manifests, pod, container);
    const http = container.ports?.find((p) => p.name === 'http');
    expect(http?.containerPort).toBe(config.http.port);
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('runs hardened: non-root uid 10001, read-only root, no privilege escalation, no capabilities', () => {
    expectHardened(pod, container);
  });

  it('leaves the ServiceMonitor, PrometheusRule and backfill Job off', () => {
    expect(manifests.map((m) => m.kind)).not.toContain('ServiceMonitor');
    expect(manifests.map((m) => m.kind)).not.toContain('PrometheusRule');
    expect(manifests.map((m) => m.kind)).not.toContain('Job');
  });
});

describe('the chart rendered with every option on', () => {
  const manifests = render('-f', path.join(CHART_DIR, 'ci', 'all-on-values.yaml'));
  const pod = podSpec(one(manifests, 'Deployment'));
  const container = pod.containers[0]!;

  it('mounts the SASL password and TLS files from the named Secrets where the config points', () => {
    const config = containerConfig(manifests, pod, container);
    expect(config.kafka.sasl.passwordFile).toBe('/etc/poisonlink-secrets/sasl/password');
    expect(config.kafka.ssl.caFile).toBe('/etc/poisonlink-secrets/tls/ca.crt');
    expect(config.kafka.ssl.certFile).toBe('/etc/poisonlink-secrets/tls/tls.crt');
    expect(config.kafka.ssl.keyFile).toBe('/etc/poisonlink-secrets/tls/tls.key');
    expect(config.log.level).toBe('debug'); // POISONLINK_LOG_LEVEL from extraEnv overrides the file
    expectFilesMounted(manifests, pod, container, config);
    expect(pod.volumes.find((v) => v.name === 'sasl')?.secret?.secretName).toBe('poisonlink-kafka-sasl');
    expect(pod.volumes.find((v) => v.name === 'tls')?.secret?.secretName).toBe('poisonlink-kafka-tls');
    const cm = one(manifests, 'ConfigMap', pod.volumes.find((v) => v.configMap)?.configMap?.name);
    expect((parse(cm.data?.['known-issues.yaml'] ?? '') as Array<{ id: string }>).map((r) => r.id)).toEqual([
      'EXT4-DA-RESERVE',
      'RTW-USB-RX',
    ]);
  });

  it('runs the backfill Job as `poisonlink replay` over the range, hardened, with the same config and secrets', () => {
    const jobPod = podSpec(one(manifests, 'Job'));
    const replay = jobPod.containers[0]!;
    expect(replay.args.slice(0, 1)).toEqual(['replay']);
    const parsed = parseReplayArgs(replay.args.slice(1));
    expect(parsed.problems).toEqual([]);
    expect(parsed.args).toMatchObject({
      fromMs: Date.parse('2026-11-01T00:00:00Z'),
      toMs: Date.parse('2026-11-08T00:00:00Z'),
      outputTopic: 'poisonlink.verdicts.backfill-2026-11',
      hostEventsTopic: 'poisonlink.host-events.backfill-2026-11',
      progressIntervalMs: 60_000,
      output: null,
    });
    const config = containerConfig(manifests, jobPod, replay);
    expectFilesMounted(manifests, jobPod, replay, config);
    expectHardened(jobPod, replay);
  });

  it('labels the ServiceMonitor and PrometheusRule with the kube-prometheus-stack release', () => {
    expect(one(manifests, 'ServiceMonitor').metadata.labels?.['release']).toBe('monitoring');
    expect(one(manifests, 'PrometheusRule').metadata.labels?.['release']).toBe('monitoring');
  });

  it('puts the alert rules file into the PrometheusRule unchanged, plus the additional labels', () => {
    type Rule = { alert: string; expr: string; for: string; labels: Record<string, string> };
    const file = parse(readFileSync(RULES_FILE, 'utf8')) as {
      groups: Array<{ name: string; rules: Rule[] }>;
    };
    const rendered = one(manifests, 'PrometheusRule').spec?.['groups'] as Array<{
      name: string;
      rules: Rule[];
    }>;
    expect(rendered.map((g) => g.name)).toEqual(file.groups.map((g) => g.name));
    const expected = file.groups.flatMap((g) =>
      g.rules.map((r) => ({ ...r, labels: { ...r.labels, team: 'kernel' } })),
    );
    expect(rendered.flatMap((g) => g.rules)).toEqual(expected);
  });

  it('ships the dashboard JSON in a ConfigMap labelled grafana_dashboard: "1"', () => {
    const cm = manifests.find(
      (m) => m.kind === 'ConfigMap' && m.metadata.labels?.['grafana_dashboard'] === '1',
    );
    expect(cm).toBeDefined();
    expect(JSON.parse(cm?.data?.['poisonlink.json'] ?? '{}')).toEqual(
      JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')),
    );
  });
});
