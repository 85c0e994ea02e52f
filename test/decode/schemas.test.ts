import { describe, expect, it } from 'vitest';
import { SCHEMA_NAMES, SCHEMA_TEXT } from '../../src/decode/schemas.js';
import { CRASH_KINDS } from '../../src/model/crash.js';
import { makeEvent } from '../../src/model/event.js';
import { HW_RESULTS, HW_SOURCES, SEVERITIES } from '../../src/model/signal.js';
import { ADVICE, CATEGORIES, CONFIDENCES, REASONS } from '../../src/model/verdict.js';

interface AvroField {
  name: string;
  type: unknown;
  doc?: string;
  default?: unknown;
}
interface AvroRecord {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroField[];
}

const schemas = Object.fromEntries(
  SCHEMA_NAMES.map((n) => [n, JSON.parse(SCHEMA_TEXT[n]) as AvroRecord]),
) as Record<(typeof SCHEMA_NAMES)[number], AvroRecord>;

/** Every record reachable from a schema, with its fields. */
function records(t: unknown, out: AvroRecord[] = []): AvroRecord[] {
  if (Array.isArray(t)) for (const u of t) records(u, out);
  else if (typeof t === 'object' && t !== null) {
    const o = t as Record<string, unknown>;
    if (o['type'] === 'record') {
      out.push(o as unknown as AvroRecord);
      for (const f of (o as unknown as AvroRecord).fields) records(f.type, out);
    } else if (o['type'] === 'array') records(o['items'], out);
  }
  return out;
}

function enumSymbols(t: unknown, name: string): string[] | undefined {
  const s = JSON.stringify(t);
  const re = new RegExp(`"type":"enum","name":"${name}","symbols":(\\[[^\\]]*\\])`);
  const m = re.exec(s);
  return m?.[1] === undefined ? undefined : (JSON.parse(m[1]) as string[]);
}

function field(r: AvroRecord, name: string): AvroField {
  const f = r.fields.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no field ${name} in ${r.name}`);
  return f;
}

describe('Avro schemas', () => {
  it('put every record in the io.poisonlink namespace and document every record and field', () => {
    for (const name of SCHEMA_NAMES) {
      expect(schemas[name].namespace).toBe('io.poisonlink');
      for (const r of records(schemas[name])) {
        expect(r.doc, `${r.name} doc`).toMatch(/\w{3}/);
        for (const f of r.fields) expect(f.doc, `${r.name}.${f.name} doc`).toMatch(/\w{3}/);
      }
    }
  });

  it('give KernelLogEvent exactly the fields of the TypeScript interface, in the order of DESIGN.md §2', () => {
    const names = schemas['kernel-log-event'].fields.map((f) => f.name);
    expect(names).toEqual([
      'host',
      'boot_id',
      'ts',
      'uptime_us',
      'seq',
      'priority',
      'message',
      'arch',
      'kernel_release',
      'source',
      'caller',
    ]);
    expect([...names].sort()).toEqual(Object.keys(makeEvent({ host: 'h', ts: 0, message: '' })).sort());
  });

  it('make the optional KernelLogEvent fields null unions with a null default', () => {
    const r = schemas['kernel-log-event'];
    for (const name of [
      'boot_id',
      'uptime_us',
      'seq',
      'priority',
      'arch',
      'kernel_release',
      'source',
      'caller',
    ]) {
      const f = field(r, name);
      expect(Array.isArray(f.type) && (f.type as unknown[])[0] === 'null', name).toBe(true);
      expect(f.default, name).toBeNull();
    }
    for (const name of ['host', 'message']) expect(field(r, name).type).toBe('string');
  });

  it('type every ts field as a long with the timestamp-micros logical type', () => {
    const tsFields = SCHEMA_NAMES.flatMap((n) => records(schemas[n])).flatMap((r) =>
      r.fields.filter((f) => f.name === 'ts'),
    );
    expect(tsFields.length).toBe(4); // three records and Evidence
    for (const f of tsFields) expect(f.type).toEqual({ type: 'long', logicalType: 'timestamp-micros' });
  });

  it('list the enum symbols of the closed sets exactly as src/model does', () => {
    const crash = schemas['triaged-crash'];
    expect(enumSymbols(crash, 'CrashKind')).toEqual([...CRASH_KINDS]);
    expect(enumSymbols(crash, 'Category')).toEqual([...CATEGORIES]);
    expect(enumSymbols(crash, 'Reason')).toEqual([...REASONS]);
    expect(enumSymbols(crash, 'Confidence')).toEqual([...CONFIDENCES]);
    expect(enumSymbols(crash, 'HwSource')).toEqual([...HW_SOURCES]);
    expect(enumSymbols(crash, 'HwResult')).toEqual([...HW_RESULTS]);
    const host = schemas['host-hardware-event'];
    expect(enumSymbols(host, 'HwSource')).toEqual([...HW_SOURCES]);
    expect(enumSymbols(host, 'HwResult')).toEqual([...HW_RESULTS]);
    expect(enumSymbols(host, 'Severity')).toEqual([...SEVERITIES]);
    expect(enumSymbols(host, 'Advice')).toEqual([...ADVICE]);
  });

  it('give TriagedCrash and its Evidence and KnownIssueRef records the fields of src/model/verdict.ts', () => {
    const all = records(schemas['triaged-crash']);
    const byName = Object.fromEntries(all.map((r) => [r.name, r.fields.map((f) => f.name)]));
    expect(byName['TriagedCrash']).toEqual([
      'crash_id',
      'revision',
      'host',
      'boot_id',
      'arch',
      'kernel_release',
      'ts',
      'kind',
      'title',
      'alt_titles',
      'guilty_frame',
      'frames',
      'signature',
      'taint',
      'category',
      'reason',
      'confidence',
      'evidence',
      'known_issue',
      'corrupted',
      'excerpt',
      'rules_hash',
    ]);
    expect(byName['Evidence']).toEqual([
      'source',
      'ts',
      'pfn',
      'phys_addr',
      'page_type',
      'result',
      'seconds_before',
      'same_boot',
      'confidence',
      'line',
    ]);
    expect(byName['KnownIssueRef']).toEqual(['id', 'title', 'url']);
    expect(schemas['host-hardware-event'].fields.map((f) => f.name)).toEqual([
      'host',
      'boot_id',
      'ts',
      'source',
      'severity',
      'pfn',
      'phys_addr',
      'page_type',
      'result',
      'synthetic',
      'advice',
      'reports',
      'line',
    ]);
  });
});
