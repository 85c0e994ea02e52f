/**
 * Builds the Grafana dashboard the chart ships (helm/poisonlink/dashboards/poisonlink.json).
 * The JSON is generated so that panel ids and the grid stay consistent; test/ops/dashboard.test.ts
 * checks the committed file is this script's output and that every query uses DESIGN.md §6 metrics.
 *
 * Usage: node --import tsx scripts/ops/dashboard.ts   (rewrites the JSON file)
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'helm',
  'poisonlink',
  'dashboards',
  'poisonlink.json',
);

// Grafana's variable syntax, not a JavaScript template: the panel follows the datasource variable.
const DS_VARIABLE = ['$', '{datasource}'].join('');
const DS = { type: 'prometheus', uid: DS_VARIABLE } as const;
const J = 'job="poisonlink"';

interface Target {
  expr: string;
  legendFormat?: string;
  format?: 'time_series' | 'heatmap';
}

type PanelKind = 'timeseries' | 'stat' | 'heatmap' | 'bargauge';

interface PanelSpec {
  title: string;
  description: string;
  kind: PanelKind;
  targets: Target[];
  unit?: string;
  stack?: boolean;
  w?: number;
  h?: number;
}

function fieldConfig(spec: PanelSpec): Record<string, unknown> {
  const defaults: Record<string, unknown> = { unit: spec.unit ?? 'short' };
  if (spec.kind === 'timeseries') {
    defaults['custom'] = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: spec.stack ? 60 : 10,
      showPoints: 'never',
      stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' },
    };
  }
  return { defaults, overrides: [] };
}

function options(spec: PanelSpec): Record<string, unknown> {
  switch (spec.kind) {
    case 'timeseries':
      return {
        legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
        tooltip: { mode: 'multi', sort: 'desc' },
      };
    case 'stat':
      return { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' };
    case 'bargauge':
      return {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        orientation: 'horizontal',
        displayMode: 'gradient',
      };
    case 'heatmap':
      return {
        calculate: false,
        yAxis: { unit: 's', axisPlacement: 'left' },
        cellGap: 1,
        color: { mode: 'scheme', scheme: 'Oranges', steps: 64 },
        tooltip: { show: true, yHistogram: true },
      };
  }
}

const ROWS: ReadonlyArray<{ title: string; panels: PanelSpec[] }> = [
  {
    title: 'Verdicts',
    panels: [
      {
        title: 'Crashes by bucket',
        description: 'First verdicts per interval, by category (HARDWARE, KNOWN_ISSUE, NEW_CRASH).',
        kind: 'timeseries',
        stack: true,
        targets: [
          {
            expr: `sum by (category) (increase(poisonlink_crashes_total{${J}}[$__rate_interval]))`,
            legendFormat: '{{category}}',
          },
        ],
        w: 12,
      },
      {
        title: 'Share of hardware crashes',
        description: 'Crashes triaged HARDWARE as a share of all crashes, over the last hour.',
        kind: 'timeseries',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum(increase(poisonlink_crashes_total{${J},category="HARDWARE"}[1h])) / sum(increase(poisonlink_crashes_total{${J}}[1h]))`,
            legendFormat: 'hardware share (1h)',
          },
        ],
        w: 8,
      },
      {
        title: 'Hardware share (range)',
        description: 'Share of crashes triaged HARDWARE over the selected time range.',
        kind: 'stat',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum(increase(poisonlink_crashes_total{${J},category="HARDWARE"}[$__range])) / sum(increase(poisonlink_crashes_total{${J}}[$__range]))`,
          },
        ],
        w: 4,
      },
      {
        title: 'Crashes by reason (range)',
        description:
          'Why crashes got their bucket: HW_SIGNATURE, POISON_CORRELATED, TAINT_MACHINE_CHECK, ...',
        kind: 'bargauge',
        targets: [
          {
            expr: `sum by (reason) (increase(poisonlink_crashes_total{${J}}[$__range]))`,
            legendFormat: '{{reason}}',
          },
        ],
        w: 8,
      },
      {
        title: 'Hardware crashes by arch',
        description: 'Crashes triaged HARDWARE per interval, by architecture.',
        kind: 'timeseries',
        stack: true,
        targets: [
          {
            expr: `sum by (arch) (increase(poisonlink_crashes_total{${J},category="HARDWARE"}[$__rate_interval]))`,
            legendFormat: '{{arch}}',
          },
        ],
        w: 8,
      },
      {
        title: 'Verdict revisions',
        description:
          'Verdicts revised by late evidence, by new category; and late hardware errors by outcome.',
        kind: 'timeseries',
        targets: [
          {
            expr: `sum by (category) (increase(poisonlink_verdict_revisions_total{${J}}[$__rate_interval]))`,
            legendFormat: 'revised to {{category}}',
          },
          {
            expr: `sum by (outcome) (increase(poisonlink_late_records_total{${J}}[$__rate_interval]))`,
            legendFormat: 'late: {{outcome}}',
          },
        ],
        w: 8,
      },
      {
        title: 'Poison-to-crash delay',
        description:
          'Event time from the nearest unrecovered memory error to the crash linked to it (histogram buckets, 1 s .. 7 d).',
        kind: 'heatmap',
        targets: [
          {
            expr: `sum by (le) (increase(poisonlink_poison_to_crash_seconds_bucket{${J}}[$__rate_interval]))`,
            legendFormat: '{{le}}',
            format: 'heatmap',
          },
        ],
        w: 16,
      },
      {
        title: 'Poison-to-crash delay quantiles',
        description: 'Median and 90th percentile of the poison-to-crash delay over the last 6 hours.',
        kind: 'timeseries',
        unit: 's',
        targets: [
          {
            expr: `histogram_quantile(0.5, sum by (le) (rate(poisonlink_poison_to_crash_seconds_bucket{${J}}[6h])))`,
            legendFormat: 'p50',
          },
          {
            expr: `histogram_quantile(0.9, sum by (le) (rate(poisonlink_poison_to_crash_seconds_bucket{${J}}[6h])))`,
            legendFormat: 'p90',
          },
        ],
        w: 8,
      },
    ],
  },
  {
    title: 'Hardware',
    panels: [
      {
        title: 'Hardware errors by source and result',
        description:
          'Hardware error signals recognised per second (MEMORY_FAILURE, MCE, GHES, EDAC, SEA, SERROR).',
        kind: 'timeseries',
        targets: [
          {
            expr: `sum by (source, result) (rate(poisonlink_hw_errors_total{${J}}[$__rate_interval]))`,
            legendFormat: '{{source}} {{result}}',
          },
        ],
        unit: 'ops',
        w: 12,
      },
      {
        title: 'Hardware errors by severity',
        description: 'Corrected, uncorrected and fatal hardware errors per second.',
        kind: 'timeseries',
        stack: true,
        targets: [
          {
            expr: `sum by (severity) (rate(poisonlink_hw_errors_total{${J}}[$__rate_interval]))`,
            legendFormat: '{{severity}}',
          },
        ],
        unit: 'ops',
        w: 12,
      },
      {
        title: 'Host events by advice',
        description: 'Host hardware events emitted: DRAIN, REPLACE_AT_MAINTENANCE, MONITOR.',
        kind: 'timeseries',
        stack: true,
        targets: [
          {
            expr: `sum by (advice) (increase(poisonlink_host_events_total{${J}}[$__rate_interval]))`,
            legendFormat: '{{advice}}',
          },
        ],
        w: 12,
      },
      {
        title: 'Hosts with unrecovered poison',
        description: 'Hosts whose state holds an unrecovered memory error: a crash is likely; drain them.',
        kind: 'stat',
        targets: [{ expr: `sum(poisonlink_hosts_with_unrecovered_poison{${J}})` }],
        w: 6,
      },
      {
        title: 'Hosts tracked',
        description: 'Hosts whose per-host state the instances hold.',
        kind: 'stat',
        targets: [{ expr: `sum(poisonlink_hosts_tracked{${J}})` }],
        w: 6,
      },
    ],
  },
  {
    title: 'Processing',
    panels: [
      {
        title: 'Throughput',
        description: 'Input records consumed and committed per second, by topic.',
        kind: 'timeseries',
        unit: 'ops',
        targets: [
          {
            expr: `sum by (topic) (rate(poisonlink_records_consumed_total{${J}}[$__rate_interval]))`,
            legendFormat: '{{topic}}',
          },
        ],
        w: 8,
      },
      {
        title: 'Consumer lag',
        description: 'Records between the committed position and the high watermark, by topic.',
        kind: 'timeseries',
        targets: [
          {
            expr: `sum by (topic) (poisonlink_consumer_lag_records{${J}})`,
            legendFormat: '{{topic}}',
          },
        ],
        w: 8,
      },
      {
        title: 'Event-time lag',
        description: 'Wall clock minus the event-time watermark, by partition.',
        kind: 'timeseries',
        unit: 's',
        targets: [
          {
            expr: `max by (partition) (poisonlink_event_time_lag_seconds{${J}})`,
            legendFormat: 'partition {{partition}}',
          },
        ],
        w: 8,
      },
      {
        title: 'Dead letters',
        description: 'Records sent to the dead-letter topic per second, by reason.',
        kind: 'timeseries',
        unit: 'ops',
        targets: [
          {
            expr: `sum by (reason) (rate(poisonlink_records_dead_lettered_total{${J}}[$__rate_interval]))`,
            legendFormat: '{{reason}}',
          },
        ],
        w: 8,
      },
      {
        title: 'State evictions',
        description: 'Per-host state evicted per interval, by reason (retention is the normal life cycle).',
        kind: 'timeseries',
        targets: [
          {
            expr: `sum by (reason) (increase(poisonlink_state_evictions_total{${J}}[$__rate_interval]))`,
            legendFormat: '{{reason}}',
          },
        ],
        w: 8,
      },
      {
        title: 'Batch duration',
        description: 'Time to process and commit one input batch (one Kafka transaction).',
        kind: 'timeseries',
        unit: 's',
        targets: [
          {
            expr: `histogram_quantile(0.5, sum by (le) (rate(poisonlink_batch_duration_seconds_bucket{${J}}[$__rate_interval])))`,
            legendFormat: 'p50',
          },
          {
            expr: `histogram_quantile(0.99, sum by (le) (rate(poisonlink_batch_duration_seconds_bucket{${J}}[$__rate_interval])))`,
            legendFormat: 'p99',
          },
        ],
        w: 8,
      },
    ],
  },
  {
    title: 'Process',
    panels: [
      {
        title: 'Instances up',
        description: 'Scrape targets of job poisonlink that answer.',
        kind: 'stat',
        targets: [{ expr: `sum(up{${J}})` }],
        w: 4,
      },
      {
        title: 'CPU',
        description: 'CPU seconds per second, by instance.',
        kind: 'timeseries',
        targets: [
          {
            expr: `sum by (instance) (rate(process_cpu_seconds_total{${J}}[$__rate_interval]))`,
            legendFormat: '{{instance}}',
          },
        ],
        w: 6,
      },
      {
        title: 'Memory',
        description: 'Resident memory and V8 heap in use, by instance.',
        kind: 'timeseries',
        unit: 'bytes',
        targets: [
          { expr: `process_resident_memory_bytes{${J}}`, legendFormat: '{{instance}} rss' },
          {
            expr: `sum by (instance) (nodejs_heap_size_used_bytes{${J}})`,
            legendFormat: '{{instance}} heap',
          },
        ],
        w: 7,
      },
      {
        title: 'Event loop lag (p99)',
        description: 'Node.js event loop delay, 99th percentile, by instance.',
        kind: 'timeseries',
        unit: 's',
        targets: [{ expr: `nodejs_eventloop_lag_p99_seconds{${J}}`, legendFormat: '{{instance}}' }],
        w: 7,
      },
    ],
  },
];

export function buildDashboard(): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({
      type: 'row',
      title: row.title,
      id: id++,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of row.panels) {
      const w = spec.w ?? 12;
      const h = spec.h ?? 8;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push({
        type: spec.kind,
        title: spec.title,
        description: spec.description,
        id: id++,
        datasource: DS,
        gridPos: { h, w, x, y },
        fieldConfig: fieldConfig(spec),
        options: options(spec),
        targets: spec.targets.map((t, i) => ({
          datasource: DS,
          refId: String.fromCharCode(65 + i),
          expr: t.expr,
          legendFormat: t.legendFormat ?? '__auto',
          range: spec.kind !== 'stat' && spec.kind !== 'bargauge',
          instant: spec.kind === 'stat' || spec.kind === 'bargauge',
          format: t.format ?? 'time_series',
        })),
      });
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    title: 'poisonlink',
    uid: 'poisonlink',
    description:
      'Kernel crash triage: crashes by bucket, hardware memory errors, poison-to-crash delay, pipeline health',
    tags: ['poisonlink', 'kafka', 'kernel'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '1m',
    time: { from: 'now-24h', to: 'now' },
    timezone: 'utc',
    annotations: { list: [] },
    links: [],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
          includeAll: false,
          multi: false,
        },
      ],
    },
    panels,
  };
}

export function dashboardJson(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  writeFileSync(DASHBOARD_PATH, dashboardJson());
  console.log(`[dashboard] wrote ${DASHBOARD_PATH}`);
}
