/**
 * A real Prometheus scrapes poisonlink's telemetry every second, loads the chart's alert rules, and
 * evaluates every PromQL expression of the Grafana dashboard and of the alert rules through its
 * HTTP API.
 *
 * The scrape target is poisonlink's own telemetry (src/telemetry: createTelemetry's registry served
 * by startHttpServer) driven by this test through the functions the runtime calls (batchCommitted,
 * verdictCommitted, hostEventCommitted, the state and watermark sources) with a scenario that the
 * sample fleet cannot produce: lag growing, dead letters arriving steadily, capacity evictions, a
 * hardware crash spike and late records, so every alert except the down alerts trips, and the
 * stored totals can be checked exactly. prometheus-live.integration.test.ts scrapes a running
 * `poisonlink run` instead.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HwSignal } from '../../src/model/signal.js';
import type { HostHardwareEvent, TriagedCrash } from '../../src/model/verdict.js';
import {
  BatchTally,
  createTelemetry,
  type HttpServer,
  startHttpServer,
  type Telemetry,
} from '../../src/telemetry/index.js';
import {
  alertRules,
  DASHBOARD_FILE,
  dashboardQueries,
  RULES_FILE,
  substituteGrafanaVariables,
} from './contract.js';
import { type PrometheusServer, startPrometheus } from './prometheus-server.js';

const TOPIC = 'kernel-log-events';
/** Grafana's interval variables, sized for a 1 s scrape interval */
const WINDOWS = { rateInterval: '5s', interval: '1s', range: '1m' } as const;

function hw(
  source: HwSignal['source'],
  severity: HwSignal['severity'],
  result: HwSignal['result'],
): HwSignal {
  return {
    type: 'hw',
    source,
    severity,
    pfn: 0x40272d,
    physAddr: 0x40272d000,
    pageType: 'get hwpoison page',
    result,
    synthetic: false,
    count: 1,
    recognizer: 'test',
    line: 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
    ts: 0,
    uptimeUs: null,
    bootId: 'b1',
  };
}

let crashSeq = 0;
function crash(
  category: TriagedCrash['category'],
  reason: TriagedCrash['reason'],
  arch: string,
  revision = 0,
  secondsBefore: number | null = null,
): TriagedCrash {
  crashSeq += 1;
  return {
    crash_id: `c${crashSeq}`,
    revision,
    host: `host-${crashSeq % 7}`,
    boot_id: 'b1',
    arch,
    kernel_release: '6.8.0',
    ts: Date.now() * 1000,
    kind: category === 'HARDWARE' ? 'EXTERNAL_ABORT' : 'OOPS',
    title: 'Unable to handle kernel paging request in d_lookup',
    alt_titles: [],
    guilty_frame: 'd_lookup',
    frames: ['d_lookup'],
    signature: 'sig',
    taint: null,
    category,
    reason,
    confidence: 'HIGH',
    evidence:
      secondsBefore === null
        ? []
        : [
            {
              source: 'MEMORY_FAILURE',
              ts: 0,
              pfn: 0x40272d,
              phys_addr: null,
              page_type: 'get hwpoison page',
              result: 'Ignored',
              seconds_before: secondsBefore,
              same_boot: true,
              confidence: 'HIGH',
              line: 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
            },
          ],
    known_issue: null,
    corrupted: false,
    excerpt: [],
    rules_hash: null,
  };
}

function hostEvent(advice: HostHardwareEvent['advice']): HostHardwareEvent {
  return {
    host: 'host-1',
    boot_id: 'b1',
    ts: Date.now() * 1000,
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    pfn: 0x40272d,
    phys_addr: null,
    page_type: 'get hwpoison page',
    result: 'Ignored',
    synthetic: false,
    advice,
    reports: 1,
    line: 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
  };
}

/** What one tick of the sample scenario adds, so the final totals can be checked. */
const PER_TICK = { consumed: 200, deadLettered: 5, hardwareCrashes: 3, newCrashes: 1, drains: 1 } as const;

let telemetry: Telemetry;
let http: HttpServer;
let prometheus: PrometheusServer | undefined;
let ticker: NodeJS.Timeout | undefined;
let ticks = 0;
let lag = 20_000;

function tick(): void {
  ticks += 1;
  const tally = new BatchTally();
  tally.consume(TOPIC, PER_TICK.consumed);
  for (let i = 0; i < PER_TICK.deadLettered; i++) tally.deadLetter('DECODE_FAILED');
  tally.hwError(hw('MEMORY_FAILURE', 'uncorrected', 'Ignored'));
  tally.hwError(hw('EDAC', 'corrected', 'Reported'));
  tally.hwError(hw('SEA', 'fatal', 'Panic'));
  tally.eviction('max_hosts', 2);
  tally.eviction('retention', 10);
  tally.lateRecord('revised');
  tally.lateRecord('dropped');
  lag += 1_000;
  for (const partition of [0, 1]) {
    telemetry.batchCommitted({
      topic: TOPIC,
      partition,
      records: PER_TICK.consumed,
      durationSeconds: 0.02 + partition * 0.05,
      lagRecords: lag / 2,
      verdicts: 4,
      hostEvents: 1,
      tally: partition === 0 ? tally : new BatchTally(),
    });
  }
  telemetry.verdictCommitted(crash('HARDWARE', 'POISON_CORRELATED', 'aarch64', 0, 67));
  telemetry.verdictCommitted(crash('HARDWARE', 'HW_SIGNATURE', 'x86_64'));
  telemetry.verdictCommitted(crash('HARDWARE', 'POISON_CORRELATED', 'x86_64', 0, 5400));
  telemetry.verdictCommitted(crash('NEW_CRASH', 'UNMATCHED', 'x86_64'));
  telemetry.verdictCommitted(crash('HARDWARE', 'POISON_CORRELATED', 'x86_64', 1, 30));
  telemetry.hostEventCommitted(hostEvent('DRAIN'));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${prometheus?.logs() ?? ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  telemetry = createTelemetry({ level: 'error', write: () => {} });
  telemetry.setStateSource(() => ({ hosts: 1200, hostsWithUnrecoveredPoison: 3 }));
  // partition 0 is an hour behind in event time, partition 1 five seconds
  telemetry.setWatermarkSource(
    () =>
      new Map([
        [0, (Date.now() - 3_600_000) * 1000],
        [1, (Date.now() - 5_000) * 1000],
      ]),
  );
  http = await startHttpServer(0, telemetry.registry, { healthy: () => true, ready: () => true });
  tick();
  ticker = setInterval(tick, 250);
  prometheus = await startPrometheus({ targets: [`127.0.0.1:${http.port}`], ruleFiles: [RULES_FILE] });
  const server = prometheus;
  // enough scrapes for rate() over the dashboard's 5 s window, and every rule evaluated
  await waitFor('8 successful scrapes', async () => {
    const r = await server.query('sum_over_time(up{job="poisonlink"}[1m])');
    return Number(r.data?.result[0]?.value[1] ?? 0) >= 8;
  });
  await waitFor('every rule evaluated', async () => {
    const r = await server.api<RulesResponse>('/api/v1/rules');
    const rules = r.data.groups.flatMap((g) => g.rules);
    return rules.length > 0 && rules.every((x) => x.lastEvaluation !== '0001-01-01T00:00:00Z');
  });
}, 120_000);

afterAll(async () => {
  if (ticker !== undefined) clearInterval(ticker);
  await prometheus?.stop();
  await http?.close();
});

interface RulesResponse {
  data: {
    groups: Array<{
      rules: Array<{ name: string; health: string; lastError?: string; lastEvaluation: string }>;
    }>;
  };
}

function prom(): PrometheusServer {
  if (prometheus === undefined) throw new Error('prometheus did not start');
  return prometheus;
}

describe('Prometheus scraping poisonlink telemetry', () => {
  it('scrapes the target as job="poisonlink" and sees it up', async () => {
    const r = await prom().query('up{job="poisonlink"}');
    expect(r.status).toBe('success');
    expect(r.data?.result.map((s) => s.value[1])).toEqual(['1']);
  });

  it('evaluates every dashboard query without error, and every one returns data for the scenario', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Parameters<
      typeof dashboardQueries
    >[0];
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(20);
    const errors: string[] = [];
    const empty: string[] = [];
    for (const q of queries) {
      const expr = substituteGrafanaVariables(q.expr, WINDOWS);
      const r = await prom().query(expr);
      if (r.status !== 'success') errors.push(`${q.panel}: ${expr}: ${r.errorType} ${r.error}`);
      else if ((r.data?.result.length ?? 0) === 0) empty.push(`${q.panel}: ${expr}`);
    }
    expect(errors).toEqual([]);
    expect(empty).toEqual([]);
  });

  it('evaluates every alert expression without error; the scenario trips all but the down alerts', async () => {
    const withData: string[] = [];
    const errors: string[] = [];
    for (const rule of alertRules()) {
      const r = await prom().query(rule.expr);
      if (r.status !== 'success') errors.push(`${rule.alert}: ${r.errorType} ${r.error}`);
      else if ((r.data?.result.length ?? 0) > 0) withData.push(rule.alert);
    }
    expect(errors).toEqual([]);
    expect(withData.sort()).toEqual([
      'PoisonlinkConsumerLagGrowing',
      'PoisonlinkDeadLetterRatioHigh',
      'PoisonlinkDeadLettersArriving',
      'PoisonlinkEventTimeLagHigh',
      'PoisonlinkHardwareCrashRateSpike',
      'PoisonlinkStateEvictions',
    ]);
  });

  it('loads the alert rules file and evaluates every rule healthy, with the tripped alerts pending', async () => {
    const rules = (await prom().api<RulesResponse>('/api/v1/rules')).data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual(
      alertRules()
        .map((r) => r.alert)
        .sort(),
    );
    for (const r of rules)
      expect({ rule: r.name, health: r.health, error: r.lastError ?? '' }).toEqual({
        rule: r.name,
        health: 'ok',
        error: '',
      });
    const alerts = await prom().api<{
      data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
    }>('/api/v1/alerts');
    const pending = alerts.data.alerts.filter((a) => a.state === 'pending').map((a) => a.labels['alertname']);
    expect(pending).toContain('PoisonlinkDeadLettersArriving');
    expect(pending).toContain('PoisonlinkEventTimeLagHigh');
    const lagAlert = alerts.data.alerts.find((a) => a.labels['alertname'] === 'PoisonlinkEventTimeLagHigh');
    expect(lagAlert?.labels['partition']).toBe('0');
    expect(lagAlert?.labels['severity']).toBe('warning');
  });

  it('stores exactly the totals the telemetry counted once the feed stops', async () => {
    if (ticker !== undefined) clearInterval(ticker);
    ticker = undefined;
    const fed = ticks;
    // two more scrapes after the last tick
    await new Promise((r) => setTimeout(r, 2_500));
    const value = async (expr: string): Promise<number> => {
      const r = await prom().query(expr);
      expect(r.status, expr).toBe('success');
      return Number(r.data?.result[0]?.value[1] ?? Number.NaN);
    };
    expect(await value('sum(poisonlink_records_consumed_total{job="poisonlink"})')).toBe(
      fed * PER_TICK.consumed,
    );
    expect(
      await value('sum(poisonlink_records_dead_lettered_total{job="poisonlink",reason="DECODE_FAILED"})'),
    ).toBe(fed * PER_TICK.deadLettered);
    expect(await value('sum(poisonlink_crashes_total{job="poisonlink",category="HARDWARE"})')).toBe(
      fed * PER_TICK.hardwareCrashes,
    );
    expect(await value('sum(poisonlink_crashes_total{job="poisonlink",category="NEW_CRASH"})')).toBe(
      fed * PER_TICK.newCrashes,
    );
    expect(await value('sum(poisonlink_verdict_revisions_total{job="poisonlink",category="HARDWARE"})')).toBe(
      fed,
    );
    expect(await value('sum(poisonlink_host_events_total{job="poisonlink",advice="DRAIN"})')).toBe(
      fed * PER_TICK.drains,
    );
    // 67 s and 5400 s per tick (the revision does not observe): le="60" holds none, le="120" half, le="7200" all
    expect(await value('sum(poisonlink_poison_to_crash_seconds_bucket{job="poisonlink",le="60"})')).toBe(0);
    expect(await value('sum(poisonlink_poison_to_crash_seconds_bucket{job="poisonlink",le="120"})')).toBe(
      fed,
    );
    expect(await value('sum(poisonlink_poison_to_crash_seconds_bucket{job="poisonlink",le="7200"})')).toBe(
      2 * fed,
    );
    expect(await value('sum(poisonlink_hosts_with_unrecovered_poison{job="poisonlink"})')).toBe(3);
    const lagSeconds = await value('poisonlink_event_time_lag_seconds{job="poisonlink",partition="0"}');
    expect(lagSeconds).toBeGreaterThanOrEqual(3600);
    expect(lagSeconds).toBeLessThan(3700);
  });
});
