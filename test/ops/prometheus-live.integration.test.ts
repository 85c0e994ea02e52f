/**
 * The live check of issue 8: a real Prometheus scrapes a running `poisonlink run` (the CLI entry as
 * a child process, on the integration broker) while it triages the sample fleet
 * (samples/fleet.ndjson), loads the chart's alert rules, and evaluates every PromQL expression of
 * the dashboard and the alerts through its HTTP API. Every expression must evaluate without error;
 * the ones the sample scenario feeds must return data.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KernelLogEvent, makeEvent } from '../../src/model/event.js';
import {
  type ChildRun,
  eventRecord,
  type Produced,
  produce,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
  waitForCommitted,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConfig, kafkaConnection, uniqueTopic } from '../integration/kafka-env.js';
import {
  alertRules,
  DASHBOARD_FILE,
  dashboardQueries,
  REPO_ROOT,
  RULES_FILE,
  substituteGrafanaVariables,
} from './contract.js';
import { type PrometheusServer, startPrometheus } from './prometheus-server.js';

const SAMPLES = path.join(REPO_ROOT, 'samples');
/** Grafana's interval variables for a 1 s scrape; ranges cover the whole run */
const WINDOWS = { rateInterval: '2m', interval: '1s', range: '10m' } as const;

/**
 * Panels whose queries must return data after the sample fleet: the runtime's own metrics, and
 * what the fleet's scenario produces (crashes of every bucket, a poison-correlated crash, hardware
 * errors, host events, one malformed record).
 */
const PANELS_WITH_DATA = [
  'Crashes by bucket',
  'Share of hardware crashes',
  'Hardware share (range)',
  'Crashes by reason (range)',
  'Hardware crashes by arch',
  'Poison-to-crash delay',
  'Poison-to-crash delay quantiles',
  'Hardware errors by source and result',
  'Hardware errors by severity',
  'Host events by advice',
  'Hosts with unrecovered poison',
  'Hosts tracked',
  'Throughput',
  'Consumer lag',
  'Event-time lag',
  'Dead letters',
  'Batch duration',
  'Instances up',
  'CPU',
  'Memory',
  'Event loop lag (p99)',
] as const;

/**
 * The fleet as its shippers would send it on Kafka: keyed by host, Avro-encoded KernelLogEvent
 * records (the default input format), in event-time order across hosts (the file is grouped by
 * host; a live topic interleaves hosts as their records happen). The malformed line goes in as its
 * raw bytes, where it stands in the file, as a broken producer would send it.
 */
function fleetRecords(): Produced[] {
  const lines = readFileSync(path.join(SAMPLES, 'fleet.ndjson'), 'utf8').split('\n').filter(Boolean);
  let lastTs = 0;
  const rows = lines.map((line, index) => {
    const host = /"host":"([^"]+)"/.exec(line)?.[1] ?? null;
    let event: KernelLogEvent | null = null;
    try {
      event = makeEvent(JSON.parse(line) as KernelLogEvent);
      lastTs = event.ts;
    } catch {
      // the sample's malformed record: sent right after the record before it in the file
    }
    const record: Produced = { key: host, value: event === null ? Buffer.from(line) : eventRecord(event) };
    return { ts: lastTs, index, record };
  });
  rows.sort((x, y) => x.ts - y.ts || x.index - y.index);
  return rows.map((r) => r.record);
}

let kafka: Kafka;
let admin: Admin;
let run: ChildRun | undefined;
let prometheus: PrometheusServer | undefined;
let consumed = 0;

beforeAll(async () => {
  kafka = new Kafka(kafkaConfig({ clientId: 'ops-prometheus-live' }));
  admin = kafka.admin();
  await admin.connect();
  const t = runTopics(uniqueTopic, 'ops');
  await createTopic(admin, t.input, 3);
  const records = fleetRecords();
  consumed = records.length;
  await produce(kafka, t.input, records);

  const sets = runSets(kafkaConnection().bootstrap, t, {
    'knownIssues.file': path.join(SAMPLES, 'known-issues.yaml'),
  });
  run = spawnRun(setArgs(sets));
  const listening = await run.waitForLog((l) => l['msg'] === 'http listening', 60_000);
  const port = Number(listening['port']);
  expect(port).toBeGreaterThan(0);
  prometheus = await startPrometheus({ targets: [`127.0.0.1:${port}`], ruleFiles: [RULES_FILE] });
  await waitForCommitted(admin, t.groupId, t.input, 120_000);
  // the final counts scraped a few times after the commit (scrapes every second)
  const server = prometheus;
  const settleUntil = Date.now() + 3_000;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await server.query('count_over_time(up{job="poisonlink"}[1m])');
    if (Number(r.data?.result[0]?.value[1] ?? 0) >= 3 && Date.now() >= settleUntil) break;
    if (Date.now() > deadline) throw new Error(`prometheus did not scrape poisonlink:\n${server.logs()}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}, 240_000);

afterAll(async () => {
  await prometheus?.stop();
  if (run !== undefined && run.child.exitCode === null) {
    run.child.kill('SIGTERM');
    const timer = setTimeout(() => run?.child.kill('SIGKILL'), 30_000);
    await run.exited;
    clearTimeout(timer);
  }
  await admin?.disconnect();
}, 60_000);

function prom(): PrometheusServer {
  if (prometheus === undefined) throw new Error('prometheus did not start');
  return prometheus;
}

describe('Prometheus scraping a live poisonlink run over the sample fleet', () => {
  it('counts every input record it consumed', async () => {
    const r = await prom().query('sum(poisonlink_records_consumed_total{job="poisonlink"})');
    expect(r.status).toBe('success');
    // the malformed record is consumed too (and dead-lettered)
    expect(Number(r.data?.result[0]?.value[1])).toBe(consumed);
  });

  it('evaluates every dashboard query without error, with data for every panel the fleet feeds', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Parameters<
      typeof dashboardQueries
    >[0];
    const errors: string[] = [];
    const panelsWithData = new Set<string>();
    for (const q of dashboardQueries(dashboard)) {
      const expr = substituteGrafanaVariables(q.expr, WINDOWS);
      const r = await prom().query(expr);
      if (r.status !== 'success') errors.push(`${q.panel}: ${expr}: ${r.errorType} ${r.error}`);
      else if ((r.data?.result.length ?? 0) > 0) panelsWithData.add(q.panel);
    }
    expect(errors).toEqual([]);
    expect(PANELS_WITH_DATA.filter((p) => !panelsWithData.has(p))).toEqual([]);
  });

  it('evaluates every alert expression without error, and the processor is not reported down', async () => {
    const errors: string[] = [];
    const withData: string[] = [];
    for (const rule of alertRules()) {
      const r = await prom().query(rule.expr);
      if (r.status !== 'success') errors.push(`${rule.alert}: ${r.errorType} ${r.error}`);
      else if ((r.data?.result.length ?? 0) > 0) withData.push(rule.alert);
    }
    expect(errors).toEqual([]);
    expect(withData).not.toContain('PoisonlinkDown');
    expect(withData).not.toContain('PoisonlinkAbsent');
  });

  it('dead-letters the one malformed record of the fleet and counts it', async () => {
    const r = await prom().query(
      'sum by (reason) (poisonlink_records_dead_lettered_total{job="poisonlink"})',
    );
    expect(r.status).toBe('success');
    // every known reason is exported from the start at 0 (so the first dead letter is an increase)
    const series = r.data?.result ?? [];
    expect(series.length).toBeGreaterThan(1);
    expect(series.map((s) => Number(s.value[1])).filter((v) => v > 0)).toEqual([1]);
  });

  it('triages the fleet into every bucket and links the page fault to the poison 67 s before it', async () => {
    const value = async (expr: string): Promise<number> => {
      const r = await prom().query(expr);
      expect(r.status, expr).toBe('success');
      return Number(r.data?.result[0]?.value[1] ?? 0);
    };
    const r = await prom().query('sum by (category) (poisonlink_crashes_total{job="poisonlink"})');
    const byCategory = Object.fromEntries(
      (r.data?.result ?? []).map((s) => [s.metric['category'], Number(s.value[1])]),
    );
    // samples/fleet.ndjson: SEA, fatal MCE, memory-failure panic and the poison-linked page fault;
    // the known issue; a regression after the fix and a new crash
    expect(byCategory).toEqual({ HARDWARE: 4, KNOWN_ISSUE: 1, NEW_CRASH: 2 });
    const sel = 'job="poisonlink",reason="POISON_CORRELATED"';
    expect(await value(`sum(poisonlink_crashes_total{${sel}})`)).toBe(1);
    // the histogram holds that one delay: above 60 s, within 120 s
    expect(await value('sum(poisonlink_poison_to_crash_seconds_count{job="poisonlink"})')).toBe(1);
    expect(await value('sum(poisonlink_poison_to_crash_seconds_bucket{job="poisonlink",le="60"})')).toBe(0);
    expect(await value('sum(poisonlink_poison_to_crash_seconds_bucket{job="poisonlink",le="120"})')).toBe(1);
    expect(await value('sum(poisonlink_host_events_total{job="poisonlink",advice="DRAIN"})')).toBeGreaterThan(
      0,
    );
  });
});
