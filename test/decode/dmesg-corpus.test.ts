import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkKernelLogEvent } from '../../src/decode/checks.js';
import { createKernelLogEventCodec } from '../../src/decode/codecs.js';
import { createDmesgReader } from '../../src/decode/dmesg-reader.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus');

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

/** Every log file of a corpus folder: metadata (README, manifests, expectations) left out. */
function logs(folder: string): string[] {
  return walk(path.join(corpus, folder)).filter(
    (f) => !/\.(md|tsv|yaml)$/.test(f) && !/(^|\/)README[^/]*$/.test(f) && !f.endsWith('.meta.md'),
  );
}

/** syzkaller files: `KEY: value` header lines up to the first empty line, then the console log. */
function syzkallerLog(text: string): string[] {
  const lines = text.split('\n');
  const blank = lines.indexOf('');
  return blank < 0 ? [] : lines.slice(blank + 1);
}

/**
 * The independent reading the adapter is checked against: the kernel prints `[%5lu.%06lu] `
 * (reference/kernel-formats.md §1), so the first bracketed number with six fraction digits is
 * the line's stamp, whatever transport text stands before it; an optional caller id and one space
 * follow it, and the rest is the message.
 */
const STAMP = /\[ *(\d+)\.(\d{6})\]/;
function expected(line: string): { uptime: number | null; message: string } | null {
  const m = STAMP.exec(line);
  if (m === null) return null;
  const us = BigInt(m[1] as string) * 1_000_000n + BigInt(m[2] as string);
  let rest = line.slice(m.index + m[0].length).replace(/^ ?\[ *[TC]\d+\]/, '');
  if (rest.startsWith(' ')) rest = rest.slice(1);
  return { uptime: us > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(us), message: rest };
}

const SYSLOG_PREFIX = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d /;
const codec = createKernelLogEventCodec();

function check(
  files: string[],
  pick: (text: string) => string[],
): { lines: number; events: number; failures: string[] } {
  const failures: string[] = [];
  let lines = 0;
  let events = 0;
  for (const file of files) {
    const reader = createDmesgReader({ host: 'corpus-host', bootTimeUs: 1_700_000_000_000_000 });
    const name = path.relative(corpus, file);
    const text = readFileSync(file, 'utf8');
    for (const [i, raw] of pick(text).entries()) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      lines++;
      const where = `${name}:${i + 1}: ${JSON.stringify(line.slice(0, 100))}`;
      const r = reader.push(line);
      if (r.kind === 'skip') {
        const fine =
          (r.reason === 'NOT_A_RECORD' && (line.trim() === '' || line.startsWith('Message from syslogd@'))) ||
          ((r.reason === 'NOT_KERNEL' || r.reason === 'DUPLICATE') &&
            /^(\S{3} [ \d]\d \d\d:\d\d:\d\d| )/.test(line));
        if (!fine) failures.push(`${where} skipped as ${r.reason}`);
        continue;
      }
      events++;
      const e = r.event;
      const want = expected(line);
      if (want !== null) {
        if (e.uptime_us !== want.uptime)
          failures.push(`${where} uptime ${e.uptime_us}, expected ${want.uptime}`);
        if (e.message !== want.message)
          failures.push(`${where} message ${JSON.stringify(e.message.slice(0, 60))}`);
      } else {
        if (e.uptime_us !== null) failures.push(`${where} uptime ${e.uptime_us} from a line without a stamp`);
        if (!line.endsWith(e.message)) failures.push(`${where} message is not the line's tail`);
      }
      if (SYSLOG_PREFIX.test(e.message) || /^(<\d{1,3}>)?\[ *\d+\.\d+\]/.test(e.message)) {
        failures.push(`${where} message keeps a transport prefix`);
      }
      if (checkKernelLogEvent(e) !== null) failures.push(`${where} ${checkKernelLogEvent(e)?.message}`);
      const back = codec.decodeRaw(codec.encode(e));
      if (!back.ok || back.value.message !== e.message)
        failures.push(`${where} does not round-trip through Avro`);
    }
  }
  return { lines, events, failures };
}

const whole = (text: string): string[] => {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
};

describe('dmesg adapter on the real logs of ../shared/corpus', () => {
  for (const folder of ['realworld', 'satyr-kerneloopses', 'abrt-examples', 'lkp-tests-dmesg']) {
    it(`reads every line of ${folder} without its transport prefix and with the uptime of its stamp`, () => {
      const files = logs(folder);
      expect(files.length).toBeGreaterThan(5);
      const r = check(files, whole);
      expect(r.failures.slice(0, 20)).toEqual([]);
      expect(r.events).toBeGreaterThan(r.lines * 0.5);
    });
  }

  it('reads every console log of syzkaller linux-report and linux-guilty after its header block', () => {
    const files = [...logs('syzkaller/linux-report'), ...logs('syzkaller/linux-guilty')];
    expect(files.length).toBeGreaterThan(500);
    const r = check(files, syzkallerLog);
    expect(r.failures.slice(0, 20)).toEqual([]);
    expect(r.events).toBeGreaterThan(40_000);
  });

  it('drops the one wall-broadcast duplicate of realworld/18 and keeps its syslog copy', () => {
    const file = logs('realworld').find((f) => path.basename(f).startsWith('18-'));
    expect(file).toBeDefined();
    const reader = createDmesgReader({ host: 'h', year: 2019 });
    const results = whole(readFileSync(file as string, 'utf8')).map((l) => reader.push(l));
    const internal = results.filter(
      (r) => r.kind === 'event' && r.event.message.startsWith('Internal error: : 96000210'),
    );
    expect(internal.length).toBe(1);
    expect(results.filter((r) => r.kind === 'skip' && r.reason === 'DUPLICATE').length).toBe(1);
    expect(internal[0]?.kind === 'event' ? internal[0].event.host : null).toBe('rockpro64');
  });
});
