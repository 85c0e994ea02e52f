import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import avro from 'avsc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latestRevisions } from '../../src/cli/verdict-diff.js';
import { KERNEL_LOG_EVENT_TYPE } from '../../src/decode/schemas.js';
import type { KernelLogEvent } from '../../src/model/event.js';
import { containerHeaderProblem } from '../../src/replay/file-source.js';
import { readVerdictLines } from '../../src/replay/output.js';
import { CORPUS, FLEET, fleetLines, KNOWN_ISSUES, plain, referenceVerdicts, runReplay } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'replay-run-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function outputVerdicts(file: string) {
  return latestRevisions(readVerdictLines(readFileSync(file, 'utf8')).verdicts);
}

describe('poisonlink replay FILE', () => {
  it('gives the same final verdicts as the pipeline run in process on the same records', async () => {
    const out = path.join(dir, 'out.ndjson');
    const r = await runReplay([FLEET, '--known-issues', KNOWN_ISSUES, '--output', out]);
    expect(r.code).toBe(0);
    const events = fleetLines()
      .map((l) => l.event)
      .filter((e): e is KernelLogEvent => e !== null);
    const reference = referenceVerdicts(events);
    // the sample fleet holds seven crashes, one of each kind the design names
    expect(reference.size).toBe(7);
    const replayed = outputVerdicts(out);
    expect(plain(replayed)).toEqual(plain(reference));
    const buckets = [...replayed.values()].map((v) => `${v.category}/${v.reason}`).sort();
    expect(buckets).toContain('HARDWARE/POISON_CORRELATED');
    expect(buckets).toContain('KNOWN_ISSUE/KNOWN_ISSUE_RULE');
    expect(buckets).toContain('NEW_CRASH/REGRESSION_AFTER_FIX');
  });

  it('counts the malformed record and lists it with its line in the summary', async () => {
    const r = await runReplay([
      FLEET,
      '--known-issues',
      KNOWN_ISSUES,
      '--output',
      path.join(dir, 'o.ndjson'),
    ]);
    const bad = fleetLines().findIndex((l) => l.event === null) + 1;
    expect(bad).toBeGreaterThan(0);
    expect(r.stdout).toContain(`records: ${fleetLines().length}, dead letters: 1`);
    expect(r.stdout).toContain('bad records: 1 (INVALID_JSON=1)');
    expect(r.stdout).toContain(`fleet.ndjson:${bad}: INVALID_JSON`);
    expect(r.stdout).toContain('crashes: 7');
    expect(r.stdout).toContain('HARDWARE/POISON_CORRELATED: 1');
  });

  it('reads an Avro object container file of the same events to the same verdicts, format detected', async () => {
    const events = fleetLines()
      .map((l) => l.event)
      .filter((e): e is KernelLogEvent => e !== null);
    const avroFile = path.join(dir, 'fleet.avro');
    const encoder = new avro.streams.BlockEncoder(KERNEL_LOG_EVENT_TYPE, { codec: 'deflate' });
    const sink = createWriteStream(avroFile);
    encoder.pipe(sink);
    for (const e of events) encoder.write(e);
    encoder.end();
    await once(sink, 'finish');

    const fromAvro = path.join(dir, 'a.ndjson');
    const r = await runReplay([avroFile, '--known-issues', KNOWN_ISSUES, '--output', fromAvro]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`read ${events.length} records from ${avroFile} (avro)`);
    expect(plain(outputVerdicts(fromAvro))).toEqual(plain(referenceVerdicts(events)));
  });

  it('counts a corrupt Avro container as a bad record instead of failing', async () => {
    const file = path.join(dir, 'bad.avro');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from('Obj\x01', 'latin1'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])]),
    );
    const r = await runReplay([file, '--output', path.join(dir, 'o.ndjson')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('bad records: 1 (INVALID_AVRO=1)');
    expect(r.stdout).toContain('bad.avro#header: INVALID_AVRO');
  });

  it('refuses a container header whose metadata map claims more entries than there are bytes', () => {
    // magic, a block count of 2^30 (zig-zag varint), two bytes, no sync marker
    const hostile = Buffer.concat([
      Buffer.from('Obj\x01', 'latin1'),
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08, 0x02, 0x61]),
    ]);
    expect(containerHeaderProblem(hostile)).toBe(
      'the metadata map claims 1073741824 entries, more than the bytes left',
    );
  });

  it('accepts the header of a container file avsc writes', async () => {
    const file = path.join(dir, 'one.avro');
    const encoder = new avro.streams.BlockEncoder(KERNEL_LOG_EVENT_TYPE);
    const sink = createWriteStream(file);
    encoder.pipe(sink);
    encoder.end(fleetLines()[0]?.event);
    await once(sink, 'finish');
    expect(containerHeaderProblem(readFileSync(file))).toBeNull();
    expect(containerHeaderProblem(readFileSync(file).subarray(0, 40))).toContain('cut short');
  });

  it('triages a real dmesg capture: the arm64 abort after an ignored poison report is hardware', async () => {
    const log = path.join(CORPUS, 'realworld', '01-arm64-ghes-slab-ignored-dlookup-sea.log');
    const out = path.join(dir, 'o.ndjson');
    const r = await runReplay([log, '--host', 'db-7', '--output', out]);
    expect(r.code).toBe(0);
    const verdicts = [...outputVerdicts(out).values()];
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]?.host).toBe('db-7');
    expect(verdicts[0]?.category).toBe('HARDWARE');
    expect(r.stdout).toContain('(dmesg)');
  });

  it('detects a journald export, reads its kernel records and skips the others', async () => {
    const file = path.join(dir, 'journal.json');
    const entry = (fields: Record<string, string>) =>
      JSON.stringify({
        _HOSTNAME: 'store-11',
        _BOOT_ID: '0b0e0d020000400080000000000000aa',
        __REALTIME_TIMESTAMP: '1795132800000000',
        __MONOTONIC_TIMESTAMP: '88690478913',
        ...fields,
      });
    writeFileSync(
      file,
      [
        entry({ _TRANSPORT: 'syslog', PRIORITY: '6', MESSAGE: 'Accepted publickey for root from 10.0.0.1' }),
        // mm/memory-failure.c action_result(): "%#lx: recovery action for %s: %s"
        entry({
          _TRANSPORT: 'kernel',
          PRIORITY: '3',
          MESSAGE: 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
        }),
        '',
      ].join('\n'),
    );
    const out = path.join(dir, 'o.ndjson');
    const r = await runReplay([file, '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`read 2 records from ${file} (journald)`);
    expect(r.stdout).toContain('skipped (not kernel records): 1');
    const lines = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        record_type: 'host_event',
        host: 'store-11',
        pfn: 0x40272d,
        advice: 'DRAIN',
      }),
    );
  });

  it('prints which verdicts changed against an earlier run, and why', async () => {
    const before = path.join(dir, 'before.ndjson');
    expect((await runReplay([FLEET, '--output', before])).code).toBe(0);
    const r = await runReplay([
      FLEET,
      '--known-issues',
      KNOWN_ISSUES,
      '--output',
      path.join(dir, 'after.ndjson'),
      '--diff',
      before,
    ]);
    expect(r.code).toBe(0);
    // without the rules both ext4 warnings were new crashes; with them one is a known issue and
    // the other a regression (its kernel is at or after fixed_in)
    expect(r.stdout).toContain('verdict changes against');
    expect(r.stdout).toMatch(/CHANGED web-01 WARNING in ext4_da_update_reserve_space/);
    expect(r.stdout).toContain('category: NEW_CRASH → KNOWN_ISSUE');
    expect(r.stdout).toContain('known_issue: none → EXT4-DA-RESERVE');
    expect(r.stdout).toMatch(/why: known-issues file changed \(none → [0-9a-f]{16}\)/);
    expect(r.stdout).toContain('reason: UNMATCHED → REGRESSION_AFTER_FIX');
    expect(r.stdout).toContain('2 changed, 0 added, 0 removed');
  });

  it('prints the verdict table when no output is given', async () => {
    const r = await runReplay([FLEET, '--known-issues', KNOWN_ISSUES]);
    expect(r.stdout).toMatch(/^HOST\s+TIME\s+BUCKET/);
    expect(r.stdout).toContain('EXT4-DA-RESERVE');
  });

  it('writes plain progress lines on stderr when it is not a terminal', async () => {
    let t = 0;
    // chunks of 100 records; every look at the clock moves it 200 ms
    const r = await runReplay(
      [
        FLEET,
        '--output',
        path.join(dir, 'o.ndjson'),
        '--progress-interval',
        '1',
        '--set',
        'consumer.maxBatchRecords=100',
      ],
      { now: () => (t += 200) },
    );
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('replay: 1 file(s)'));
    // 25 chunks, a clock read per chunk (5 s) plus the finish: a line per second of it
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines[0]).toMatch(/^replay: 1 file\(s\) [0-9.]+k of [0-9.]+k bytes done, [0-9.]+k? records, \d+%/);
    expect(lines.at(-1)).toMatch(/bytes done, 2\.42k records, 100%/);
    expect(r.stderr).not.toContain('\r');
  });
});

describe('poisonlink replay interrupted', () => {
  it('stops after the chunk in progress, still writes and summarises what it read, and exits 130', async () => {
    const controller = new AbortController();
    let reads = 0;
    const out = path.join(dir, 'part.ndjson');
    const r = await runReplay([FLEET, '--output', out, '--set', 'consumer.maxBatchRecords=100'], {
      signal: controller.signal,
      // the progress reporter reads the clock once at start and once per chunk: abort at the end of chunk 2
      now: () => {
        if (++reads === 3) controller.abort();
        return reads * 10;
      },
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('read 200 records from');
    expect(r.stdout).toContain(', interrupted');
    expect(r.stdout).toContain('records: 200,');
    expect(r.stdout).toContain('INTERRUPTED');
    // whatever was emitted is in the file, one whole JSON object per line
    for (const line of readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '')) {
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});

describe('poisonlink replay usage', () => {
  it.each([
    [['--from', '2026-11-20T00:00:00Z', FLEET], '--from, --to and --topic read a topic'],
    [['--output', 'a', '--output-topic', 'b', FLEET], 'choose one'],
    [['--from', 'yesterday'], 'RFC 3339'],
    [['--from', '2026-11-21T00:00:00Z', '--to', '2026-11-20T00:00:00Z'], '--from is after --to'],
    [['--bogus', FLEET], 'unknown option(s) --bogus'],
    [['--format', 'xml', FLEET], 'expected one of avro, ndjson, journald, dmesg'],
    [['/nonexistent/file.log'], 'no such file'],
    [['--topic', 'in', '--output-topic', 'in'], 'is also read'],
  ])('refuses %j with exit code 2', async (argv, message) => {
    const r = await runReplay(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
