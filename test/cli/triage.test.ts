/**
 * `poisonlink triage` as a person runs it: files in, a table or JSON lines out.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { triageCommand } from '../../src/cli/triage.js';
import { HOST_HARDWARE_EVENT_TYPE, TRIAGED_CRASH_TYPE } from '../../src/decode/index.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const REALWORLD = path.resolve(ROOT, '..', 'shared', 'corpus', 'realworld');

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  try {
    const code = await triageCommand(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('poisonlink triage', () => {
  it('prints one JSON object per line with record_type and the DESIGN field names', async () => {
    const r = await capture(['--json', path.join(REALWORLD, '01-arm64-ghes-slab-ignored-dlookup-sea.log')]);
    expect(r.code).toBe(0);
    const records = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const crashes = records.filter((x) => x['record_type'] === 'crash');
    const events = records.filter((x) => x['record_type'] === 'host_event');
    expect(crashes).toHaveLength(1);
    // exactly the fields of the TriagedCrash / HostHardwareEvent schemas, plus record_type
    const fieldsOf = (t: unknown) =>
      (t as { fields: Array<{ name: string }> }).fields.map((f) => f.name).sort();
    expect(Object.keys(crashes[0] ?? {}).sort()).toEqual(
      ['record_type', ...fieldsOf(TRIAGED_CRASH_TYPE)].sort(),
    );
    expect(Object.keys(events[0] ?? {}).sort()).toEqual(
      ['record_type', ...fieldsOf(HOST_HARDWARE_EVENT_TYPE)].sort(),
    );
    expect(crashes[0]?.['category']).toBe('HARDWARE');
    expect(crashes[0]?.['guilty_frame']).toBe('d_lookup');
    expect(events.some((x) => x['advice'] === 'DRAIN' && x['pfn'] === 0x40272d)).toBe(true);
  });

  it('names each dmesg file its own host when no --host is given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'triage-'));
    const a = path.join(dir, 'node-a.log');
    const b = path.join(dir, 'node-b.log');
    // the same poison report on node-a only; the same later crash on both
    const poison = '[  100.000000] Memory failure: 0x1234: recovery action for get hwpoison page: Ignored\n';
    const crash = [
      '[  160.000000] BUG: unable to handle page fault for address: ffff888001234000',
      '[  160.000010] #PF: supervisor read access in kernel mode',
      '[  160.000020] Oops: Oops: 0000 [#1] SMP NOPTI',
      '[  160.000030] CPU: 3 UID: 0 PID: 77 Comm: kworker/3:1 Not tainted 6.12.0 #1',
      '[  160.000040] RIP: 0010:d_lookup+0x4b/0x110',
      '[  160.000050] Call Trace:',
      '[  160.000060]  <TASK>',
      '[  160.000070]  lookup_fast+0x7d/0xf0',
      '[  160.000080]  walk_component+0x1f/0x150',
      '[  160.000090]  </TASK>',
      '[  160.000100] ---[ end trace 0000000000000000 ]---',
      '',
    ].join('\n');
    writeFileSync(a, poison + crash);
    writeFileSync(b, crash);
    const r = await capture(['--json', a, b]);
    expect(r.code).toBe(0);
    const crashes = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((x) => x['record_type'] === 'crash');
    const byHost = Object.fromEntries(crashes.map((c) => [c['host'], c['reason']]));
    expect(byHost).toEqual({ 'node-a': 'POISON_CORRELATED', 'node-b': 'UNMATCHED' });
  });

  it('prints a table with the bucket and a one-line evidence summary', async () => {
    const r = await capture([path.join(REALWORLD, '01-arm64-ghes-slab-ignored-dlookup-sea.log')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^HOST\s+TIME\s+BUCKET\s+REASON\s+CONF\s+TITLE\s+EVIDENCE/m);
    expect(r.out).toContain('MEMORY_FAILURE pfn 0x40272d get hwpoison page Ignored, 67.4 s before');
    expect(r.out).toContain('crashes: 1');
  });

  it('refuses a bad option and a missing file with a message and a non-zero exit', async () => {
    const bad = await capture(['--format', 'xml', 'x.log']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--format: expected one of auto, dmesg, journald, ndjson, found xml');
    const missing = await capture(['/nonexistent/file.log']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('cannot read /nonexistent/file.log');
  });
});
