import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHostHardwareEventCodec, createTriagedCrashCodec } from '../../src/decode/codecs.js';
import {
  ndjsonFileOutput,
  ndjsonLine,
  outputMessage,
  RECORD_TYPE_HEADER,
  readVerdictLines,
} from '../../src/replay/output.js';
import { createOutputEncoders } from '../../src/sink/encoders.js';
import { CRASH, HOST_EVENT } from '../decode/fixtures.js';

// DESIGN.md §3, in the table's order (plus rules_hash, the issue 7 addition)
const CRASH_FIELDS = [
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
];
const HOST_EVENT_FIELDS = [
  'host',
  'boot_id',
  'ts',
  'source',
  'pfn',
  'phys_addr',
  'page_type',
  'result',
  'synthetic',
  'advice',
];

let dir: string | null = null;
afterEach(() => {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('ndjson output', () => {
  it('writes a crash as one JSON object with record_type first and the DESIGN.md §3 field names', () => {
    const line = ndjsonLine({ type: 'crash', value: CRASH });
    expect(line).not.toContain('\n');
    const obj = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(obj)[0]).toBe('record_type');
    expect(obj['record_type']).toBe('crash');
    for (const f of CRASH_FIELDS) expect(obj).toHaveProperty(f);
    expect(obj['crash_id']).toBe('c0ffee0123456789');
    expect(obj['ts']).toBe(1_750_000_100_000_000);
    expect(obj['category']).toBe('HARDWARE');
    expect((obj['evidence'] as Array<Record<string, unknown>>)[0]?.['pfn']).toBe(0x40272d);
    expect(obj['known_issue']).toEqual({ id: 'KI-12', title: 'd_lookup on poisoned dentry', url: null });
  });

  it('writes a host event with record_type host_event and its fields', () => {
    const obj = JSON.parse(ndjsonLine({ type: 'host_event', value: HOST_EVENT })) as Record<string, unknown>;
    expect(obj['record_type']).toBe('host_event');
    for (const f of HOST_EVENT_FIELDS) expect(obj).toHaveProperty(f);
    expect(obj['advice']).toBe('DRAIN');
  });

  it('has exactly the fields of the Avro schema, so a file and a topic carry the same records', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../schemas/triaged-crash.avsc', import.meta.url), 'utf8'),
    ) as {
      fields: Array<{ name: string }>;
    };
    const obj = JSON.parse(ndjsonLine({ type: 'crash', value: CRASH })) as Record<string, unknown>;
    expect(Object.keys(obj).slice(1).sort()).toEqual(schema.fields.map((f) => f.name).sort());
  });

  it('writes one line per record to a file, in the order they were added, and reads the verdicts back', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'replay-out-'));
    const file = path.join(dir, 'out.ndjson');
    const out = ndjsonFileOutput(file);
    const rev1 = { ...CRASH, revision: 2, confidence: 'MEDIUM' as const };
    out.add({ type: 'crash', value: CRASH });
    out.add({ type: 'host_event', value: HOST_EVENT });
    await out.flush();
    out.add({ type: 'crash', value: rev1 });
    await out.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines.slice(0, 3).map((l) => (JSON.parse(l) as { record_type: string }).record_type)).toEqual([
      'crash',
      'host_event',
      'crash',
    ]);
    expect(out.written).toEqual({ crash: 2, host_event: 1 });
    const back = readVerdictLines(readFileSync(file, 'utf8'));
    expect(back.badLines).toEqual([]);
    expect(back.verdicts).toEqual([CRASH, rev1]);
  });

  it('reads an earlier output leniently: unreadable lines are reported by number, host events skipped', () => {
    const text = [
      ndjsonLine({ type: 'host_event', value: HOST_EVENT }),
      'not json',
      ndjsonLine({ type: 'crash', value: CRASH }),
      '{"record_type":"crash","crash_id":"x"}',
      '',
    ].join('\n');
    const r = readVerdictLines(text);
    expect(r.verdicts.map((v) => v.crash_id)).toEqual(['c0ffee0123456789']);
    expect(r.badLines).toEqual([2, 4]);
  });
});

describe('topic output messages', () => {
  const encoders = createOutputEncoders();

  it('keys a verdict by crash_id and a host event by host, as the live run does, in Avro', () => {
    const crash = outputMessage({ type: 'crash', value: CRASH }, 'avro', encoders);
    expect(crash.key).toBe(CRASH.crash_id);
    expect(crash.headers).toEqual({ [RECORD_TYPE_HEADER]: 'crash' });
    const decoded = createTriagedCrashCodec().decodeRaw(crash.value as Buffer);
    expect(decoded.ok && decoded.value.title).toBe(CRASH.title);
    expect(decoded.ok && decoded.value.evidence[0]?.pfn).toBe(0x40272d);

    const host = outputMessage({ type: 'host_event', value: HOST_EVENT }, 'avro', encoders);
    expect(host.key).toBe('web-17.fra1');
    const h = createHostHardwareEventCodec().decodeRaw(host.value as Buffer);
    expect(h.ok && h.value.advice).toBe('DRAIN');
  });

  it('writes the ndjson line as the value with --output-format ndjson', () => {
    const m = outputMessage({ type: 'crash', value: CRASH }, 'ndjson', encoders);
    expect(JSON.parse(m.value as string)).toMatchObject({ record_type: 'crash', crash_id: CRASH.crash_id });
  });
});
