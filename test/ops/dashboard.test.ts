import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dashboardJson } from '../../scripts/ops/dashboard.js';
import {
  alertRules,
  type Contract,
  checkExpression,
  DASHBOARD_FILE,
  dashboardPanels,
  dashboardQueries,
  designMetrics,
  loadContract,
  parseDesignMetrics,
  scanPromql,
} from './contract.js';

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Parameters<
  typeof dashboardQueries
>[0] & {
  templating: { list: Array<{ name: string; type: string; query: string }> };
};

/** Grafana's `${datasource}` variable reference (a plain string, not a JavaScript template). */
const DATASOURCE_VARIABLE = ['$', '{datasource}'].join('');

let contract: Contract;
beforeAll(async () => {
  contract = await loadContract();
});

describe('the metrics contract read from DESIGN.md §6', () => {
  it('lists every metric of the table with its type and labels', () => {
    const byName = new Map(designMetrics().map((m) => [m.name, m]));
    expect(byName.get('poisonlink_hw_errors_total')).toEqual({
      name: 'poisonlink_hw_errors_total',
      type: 'counter',
      labels: ['source', 'severity', 'result'],
    });
    expect(byName.get('poisonlink_poison_to_crash_seconds')?.type).toBe('histogram');
    expect(byName.get('poisonlink_poison_to_crash_seconds')?.labels).toEqual(['arch']);
    expect(byName.get('poisonlink_hosts_tracked')).toEqual({
      name: 'poisonlink_hosts_tracked',
      type: 'gauge',
      labels: [],
    });
    expect(byName.get('poisonlink_hosts_with_unrecovered_poison')?.type).toBe('gauge');
    expect(byName.get('poisonlink_late_records_total')?.labels).toEqual(['outcome']);
    expect(byName.get('poisonlink_consumer_lag_records')?.labels).toEqual(['topic', 'partition']);
    expect(byName.size).toBe(14);
  });

  it('parses a table row whose label cell lists values in parentheses', () => {
    const md =
      '## 6. Metrics (prefix `x_`)\n\n| metric | type | labels |\n|---|---|---|\n| `a_total` | counter | `k` (`v1`, `v2`), `m` |\n';
    expect(parseDesignMetrics(md)).toEqual([{ name: 'x_a_total', type: 'counter', labels: ['k', 'm'] }]);
  });
});

describe('the PromQL scanner', () => {
  it('finds selectors, their matchers and the grouping labels', () => {
    const r = scanPromql(
      'sum by (category) (increase(poisonlink_crashes_total{job="poisonlink",category="HARDWARE"}[$__rate_interval])) / 2',
    );
    expect(r.grouping).toEqual(['category']);
    expect(r.selectors).toEqual([
      {
        metric: 'poisonlink_crashes_total',
        matchers: [
          { label: 'job', op: '=', value: 'poisonlink' },
          { label: 'category', op: '=', value: 'HARDWARE' },
        ],
      },
    ]);
  });

  it('reports a metric that is not in the contract, a label the metric lacks and a missing job', () => {
    expect(checkExpression('rate(poisonlink_crashes_totl{job="poisonlink"}[5m])', contract)).toEqual([
      'poisonlink_crashes_totl is not a DESIGN.md §6 metric nor a default process metric',
    ]);
    expect(
      checkExpression('sum by (host) (poisonlink_hosts_tracked{job="poisonlink",host="a"})', contract),
    ).toEqual([
      'poisonlink_hosts_tracked has no label host (labels: none)',
      'grouping label host is on none of the selected metrics',
    ]);
    expect(checkExpression('up == 0', contract)).toEqual(['up is not selected with job="poisonlink"']);
  });
});

describe('the Grafana dashboard', () => {
  it('is the output of scripts/ops/dashboard.ts (regenerate it after editing the script)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(dashboardJson());
  });

  it('gives every panel at least one non-empty query on the datasource variable', () => {
    const panels = dashboardPanels(dashboard);
    expect(panels.length).toBeGreaterThanOrEqual(20);
    for (const p of panels as Array<{
      title: string;
      datasource?: { uid?: string };
      targets?: Array<{ expr?: string }>;
    }>) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.expr?.trim().length ?? 0, p.title).toBeGreaterThan(0);
      expect(p.datasource?.uid, p.title).toBe(DATASOURCE_VARIABLE);
    }
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('lays every panel out on the 24-column grid without overlaps and with unique ids', () => {
    type Grid = { id: number; title: string; gridPos: { x: number; y: number; w: number; h: number } };
    const all = (dashboard as unknown as { panels: Grid[] }).panels;
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    for (const p of all) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.w * p.gridPos.h, p.title).toBeGreaterThan(0);
    }
    const overlaps: string[] = [];
    for (const [i, a] of all.entries()) {
      for (const b of all.slice(i + 1)) {
        const g = a.gridPos;
        const h = b.gridPos;
        if (g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h)
          overlaps.push(`${a.title} / ${b.title}`);
      }
    }
    expect(overlaps).toEqual([]);
  });

  it('uses only DESIGN.md §6 metrics and default process metrics, with their own labels, on job="poisonlink"', () => {
    const problems = dashboardQueries(dashboard).flatMap((q) =>
      checkExpression(q.expr, contract).map((p) => `${q.panel}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('has the panels the operators asked for', () => {
    const exprs = dashboardQueries(dashboard);
    const metricsOf = (title: string) =>
      exprs
        .filter((q) => q.panel === title)
        .flatMap((q) => scanPromql(q.expr).selectors.map((s) => s.metric));
    expect(metricsOf('Crashes by bucket')).toContain('poisonlink_crashes_total');
    expect(metricsOf('Share of hardware crashes')).toContain('poisonlink_crashes_total');
    expect(metricsOf('Hardware errors by source and result')).toEqual(['poisonlink_hw_errors_total']);
    expect(metricsOf('Host events by advice')).toEqual(['poisonlink_host_events_total']);
    expect(metricsOf('Hosts with unrecovered poison')).toEqual(['poisonlink_hosts_with_unrecovered_poison']);
    expect(metricsOf('Dead letters')).toEqual(['poisonlink_records_dead_lettered_total']);
    expect(metricsOf('Consumer lag')).toEqual(['poisonlink_consumer_lag_records']);
    expect(metricsOf('Event-time lag')).toEqual(['poisonlink_event_time_lag_seconds']);
    expect(metricsOf('Throughput')).toEqual(['poisonlink_records_consumed_total']);
    expect(metricsOf('Verdict revisions')).toContain('poisonlink_verdict_revisions_total');
    const heatmap = dashboardPanels(dashboard).find((p) => p.title === 'Poison-to-crash delay') as {
      type: string;
      targets: Array<{ expr: string; format: string }>;
    };
    expect(heatmap.type).toBe('heatmap');
    expect(heatmap.targets[0]?.format).toBe('heatmap');
    expect(scanPromql(heatmap.targets[0]?.expr ?? '').grouping).toEqual(['le']);
    expect(metricsOf('Poison-to-crash delay')).toEqual(['poisonlink_poison_to_crash_seconds_bucket']);
  });
});

describe('the alert rules', () => {
  const rules = alertRules();

  it('cover processor down, lag growing, dead letters, hardware crash spikes and state evictions', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'PoisonlinkAbsent',
      'PoisonlinkConsumerLagGrowing',
      'PoisonlinkDeadLetterRatioHigh',
      'PoisonlinkDeadLettersArriving',
      'PoisonlinkDown',
      'PoisonlinkEventTimeLagHigh',
      'PoisonlinkHardwareCrashRateSpike',
      'PoisonlinkStateEvictions',
    ]);
  });

  it('each have a severity, a summary, a description and a for: duration', () => {
    for (const r of rules) {
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels?.['severity']);
      expect(r.annotations?.['summary']?.length ?? 0, r.alert).toBeGreaterThan(10);
      expect(r.annotations?.['description']?.length ?? 0, r.alert).toBeGreaterThan(40);
      expect(r.for, r.alert).toMatch(/^[1-9][0-9]*m$/);
    }
  });

  it('use only DESIGN.md §6 metrics with their own labels, on job="poisonlink"', () => {
    const problems = rules.flatMap((r) => checkExpression(r.expr, contract).map((p) => `${r.alert}: ${p}`));
    expect(problems).toEqual([]);
  });
});
