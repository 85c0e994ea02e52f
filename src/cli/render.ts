/**
 * Human-readable output of the file-driven commands: the verdict table, the host-event table and
 * the end-of-run summary. Plain text, fixed columns, no colours when stdout is not a terminal.
 */
import type { Evidence, HostHardwareEvent, TriagedCrash } from '../model/verdict.js';
import type { RunCounts } from './collect.js';

export function isoTime(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}Z`;
}

function pfnText(pfn: number | null): string {
  return pfn === null ? '' : `pfn 0x${pfn.toString(16)}`;
}

function evidenceText(e: Evidence): string {
  const what = [e.source, pfnText(e.pfn), e.page_type ?? '', e.result].filter((x) => x !== '').join(' ');
  return `${what}, ${formatSeconds(e.seconds_before)} before${e.same_boot ? '' : ' (earlier boot)'}`;
}

/** one line saying why: the rule that matched, and the strongest earlier hardware error */
export function evidenceSummary(v: TriagedCrash): string {
  // the earliest same-boot error that came before the crash, else any listed error
  const prior = v.evidence.filter((x) => x.seconds_before > 0);
  const e: Evidence | undefined = prior.find((x) => x.same_boot) ?? prior[0];
  const extra = prior.length > 1 ? ` (+${prior.length - 1} more)` : '';
  const tail = e === undefined ? '' : `${evidenceText(e)}${extra}`;
  let head: string;
  switch (v.reason) {
    case 'KNOWN_ISSUE_RULE':
    case 'REGRESSION_AFTER_FIX': {
      const base = v.known_issue === null ? 'known-issue rule' : `rule ${v.known_issue.id}`;
      head =
        v.reason === 'REGRESSION_AFTER_FIX'
          ? `${base}: ${v.kernel_release ?? '?'} is at or after the fix`
          : base;
      break;
    }
    case 'HW_SIGNATURE':
      head = `the crash is a hardware error (${v.kind})`;
      break;
    case 'TAINT_MACHINE_CHECK':
      head = `taint ${v.taint ?? ''} has M; no poison report seen`;
      break;
    case 'POISON_CORRELATED':
      return tail;
    default:
      head = e === undefined ? 'no hardware error, no rule' : 'no rule';
  }
  return tail === '' ? head : `${head}; ${tail}`;
}

export function formatSeconds(s: number): string {
  if (s < 120) return `${Math.round(s * 10) / 10} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 360) / 10} h`;
  return `${Math.round(s / 8640) / 10} d`;
}

function table(header: string[], rows: string[][], maxWidths: number[]): string {
  const clip = (s: string, w: number) => (s.length > w ? s.slice(0, Math.max(0, w - 1)) + '…' : s);
  const cells = [header, ...rows].map((r) => r.map((c, i) => clip(c, maxWidths[i] ?? 40)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function verdictTable(verdicts: readonly TriagedCrash[]): string {
  if (verdicts.length === 0) return 'no crashes found';
  const rows = verdicts.map((v) => [
    v.host,
    isoTime(v.ts),
    v.category,
    v.reason,
    v.confidence,
    v.title + (v.revision > 0 ? ` (rev ${v.revision})` : ''),
    evidenceSummary(v),
  ]);
  return table(
    ['HOST', 'TIME', 'BUCKET', 'REASON', 'CONF', 'TITLE', 'EVIDENCE'],
    rows,
    [24, 20, 11, 20, 6, 70, 160],
  );
}

export function hostEventTable(events: readonly HostHardwareEvent[]): string {
  if (events.length === 0) return 'no hardware events';
  const sorted = [...events].sort((a, b) => a.ts - b.ts || a.host.localeCompare(b.host));
  const rows = sorted.map((e) => [
    e.host,
    isoTime(e.ts),
    e.advice,
    e.source,
    e.severity,
    [
      pfnText(e.pfn),
      e.page_type ?? '',
      e.result,
      e.synthetic ? '(synthetic)' : '',
      e.reports > 1 ? `${e.reports} reports` : '',
    ]
      .filter((x) => x !== '')
      .join(' '),
  ]);
  return table(['HOST', 'TIME', 'ADVICE', 'SOURCE', 'SEVERITY', 'DETAIL'], rows, [24, 20, 22, 14, 11, 100]);
}

export function summary(counts: RunCounts, verdicts: readonly TriagedCrash[], hostEvents: number): string {
  const byBucket = new Map<string, number>();
  for (const v of verdicts) {
    const k = `${v.category}/${v.reason}`;
    byBucket.set(k, (byBucket.get(k) ?? 0) + 1);
  }
  const buckets = [...byBucket.entries()]
    .sort()
    .map(([k, n]) => `  ${k}: ${n}`)
    .join('\n');
  const lines = [
    `records: ${counts.records}, dead letters: ${counts.deadLetters}, hardware errors: ${counts.hwErrors}, host events: ${hostEvents}`,
    `crashes: ${verdicts.length}${counts.revisions > 0 ? ` (${counts.revisions} revised)` : ''}`,
  ];
  if (buckets !== '') lines.push(buckets);
  if (counts.late.dropped > 0) lines.push(`late records dropped from correlation: ${counts.late.dropped}`);
  const ev = Object.entries(counts.evictions);
  if (ev.length > 0) lines.push(`state evictions: ${ev.map(([r, n]) => `${r}=${n}`).join(', ')}`);
  return lines.join('\n');
}
