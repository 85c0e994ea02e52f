import { describe, expect, it } from 'vitest';
import type { HwSignal } from '../../src/model/signal.js';
import type { TriagedCrash } from '../../src/model/verdict.js';
import { archLabel, BatchTally, createTelemetry, startHttpServer } from '../../src/telemetry/index.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const t = createTelemetry({
    write: (l) => lines.push(JSON.parse(l)),
    now: () => 1_700_000_000_000,
    level: 'debug',
  });
  return { t, lines };
}

function verdict(over: Partial<TriagedCrash>): TriagedCrash {
  return {
    crash_id: 'c1',
    revision: 0,
    host: 'h1',
    boot_id: 'b',
    arch: 'aarch64',
    kernel_release: '6.1.0',
    ts: 1,
    kind: 'EXTERNAL_ABORT',
    title: 'Synchronous External Abort in d_lookup',
    alt_titles: [],
    guilty_frame: 'd_lookup',
    frames: [],
    signature: 's',
    taint: null,
    category: 'HARDWARE',
    reason: 'POISON_CORRELATED',
    confidence: 'HIGH',
    evidence: [
      {
        source: 'MEMORY_FAILURE',
        ts: 0,
        pfn: 0x40272d,
        phys_addr: null,
        page_type: 'get hwpoison page',
        result: 'Ignored',
        seconds_before: 67,
        same_boot: true,
        confidence: 'HIGH',
        line: 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
      },
    ],
    known_issue: null,
    corrupted: false,
    excerpt: [],
    rules_hash: null,
    ...over,
  };
}

const hw: HwSignal = {
  type: 'hw',
  source: 'MEMORY_FAILURE',
  severity: 'uncorrected',
  pfn: 1,
  physAddr: null,
  pageType: null,
  result: 'Ignored',
  synthetic: false,
  count: 1,
  recognizer: 'mf',
  line: 'x',
  ts: 0,
  uptimeUs: null,
  bootId: null,
};

describe('telemetry', () => {
  it('registers every DESIGN.md §6 metric with its labels on its own registry', async () => {
    const { t } = capture();
    const json = await t.registry.getMetricsAsJSON();
    const names = new Map(json.map((m) => [m.name, m.type]));
    const expected: Array<[string, string]> = [
      ['poisonlink_records_consumed_total', 'counter'],
      ['poisonlink_records_dead_lettered_total', 'counter'],
      ['poisonlink_hw_errors_total', 'counter'],
      ['poisonlink_crashes_total', 'counter'],
      ['poisonlink_verdict_revisions_total', 'counter'],
      ['poisonlink_poison_to_crash_seconds', 'histogram'],
      ['poisonlink_host_events_total', 'counter'],
      ['poisonlink_hosts_tracked', 'gauge'],
      ['poisonlink_hosts_with_unrecovered_poison', 'gauge'],
      ['poisonlink_state_evictions_total', 'counter'],
      ['poisonlink_late_records_total', 'counter'],
      ['poisonlink_event_time_lag_seconds', 'gauge'],
      ['poisonlink_consumer_lag_records', 'gauge'],
      ['poisonlink_batch_duration_seconds', 'histogram'],
    ];
    for (const [name, type] of expected) expect(names.get(name), name).toBe(type);
    expect(names.has('process_cpu_user_seconds_total')).toBe(true);
    // a second instance must not collide (no global registry)
    expect(() => createTelemetry({ write: () => {} })).not.toThrow();
  });

  it('applies a batch tally in one go and logs the same counts', async () => {
    const { t, lines } = capture();
    const tally = new BatchTally();
    for (let i = 0; i < 1000; i++) tally.consume('kernel-log-events');
    tally.deadLetter('DECODE_FAILED');
    tally.deadLetter('DECODE_FAILED');
    tally.hwError(hw);
    tally.hwError(hw);
    tally.hwError({ ...hw, severity: 'corrected', result: 'Reported', source: 'EDAC' });
    tally.eviction('retention', 3);
    tally.lateRecord('dropped');
    t.batchCommitted({
      topic: 'kernel-log-events',
      partition: 2,
      records: 1000,
      durationSeconds: 0.2,
      lagRecords: 42,
      verdicts: 0,
      hostEvents: 0,
      tally,
    });
    const text = await t.registry.metrics();
    expect(text).toContain('poisonlink_records_consumed_total{topic="kernel-log-events"} 1000');
    expect(text).toContain('poisonlink_records_dead_lettered_total{reason="DECODE_FAILED"} 2');
    expect(text).toContain(
      'poisonlink_hw_errors_total{source="MEMORY_FAILURE",severity="uncorrected",result="Ignored"} 2',
    );
    expect(text).toContain(
      'poisonlink_hw_errors_total{source="EDAC",severity="corrected",result="Reported"} 1',
    );
    expect(text).toContain('poisonlink_state_evictions_total{reason="retention"} 3');
    expect(text).toContain('poisonlink_late_records_total{outcome="dropped"} 1');
    expect(text).toContain('poisonlink_consumer_lag_records{topic="kernel-log-events",partition="2"} 42');
    expect(text).toContain('poisonlink_batch_duration_seconds_count 1');
    const dl = lines.find((l) => l['msg'] === 'records dead-lettered');
    expect(dl?.['reasons']).toEqual({ DECODE_FAILED: 2 });
    t.partitionRevoked('kernel-log-events', 2);
    expect(await t.registry.metrics()).not.toContain('partition="2"');
  });

  it('counts a first verdict, a revision and the poison-to-crash time with a closed arch label', async () => {
    const { t, lines } = capture();
    t.verdictCommitted(verdict({}));
    t.verdictCommitted(verdict({ revision: 1, arch: 'weird-arch' }));
    const text = await t.registry.metrics();
    expect(text).toContain(
      'poisonlink_crashes_total{category="HARDWARE",reason="POISON_CORRELATED",arch="aarch64"} 1',
    );
    expect(text).toContain('poisonlink_verdict_revisions_total{category="HARDWARE"} 1');
    expect(text).toContain('poisonlink_poison_to_crash_seconds_bucket{le="60",arch="aarch64"} 0');
    expect(text).toContain('poisonlink_poison_to_crash_seconds_bucket{le="120",arch="aarch64"} 1');
    expect(text).toContain('poisonlink_poison_to_crash_seconds_bucket{le="604800",arch="aarch64"} 1');
    expect(text).not.toContain('weird-arch');
    const logged = lines.filter((l) => l['msg'] === 'crash triaged');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      crash_id: 'c1',
      category: 'HARDWARE',
      poison_to_crash_s: 67,
      level: 'info',
    });
  });

  it('reads state and event-time lag gauges at scrape time', async () => {
    const { t } = capture();
    t.setStateSource(() => ({ hosts: 7, hostsWithUnrecoveredPoison: 2 }));
    t.setWatermarkSource(() => new Map([[0, (1_700_000_000_000 - 90_000) * 1000]]));
    const text = await t.registry.metrics();
    expect(text).toContain('poisonlink_hosts_tracked 7');
    expect(text).toContain('poisonlink_hosts_with_unrecovered_poison 2');
    expect(text).toContain('poisonlink_event_time_lag_seconds{partition="0"} 90');
  });

  it('maps architecture strings to a closed label set', () => {
    expect(archLabel('arm64')).toBe('aarch64');
    expect(archLabel(null)).toBe('unknown');
    expect(archLabel('x86_64')).toBe('x86_64');
    expect(archLabel('sparc64')).toBe('other');
  });

  it('never writes a password field to the log', () => {
    const { t, lines } = capture();
    t.log.error('login failed', { password: 'hunter2', user: 'u' });
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: 'login failed',
      password: '[redacted]',
      user: 'u',
    });
  });

  it('serves /metrics, /healthz and /readyz reflecting readiness', async () => {
    const { t } = capture();
    let ready = false;
    const server = await startHttpServer(0, t.registry, { healthy: () => true, ready: () => ready });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const m = await fetch(`${base}/metrics`);
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toContain('text/plain');
      expect(await m.text()).toContain('# TYPE poisonlink_crashes_total counter');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('dead-letter counter', () => {
  it('exposes every known reason at 0 before the first dead letter, so the first one is an increase', async () => {
    const t = createTelemetry({ write: () => {}, defaultMetrics: false });
    const text = await t.registry.metrics();
    expect(text).toContain('poisonlink_records_dead_lettered_total{reason="TRUNCATED"} 0');
    expect(text).toContain('poisonlink_records_dead_lettered_total{reason="PROCESSING_FAILED"} 0');
    const tally = new BatchTally();
    tally.deadLetter('TRUNCATED');
    t.batchCommitted({
      topic: 'in',
      partition: 0,
      records: 1,
      durationSeconds: 0.01,
      lagRecords: 0,
      verdicts: 0,
      hostEvents: 0,
      tally,
    });
    expect(await t.registry.metrics()).toContain(
      'poisonlink_records_dead_lettered_total{reason="TRUNCATED"} 1',
    );
  });
});
