/**
 * The metrics contract (DESIGN.md §6) read from the design document itself, and a small PromQL
 * scanner that finds the metric selectors, label matchers and grouping labels of an expression, so
 * the dashboard and alert tests can check every query against the contract.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse } from 'yaml';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DESIGN_PATH = path.resolve(REPO_ROOT, '..', 'shared', 'DESIGN.md');
export const CHART_DIR = path.join(REPO_ROOT, 'helm', 'poisonlink');
export const DASHBOARD_FILE = path.join(CHART_DIR, 'dashboards', 'poisonlink.json');
export const RULES_FILE = path.join(CHART_DIR, 'alerts', 'poisonlink-rules.yaml');

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  name: string;
  type: MetricType;
  labels: readonly string[];
}

/** Rows of the §6 table: `| \`name\` [/ \`name\`] | type (…) | \`label\`, \`label\` (\`value\`, …) |`. */
export function parseDesignMetrics(markdown: string): MetricSpec[] {
  const start = markdown.indexOf('## 6. Metrics');
  if (start < 0) throw new Error('DESIGN.md has no "## 6. Metrics" section');
  const rest = markdown.slice(start + 1);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const prefixMatch = /prefix `([a-z_]+)`/.exec(markdown.slice(start, start + 200));
  const prefix = prefixMatch?.[1] ?? '';
  const out: MetricSpec[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4) continue;
    const [, nameCell = '', typeCell = '', labelCell = ''] = cells;
    const names = [...nameCell.matchAll(/`([a-z_]+)`/g)].map((m) => m[1] ?? '');
    const type = /^(counter|gauge|histogram)\b/.exec(typeCell)?.[1] as MetricType | undefined;
    if (names.length === 0 || type === undefined) continue;
    const labels = [...labelCell.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1] ?? '');
    for (const name of names) out.push({ name: `${prefix}${name}`, type, labels });
  }
  return out;
}

export function designMetrics(): MetricSpec[] {
  return parseDesignMetrics(readFileSync(DESIGN_PATH, 'utf8'));
}

/** prom-client's default process metrics, as the processor registers them. */
export async function defaultMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    const type = String(m.type);
    if (type === 'histogram' || type === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
    }
  }
  registry.clear();
  return names;
}

export interface Contract {
  /** series name -> its labels (histograms contribute _bucket with `le`, _sum and _count) */
  series: Map<string, readonly string[]>;
  /** default process metrics: any labels */
  process: Set<string>;
}

export async function loadContract(): Promise<Contract> {
  const series = new Map<string, readonly string[]>();
  for (const m of designMetrics()) {
    if (m.type === 'histogram') {
      series.set(`${m.name}_bucket`, [...m.labels, 'le']);
      series.set(`${m.name}_sum`, m.labels);
      series.set(`${m.name}_count`, m.labels);
    } else {
      series.set(m.name, m.labels);
    }
  }
  series.set('up', []);
  return { series, process: await defaultMetricNames() };
}

export interface Selector {
  metric: string;
  matchers: Array<{ label: string; op: string; value: string }>;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan', 'atan2']);
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

/** Metric selectors and grouping labels of a PromQL expression (no full parser: the subset we write). */
export function scanPromql(expr: string): { selectors: Selector[]; grouping: string[] } {
  let s = expr.replace(/\[[^\]]*\]/g, ' ');
  const grouping: string[] = [];
  s = s.replace(GROUPING, (_all, _kw: string, labels: string) => {
    for (const l of labels.split(',')) if (l.trim()) grouping.push(l.trim());
    return ' ';
  });
  const selectors: Selector[] = [];
  s = s.replace(
    /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g,
    (_all, metric: string | undefined, body: string) => {
      const matchers = [
        ...body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g),
      ].map((m) => ({ label: m[1] ?? '', op: m[2] ?? '', value: m[3] ?? '' }));
      const name = metric ?? matchers.find((m) => m.label === '__name__')?.value ?? '';
      selectors.push({ metric: name, matchers });
      return ' ';
    },
  );
  s = s
    .replace(/\b\d+(?:ms|s|m|h|d|w|y)\b/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, ' ');
  for (const m of s.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const word = m[1] ?? '';
    if (m[2] !== undefined || KEYWORDS.has(word.toLowerCase())) continue;
    selectors.push({ metric: word, matchers: [] });
  }
  return { selectors, grouping };
}

/** Every problem of one expression against the contract; empty when it follows it. */
export function checkExpression(expr: string, contract: Contract): string[] {
  const problems: string[] = [];
  const { selectors, grouping } = scanPromql(expr);
  if (selectors.length === 0) problems.push(`no metric selector in: ${expr}`);
  const available = new Set(['job', 'instance']);
  for (const sel of selectors) {
    const labels = contract.series.get(sel.metric);
    const isProcess = contract.process.has(sel.metric);
    if (labels === undefined && !isProcess) {
      problems.push(`${sel.metric} is not a DESIGN.md §6 metric nor a default process metric`);
      continue;
    }
    const job = sel.matchers.find((m) => m.label === 'job');
    if (job === undefined || job.op !== '=' || job.value !== 'poisonlink') {
      problems.push(`${sel.metric} is not selected with job="poisonlink"`);
    }
    if (labels === undefined) continue;
    for (const l of labels) available.add(l);
    for (const m of sel.matchers) {
      if (m.label !== 'job' && m.label !== 'instance' && !labels.includes(m.label)) {
        problems.push(`${sel.metric} has no label ${m.label} (labels: ${labels.join(', ') || 'none'})`);
      }
    }
  }
  const anyProcess = selectors.some((s) => contract.process.has(s.metric));
  for (const g of grouping) {
    if (!available.has(g) && !anyProcess)
      problems.push(`grouping label ${g} is on none of the selected metrics`);
  }
  return problems;
}

export interface DashboardQuery {
  panel: string;
  panelType: string;
  expr: string;
}

interface Panel {
  type?: string;
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

export function dashboardPanels(dashboard: { panels?: Panel[] }): Panel[] {
  const out: Panel[] = [];
  const walk = (panels: Panel[] | undefined) => {
    for (const p of panels ?? []) {
      if (p.type === 'row') walk(p.panels);
      else out.push(p);
    }
  };
  walk(dashboard.panels);
  return out;
}

export function dashboardQueries(dashboard: { panels?: Panel[] }): DashboardQuery[] {
  return dashboardPanels(dashboard).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title ?? '?', panelType: p.type ?? '?', expr: t.expr ?? '' })),
  );
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const doc = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return doc.groups.flatMap((g) => g.rules);
}

/** Grafana's built-in interval variables, replaced by fixed windows to evaluate a panel query. */
export function substituteGrafanaVariables(
  expr: string,
  windows: { rateInterval: string; interval: string; range: string },
): string {
  return expr
    .replaceAll('$__rate_interval', windows.rateInterval)
    .replaceAll('$__interval', windows.interval)
    .replaceAll('$__range', windows.range);
}
