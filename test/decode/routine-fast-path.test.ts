/**
 * The routine fast path (src/decode/routine-avro.ts + Pipeline.processRoutine) must change nothing:
 * the same records through the pipeline with and without it give the same verdicts, host events
 * and per-host snapshots; and the byte-level line test never calls a line routine that one of the
 * per-line stages' own prefilters would accept.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateFleet } from '../../bench/fleet.js';
import { createKernelLogEventCodec } from '../../src/decode/codecs.js';
import { readRoutineRecord } from '../../src/decode/routine-avro.js';
import { DEFAULT_CORRELATION, DEFAULT_LIMITS, type StateLimits } from '../../src/model/config.js';
import { hostHash } from '../../src/model/host-hash.js';
import {
  type KernelLogEvent,
  makeEvent,
  newRoutineRecord,
  type RoutineRecord,
} from '../../src/model/event.js';
import { prefilter, START_ANCHORS } from '../../src/parse/crash/start.js';
import { BOOT_BANNER, isBootBanner } from '../../src/parse/hw/boot.js';
import { LEADS, NEEDLES } from '../../src/parse/hw/rows.js';
import { hwPrefilter } from '../../src/parse/hw/state.js';
import { lineMayMatter } from '../../src/parse/routine.js';
import { createPipeline, type PipelineSink } from '../../src/pipeline.js';

/** The host name a RoutineRecord points at in its bytes. */
function routineHost(r: RoutineRecord): string {
  return Buffer.from(r.bytes.buffer, r.bytes.byteOffset + r.hostStart, r.hostEnd - r.hostStart).toString(
    'latin1',
  );
}

const codec = createKernelLogEventCodec();

interface RunOptions {
  limits?: StateLimits;
  /** at these record indexes, the record's host is restored from its own snapshot without line state */
  restoreAt?: ReadonlySet<number>;
}

function run(events: readonly KernelLogEvent[], fast: boolean, opts: RunOptions = {}) {
  const out: string[] = [];
  let fastHits = 0;
  const sink: PipelineSink = {
    verdict: (v) => out.push(JSON.stringify(v)),
    hostEvent: (e) => out.push(JSON.stringify(e)),
    hwError: (s) => out.push(`hw ${s.pfn}`),
    eviction: (r, n) => out.push(`evict ${r} ${n}`),
    late: (o) => out.push(`late ${o}`),
  };
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const p = createPipeline({ correlation: DEFAULT_CORRELATION, limits, sink });
  const view = newRoutineRecord();
  let wm = Number.NEGATIVE_INFINITY;
  for (const [i, ev] of events.entries()) {
    if (opts.restoreAt?.has(i) === true) {
      const snap = p.snapshot(ev.host);
      if (snap !== null) {
        const b = Buffer.from(snap);
        p.restore(ev.host, b.subarray(0, 5 + b.readUInt32BE(1)));
      }
    }
    const bytes = codec.encode(ev);
    const tick = Math.floor(ev.ts / 1_000_000) * 1_000_000;
    if (tick > wm) {
      wm = tick;
      p.advance(tick);
    }
    if (fast && readRoutineRecord(bytes, 1 << 20, lineMayMatter, view)) {
      expect(routineHost(view)).toBe(ev.host);
      // the hash the pipeline's host table finds the host by
      expect(view.hostHash).toBe(hostHash(ev.host));
      expect(view.ts).toBe(ev.ts);
      if (p.processRoutine(view)) {
        fastHits++;
        continue;
      }
    }
    p.process(ev);
  }
  const hosts = [...new Set(events.map((e) => e.host))].sort();
  const snaps = hosts.map((h) => {
    const s = p.snapshot(h);
    return s === null ? null : Buffer.from(s).toString('base64');
  });
  p.flush();
  return { out, snaps, fastHits };
}

/** Boot changes, uptime resets, boot ids appearing late, stamps and multi-line records mixed in. */
function adversarial(): KernelLogEvent[] {
  const evs: KernelLogEvent[] = [];
  generateFleet({ records: 20_000, hosts: 60, spanUs: 600_000_000, seed: 7 }, (e) => evs.push(e));
  return evs.map((e, i) => {
    if (i % 97 === 0) return { ...e, boot_id: `boot-${i}` };
    if (i % 89 === 0) return { ...e, uptime_us: 5_000_000 };
    if (i % 83 === 0) return { ...e, boot_id: null };
    if (i % 79 === 0) return { ...e, message: `[  12.345678] ${e.message}` };
    if (i % 73 === 0) return { ...e, message: `${e.message}\nsecond line` };
    if (i % 71 === 0) return { ...e, message: `${BOOT_BANNER}6.8.0 (gcc 13)` };
    return e;
  });
}

describe('routine fast path', () => {
  it('gives the same outputs and host snapshots as the full decode on a fleet with crashes and poison', () => {
    const evs: KernelLogEvent[] = [];
    generateFleet({ records: 30_000, hosts: 200, seed: 3 }, (e) => evs.push(e));
    const full = run(evs, false);
    const fast = run(evs, true);
    expect(fast.fastHits).toBeGreaterThan(evs.length * 0.8);
    expect(full.out.length).toBeGreaterThan(0);
    expect(fast.out).toEqual(full.out);
    expect(fast.snaps).toEqual(full.snaps);
  });

  it('gives the same outputs when boots, uptime resets, stamps and multi-line records interleave', () => {
    const evs = adversarial();
    const full = run(evs, false);
    const fast = run(evs, true);
    expect(fast.fastHits).toBeGreaterThan(0);
    expect(fast.out).toEqual(full.out);
    expect(fast.snaps).toEqual(full.snaps);
  });

  it('gives the same outputs when hosts are evicted, come back and are restored without line state', () => {
    // 63 hosts, 3 of them busy, over at most 16 tracked: max_hosts evictions all the time, hosts
    // coming back as new entries; a one-minute retention evicts the quiet ones; restores without
    // line state replace entries (the host's next record must take the full path)
    const evs: KernelLogEvent[] = [];
    const span = 1_800_000_000;
    generateFleet({ records: 14_000, hosts: 3, spanUs: span, seed: 11 }, (e) => evs.push(e));
    generateFleet({ records: 6_000, hosts: 60, spanUs: span, seed: 12 }, (e) =>
      evs.push({ ...e, host: `cold-${e.host}` }),
    );
    evs.sort((a, b) => a.ts - b.ts);
    const opts: RunOptions = {
      limits: { ...DEFAULT_LIMITS, maxHosts: 16, retentionMs: 60_000 },
      restoreAt: new Set(Array.from({ length: 200 }, (_, k) => 50 + k * 97)),
    };
    const full = run(evs, false, opts);
    const fast = run(evs, true, opts);
    expect(fast.fastHits).toBeGreaterThan(evs.length * 0.2);
    expect(full.out.filter((o) => o.startsWith('evict max_hosts')).length).toBeGreaterThan(100);
    expect(fast.out).toEqual(full.out);
    expect(fast.snaps).toEqual(full.snaps);
  });

  it('gives the same outputs when a host is retired by retention and comes back', () => {
    // one of four hosts is silent for ten minutes: a one-minute retention retires it, and its
    // next routine record is a new host (the fast path must not apply it to the retired entry)
    const all: KernelLogEvent[] = [];
    generateFleet({ records: 6_000, hosts: 4, spanUs: 1_800_000_000, seed: 13 }, (e) => all.push(e));
    const sleeper = (all[0] as KernelLogEvent).host;
    const t0 = (all[0] as KernelLogEvent).ts;
    const evs = all.filter((e) => e.host !== sleeper || e.ts < t0 + 600e6 || e.ts > t0 + 1_200e6);
    const opts: RunOptions = { limits: { ...DEFAULT_LIMITS, retentionMs: 60_000 } };
    const full = run(evs, false, opts);
    const fast = run(evs, true, opts);
    expect(full.out.filter((o) => o === 'evict retention 1').length).toBeGreaterThan(0);
    expect(fast.fastHits).toBeGreaterThan(evs.length * 0.5);
    expect(fast.out).toEqual(full.out);
    expect(fast.snaps).toEqual(full.snaps);
  });

  it('refuses records the full decoder would refuse or read differently', () => {
    const view = newRoutineRecord();
    const ok = codec.encode(makeEvent({ host: 'h1', ts: 1_700_000_000_000_000, message: 'eth0: link up' }));
    expect(readRoutineRecord(ok, 1 << 20, lineMayMatter, view)).toBe(true);
    expect(routineHost(view)).toBe('h1');
    expect(view.ts).toBe(1_700_000_000_000_000);
    // trailing byte, truncation, too large, non-ASCII host, empty host, priority out of range
    expect(readRoutineRecord(Buffer.concat([ok, Buffer.from([0])]), 1 << 20, lineMayMatter, view)).toBe(
      false,
    );
    expect(readRoutineRecord(ok.subarray(0, ok.length - 1), 1 << 20, lineMayMatter, view)).toBe(false);
    expect(readRoutineRecord(ok, ok.length - 1, lineMayMatter, view)).toBe(false);
    const utf = codec.encode(makeEvent({ host: 'hé', ts: 1, message: 'x' }));
    expect(readRoutineRecord(utf, 1 << 20, lineMayMatter, view)).toBe(false);
    const empty = codec.encode(makeEvent({ host: '', ts: 1, message: 'x' }));
    expect(readRoutineRecord(empty, 1 << 20, lineMayMatter, view)).toBe(false);
    const level3 = codec.encode(makeEvent({ host: 'h1', ts: 1, message: 'x', priority: 3 }));
    expect(readRoutineRecord(level3, 1 << 20, lineMayMatter, view)).toBe(true);
    // avsc writes any int; the checks refuse a syslog level outside 0..7
    const level10 = codec.encode(makeEvent({ host: 'h1', ts: 1, message: 'x', priority: 10 }));
    expect(codec.decodeRaw(level10).ok).toBe(false);
    expect(readRoutineRecord(level10, 1 << 20, lineMayMatter, view)).toBe(false);
    // a crash line or a hardware line is never routine
    const crash = codec.encode(makeEvent({ host: 'h1', ts: 1, message: 'BUG: unable to handle page fault' }));
    expect(readRoutineRecord(crash, 1 << 20, lineMayMatter, view)).toBe(false);
  });
});

describe('lineMayMatter', () => {
  const m = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return lineMayMatter(b, 0, b.length);
  };

  it('keeps every report-start anchor and hardware needle, wherever it stands in the line', () => {
    for (const a of [...START_ANCHORS, ...NEEDLES]) {
      expect(m(a), a).toBe(true);
      expect(m(`some prefix ${a} and a tail`), a).toBe(true);
      expect(m(`x${a}`), a).toBe(true);
    }
  });

  it('keeps every hardware lead and the boot banner at the start of a line', () => {
    for (const l of [...LEADS, BOOT_BANNER]) expect(m(`${l}rest of the line`), l).toBe(true);
  });

  it('keeps stamps, control characters, line breaks and non-ASCII text for the full path', () => {
    expect(m('[  1.000000] eth0: up')).toBe(true);
    expect(m('<4>eth0: up')).toBe(true);
    expect(m('eth0: up\nnext')).toBe(true);
    expect(m('eth0: up\r')).toBe(true);
    expect(m('café link up')).toBe(true);
  });

  it('lets routine chatter through', () => {
    expect(m('IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready')).toBe(false);
    expect(m('nvme nvme0: 32/0/0 default/read/poll queues')).toBe(false);
    expect(m('')).toBe(false);
  });

  it('never calls routine a corpus line that a stage prefilter accepts', () => {
    const dir = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'realworld');
    let routine = 0;
    let checked = 0;
    for (const f of readdirSync(dir, { recursive: true }) as string[]) {
      const file = path.join(dir, f);
      if (!/\.(log|txt|dmesg)$/.test(file)) continue;
      for (const raw of readFileSync(file, 'utf8').split('\n')) {
        const line = raw.replace(/^\[[ 0-9.]+\] ?/, '');
        checked++;
        if (!m(line)) {
          routine++;
          expect(prefilter(line) || hwPrefilter(line) || isBootBanner(line), line).toBe(false);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(routine).toBeGreaterThan(10);
  });
});
