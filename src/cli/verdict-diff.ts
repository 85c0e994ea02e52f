/**
 * `poisonlink replay --diff OLD.ndjson`: which verdicts changed between two runs, and why.
 * Both sides are reduced to the latest revision per crash_id first (what a consumer keeps).
 */
import type { TriagedCrash } from '../model/verdict.js';

export interface VerdictChange {
  crash_id: string;
  host: string;
  title: string;
  kind: 'added' | 'removed' | 'changed';
  fields: string[];
  why: string[];
}

/** latest revision per crash_id */
export function latestRevisions(records: Iterable<TriagedCrash>): Map<string, TriagedCrash> {
  const out = new Map<string, TriagedCrash>();
  for (const r of records) {
    const prev = out.get(r.crash_id);
    if (prev === undefined || r.revision > prev.revision) out.set(r.crash_id, r);
  }
  return out;
}

const COMPARED = ['category', 'reason', 'confidence', 'title', 'kind', 'guilty_frame', 'signature'] as const;

function explain(a: TriagedCrash, b: TriagedCrash, fields: string[]): string[] {
  const why: string[] = [];
  if (a.rules_hash !== b.rules_hash)
    why.push(`known-issues file changed (${a.rules_hash ?? 'none'} → ${b.rules_hash ?? 'none'})`);
  if ((a.known_issue?.id ?? null) !== (b.known_issue?.id ?? null)) {
    why.push(`matching rule ${a.known_issue?.id ?? 'none'} → ${b.known_issue?.id ?? 'none'}`);
  }
  if (a.evidence.length !== b.evidence.length)
    why.push(`hardware evidence ${a.evidence.length} → ${b.evidence.length} errors`);
  else if (JSON.stringify(a.evidence) !== JSON.stringify(b.evidence))
    why.push('the hardware evidence differs');
  if (fields.includes('title') || fields.includes('guilty_frame'))
    why.push('the report is titled differently (parser change)');
  if (a.revision !== b.revision) why.push(`revision ${a.revision} → ${b.revision} (late evidence)`);
  if (why.length === 0) why.push('same inputs, different decision (classifier change)');
  return why;
}

export function diffVerdicts(
  oldRun: Iterable<TriagedCrash>,
  newRun: Iterable<TriagedCrash>,
): VerdictChange[] {
  const a = latestRevisions(oldRun);
  const b = latestRevisions(newRun);
  const changes: VerdictChange[] = [];
  for (const [id, va] of a) {
    const vb = b.get(id);
    if (vb === undefined) {
      changes.push({
        crash_id: id,
        host: va.host,
        title: va.title,
        kind: 'removed',
        fields: [],
        why: ['not found in the new run'],
      });
      continue;
    }
    const fields = COMPARED.filter((f) => va[f] !== vb[f]) as string[];
    if ((va.known_issue?.id ?? null) !== (vb.known_issue?.id ?? null)) fields.push('known_issue');
    if (fields.length > 0) {
      changes.push({
        crash_id: id,
        host: vb.host,
        title: vb.title,
        kind: 'changed',
        fields,
        why: explain(va, vb, fields),
      });
    }
  }
  for (const [id, vb] of b) {
    if (!a.has(id)) {
      changes.push({
        crash_id: id,
        host: vb.host,
        title: vb.title,
        kind: 'added',
        fields: [],
        why: ['not in the old run'],
      });
    }
  }
  return changes;
}

export function renderDiff(
  changes: readonly VerdictChange[],
  oldRun: Map<string, TriagedCrash>,
  newRun: Map<string, TriagedCrash>,
): string {
  if (changes.length === 0) return 'no verdict changed';
  const out: string[] = [];
  for (const c of changes) {
    if (c.kind !== 'changed') {
      out.push(`${c.kind.toUpperCase()} ${c.host} ${c.title} [${c.crash_id}]`);
      continue;
    }
    const a = oldRun.get(c.crash_id);
    const b = newRun.get(c.crash_id);
    if (a === undefined || b === undefined) continue;
    out.push(`CHANGED ${c.host} ${c.title} [${c.crash_id}]`);
    for (const f of c.fields) {
      const get = (v: TriagedCrash): string =>
        f === 'known_issue'
          ? (v.known_issue?.id ?? 'none')
          : String(v[f as (typeof COMPARED)[number]] ?? 'null');
      out.push(`  ${f}: ${get(a)} → ${get(b)}`);
    }
    for (const w of c.why) out.push(`  why: ${w}`);
  }
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const c of changes) counts[c.kind]++;
  out.push(`${counts.changed} changed, ${counts.added} added, ${counts.removed} removed`);
  return out.join('\n');
}
