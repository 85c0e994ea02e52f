/**
 * The composition root end to end on real logs and on the sample fleet: every stage wired as the
 * live processor wires it, fed from files as `poisonlink triage` feeds it.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashId } from '../src/classify/identity.js';
import { Collector } from '../src/cli/collect.js';
import { loadKnownIssuesFile } from '../src/config/known-issues-file.js';
import { DEFAULT_CORRELATION, DEFAULT_LIMITS } from '../src/model/config.js';
import { type KernelLogEvent, makeEvent } from '../src/model/event.js';
import type { Category, Reason } from '../src/model/verdict.js';
import { createPipeline, type Pipeline } from '../src/pipeline.js';
import { readEventsFromFile } from '../src/source/files.js';
import { X86_OOPS } from './assemble/run.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const REALWORLD = path.resolve(ROOT, '..', 'shared', 'corpus', 'realworld');
const SAMPLES = path.join(ROOT, 'samples');

function run(
  events: readonly KernelLogEvent[],
  opts: { rules?: string; between?: (p: Pipeline, i: number) => Pipeline } = {},
) {
  const collector = new Collector();
  const make = () =>
    createPipeline({
      correlation: DEFAULT_CORRELATION,
      limits: DEFAULT_LIMITS,
      knownIssues: loadKnownIssuesFile(opts.rules ?? null),
      sink: collector,
    });
  let p = make();
  events.forEach((ev, i) => {
    p.process(ev);
    if (opts.between) p = opts.between(p, i);
  });
  p.flush();
  return collector;
}

/**
 * What each realworld excerpt's .meta.md says happened, as a bucket. `null`: the excerpt holds no
 * crash (the meta describes a poison report, a CE, a user-space SEA, injection or software poison).
 */
const REALWORLD_EXPECTED: Record<string, { crashes: Array<{ category: Category; reasons: Reason[] }> }> = {
  // GHES UE + `get hwpoison page: Ignored`, then a SEA in d_lookup 67 s later
  '01-arm64-ghes-slab-ignored-dlookup-sea': {
    crashes: [{ category: 'HARDWARE', reasons: ['HW_SIGNATURE', 'POISON_CORRELATED'] }],
  },
  // `Kernel panic - not syncing: Memory failure: 0x2: unrecoverable page` is the crash itself
  '03-x86-patched-panic-on-unrecoverable-hwpoison-inject': {
    crashes: [{ category: 'HARDWARE', reasons: ['HW_SIGNATURE'] }],
  },
  '04-selftest-panic-on-unrecoverable-rodata': {
    crashes: [{ category: 'HARDWARE', reasons: ['HW_SIGNATURE'] }],
  },
  // software poison flood, no hardware error and no crash
  '06-x86-amd-snp-host-software-poison-unknown-page-flood': { crashes: [] },
  // `Kernel panic - not syncing: Fatal machine check`
  '07-x86-wsl2-fatal-mce-processor-context-corrupt': {
    crashes: [{ category: 'HARDWARE', reasons: ['HW_SIGNATURE'] }],
  },
  '08-x86-sbridge-edac-ce-syslog': { crashes: [] },
  '10-x86-boot-mce-record-syslog-with-ktime': { crashes: [] },
  '11-x86-qemu-guest-emulated-mce-virtio-balloon-recover': { crashes: [] },
  '12-x86-uffd-poison-selftest-false-positive-mce-killing': { crashes: [] },
  '13-arm64-qemu-aest-kernel-first-ras-memory-failure': { crashes: [] },
  // NULL dereference inside memory_failure(): hardware-class from the stack
  '15-x86-3.13-thp-tail-poison-crashes-in-memory-failure': {
    crashes: [{ category: 'HARDWARE', reasons: ['HW_SIGNATURE', 'POISON_CORRELATED'] }],
  },
  '16-x86-fuzzer-madvise-hwpoison-old-MCE-prefix-format': { crashes: [] },
  // SEA from an MMIO read: a hardware problem, not memory poison
  '18-arm64-rk3399-4.4-sea-mmio-old-format-syslog': {
    crashes: [{ category: 'HARDWARE', reasons: ['HW_SIGNATURE'] }],
  },
  // user-space SEAs kill processes; the kernel does not crash
  '19-arm64-el0-sea-userspace-repeated-unhandled-fault': { crashes: [] },
  // `Kernel panic - not syncing: Asynchronous SError Interrupt`
  '21-arm64-odroid-m1-5.18-serror-old-code-format': {
    crashes: [{ category: 'HARDWARE', reasons: ['HW_SIGNATURE'] }],
  },
  // a bit flip with no RAS report and no M taint is invisible: it reads as a new crash
  '23-arm64-phytium-5.10-bitflip-pagetable-no-ras-report': {
    crashes: [{ category: 'NEW_CRASH', reasons: ['UNMATCHED'] }],
  },
  '25-arm64-soft-offline-hugepage-isolation-failed-caller-id': { crashes: [] },
  '27-x86-production-console-dual-timestamp-mf-recovered-edac-ue-ce-bios-noise': { crashes: [] },
};

describe('pipeline on the realworld corpus', () => {
  const files = readdirSync(REALWORLD).filter((f) => f.endsWith('.log'));

  it('has an expectation for every realworld log present', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(Object.keys(REALWORLD_EXPECTED)).toContain(f.replace(/\.log$/, ''));
  });

  for (const f of files) {
    const name = f.replace(/\.log$/, '');
    it(`gives ${name} the bucket its sidecar implies`, () => {
      const expected = REALWORLD_EXPECTED[name];
      if (expected === undefined) throw new Error(`no expectation for ${name}`);
      const read = readEventsFromFile(path.join(REALWORLD, f), { format: 'auto' });
      const verdicts = run(read.events).sortedVerdicts();
      expect(verdicts.map((v) => v.category)).toEqual(expected.crashes.map((c) => c.category));
      for (const [i, v] of verdicts.entries()) expect(expected.crashes[i]?.reasons).toContain(v.reason);
    });
  }

  it('links the d_lookup abort to the poisoned slab page 67 s earlier, with the pfn and the verdict line', () => {
    const read = readEventsFromFile(path.join(REALWORLD, '01-arm64-ghes-slab-ignored-dlookup-sea.log'), {
      format: 'auto',
    });
    const [v] = run(read.events).sortedVerdicts();
    const poison = v?.evidence.find((e) => e.source === 'MEMORY_FAILURE');
    expect(poison?.pfn).toBe(0x40272d);
    expect(poison?.result).toBe('Ignored');
    expect(poison?.page_type).toBe('get hwpoison page');
    expect(poison?.seconds_before).toBeCloseTo(88757.847126 - 88690.478913, 3);
    expect(v?.guilty_frame).toBe('d_lookup');
  });
});

describe('pipeline on the sample fleet', () => {
  const read = readEventsFromFile(path.join(SAMPLES, 'fleet.ndjson'), { format: 'ndjson' });
  const rules = path.join(SAMPLES, 'known-issues.yaml');

  it('sorts every sample host into the bucket the sample was written to show', () => {
    const byHost = new Map(
      run(read.events, { rules })
        .sortedVerdicts()
        .map((v) => [v.host, `${v.category}/${v.reason}`]),
    );
    expect(Object.fromEntries(byHost)).toEqual({
      'cache-08': 'HARDWARE/POISON_CORRELATED',
      'db-02': 'HARDWARE/HW_SIGNATURE',
      'batch-04': 'HARDWARE/HW_SIGNATURE',
      'store-05': 'HARDWARE/HW_SIGNATURE',
      'web-01': 'KNOWN_ISSUE/KNOWN_ISSUE_RULE',
      'web-07': 'NEW_CRASH/REGRESSION_AFTER_FIX',
      'edge-06': 'NEW_CRASH/UNMATCHED',
    });
    expect(read.bad).toHaveLength(1);
  });

  it('gives the corrected-error storm host maintenance advice and the poisoned hosts DRAIN', () => {
    const c = run(read.events, { rules });
    const advice = (host: string) =>
      new Set(c.hostEvents.filter((e) => e.host === host).map((e) => e.advice));
    expect(advice('gpu-03')).toEqual(new Set(['REPLACE_AT_MAINTENANCE']));
    expect(advice('cache-08')).toEqual(new Set(['DRAIN']));
    expect(advice('web-01').size).toBe(0);
  });

  it('gives byte-identical output for the same input', () => {
    const a = JSON.stringify(run(read.events, { rules }).emitted);
    const b = JSON.stringify(run(read.events, { rules }).emitted);
    expect(a).toBe(b);
  });

  it('gives the same verdicts when the hosts are interleaved differently', () => {
    const byHost = new Map<string, KernelLogEvent[]>();
    for (const e of read.events) byHost.set(e.host, [...(byHost.get(e.host) ?? []), e]);
    const hostOrder = [...byHost.keys()].reverse();
    const regrouped = hostOrder.flatMap((h) => byHost.get(h) ?? []);
    const key = (c: Collector) =>
      JSON.stringify([...c.verdicts.values()].sort((x, y) => x.crash_id.localeCompare(y.crash_id)));
    expect(key(run(regrouped, { rules }))).toBe(key(run(read.events, { rules })));
  });

  it('gives the same verdicts after every host is snapshotted and restored into a new pipeline mid-stream', () => {
    const key = (c: Collector) =>
      JSON.stringify([...c.verdicts.values()].sort((x, y) => x.crash_id.localeCompare(y.crash_id)));
    const baseline = key(run(read.events, { rules }));
    const collector = new Collector();
    const opts = {
      correlation: DEFAULT_CORRELATION,
      limits: DEFAULT_LIMITS,
      knownIssues: loadKnownIssuesFile(rules),
      sink: collector,
    };
    // the changelog: latest snapshot per host, tombstone (delete) when the host holds nothing
    const changelog = new Map<string, Uint8Array>();
    let p = createPipeline(opts);
    read.events.forEach((ev, i) => {
      p.process(ev);
      if (i % 97 === 0) {
        for (const host of p.takeDirtyHosts()) {
          const snap = p.snapshot(host);
          if (snap === null) changelog.delete(host);
          else changelog.set(host, snap);
        }
        p = createPipeline(opts);
        for (const [host, snap] of changelog) p.restore(host, snap);
      }
    });
    p.flush();
    expect(key(collector)).toBe(baseline);
  });
});

describe('pipeline driven like the live runtime', () => {
  it('gives the flush-at-end verdicts when hosts lag the partition by up to the allowed lateness, batch by batch', () => {
    const read = readEventsFromFile(path.join(SAMPLES, 'fleet.ndjson'), { format: 'ndjson' });
    // each host's shipper delivers with its own delay (0..5 min, under latenessMs = 10 min):
    // arrival order is event time plus that delay, so other hosts' records run ahead of a host's report
    const delayOf = (host: string) =>
      ([...host].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 300) * 1e6;
    const arrival = [...read.events].sort((a, b) => a.ts + delayOf(a.host) - (b.ts + delayOf(b.host)));
    const maxTs = Math.max(...arrival.map((e) => e.ts));
    for (const batch of [1, 37, 500]) {
      const collector = new Collector();
      const p = createPipeline({ correlation: DEFAULT_CORRELATION, limits: DEFAULT_LIMITS, sink: collector });
      let wm = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < arrival.length; i += batch) {
        for (const ev of arrival.slice(i, i + batch)) {
          p.process(ev);
          wm = Math.max(wm, ev.ts);
        }
        p.advance(wm);
      }
      // no flush: a live stream never ends. Every crash whose windows the watermark has passed is out.
      const windowUs = (DEFAULT_LIMITS.reportIdleMs + 2 * DEFAULT_CORRELATION.latenessMs) * 1000 + 60_000_000;
      const expected = run(read.events)
        .sortedVerdicts()
        .filter((v) => v.ts + windowUs < maxTs);
      expect(expected.length).toBeGreaterThanOrEqual(6);
      const got = collector.sortedVerdicts().filter((v) => v.ts + windowUs < maxTs);
      expect(got).toEqual(expected);
    }
  });
});

describe('pipeline: reports that end with `---[ end trace`', () => {
  const T = 1_790_000_000_000_000;
  const line = (host: string, ts: number, message: string): KernelLogEvent =>
    makeEvent({ host, ts, message });

  /**
   * `arrivals` in order; the watermark is the greatest event time, advanced in 100 ms ticks as
   * runChunk does. Returns each verdict's title with the watermark it came out at. With
   * `restartAfter`, the pipeline is rebuilt from its snapshots (as the runtime restores a
   * partition from the changelog) once that many arrivals are processed.
   */
  function drive(arrivals: readonly KernelLogEvent[], restartAfter?: number) {
    const verdicts: Array<{ title: string; at: number }> = [];
    let wm = Number.NEGATIVE_INFINITY;
    const create = () =>
      createPipeline({
        correlation: DEFAULT_CORRELATION,
        limits: DEFAULT_LIMITS,
        sink: {
          verdict: (v) => verdicts.push({ title: v.title, at: wm }),
          hostEvent() {},
          hwError() {},
          eviction() {},
          late() {},
        },
      });
    let p = create();
    const changelog = new Map<string, Uint8Array | null>();
    arrivals.forEach((ev, i) => {
      if (i === restartAfter) {
        p = create();
        for (const [host, snap] of changelog) if (snap !== null) p.restore(host, snap);
        p.takeDirtyHosts();
        p.restoreWatermark(wm);
      }
      const tick = Math.floor(ev.ts / 100_000) * 100_000;
      if (tick > wm) {
        wm = tick;
        p.advance(wm);
      }
      p.process(ev);
      for (const host of p.takeDirtyHosts()) changelog.set(host, p.snapshot(host));
    });
    return verdicts;
  }

  /** host `other` prints a line every 50 ms of event time from `from` to `to` */
  const chatter = (from: number, to: number) =>
    Array.from({ length: Math.floor((to - from) / 50_000) }, (_, i) =>
      line('other', from + i * 50_000, 'eth0: up'),
    );

  it('closes once event time is state.epilogueMs past the end marker, though the host prints nothing more', () => {
    const crash = X86_OOPS.map((m, i) => line('crashed', T + i * 10, m));
    const endTs = T + (X86_OOPS.length - 1) * 10;
    const verdicts = drive([...chatter(T - 1_000_000, T), ...crash, ...chatter(T + 100, T + 5_000_000)]);
    expect(verdicts.map((v) => v.title)).toEqual([
      'BUG: unable to handle kernel NULL pointer dereference in d_lookup',
    ]);
    const at = verdicts[0]?.at ?? Number.NaN;
    expect(at - endTs).toBeGreaterThan(DEFAULT_LIMITS.epilogueMs * 1000);
    expect(at - endTs).toBeLessThanOrEqual(DEFAULT_LIMITS.epilogueMs * 1000 + 100_000);
  });

  it('still takes the epilogue of a host whose records arrive minutes behind the partition', () => {
    const lag = 120_000_000;
    const crash = X86_OOPS.map((m, i) => line('lagging', T + i * 10, m));
    const endTs = T + (X86_OOPS.length - 1) * 10;
    const arrivals = [
      ...chatter(T + lag - 1_000_000, T + lag),
      ...crash,
      // the rest of the partition runs on for 200 ms before the lagging host's next delivery
      ...chatter(T + lag, T + lag + 200_000),
      line('lagging', endTs + 50_000, 'Kernel panic - not syncing: Fatal exception'),
      line('lagging', endTs + 50_010, 'Kernel Offset: 0x1000 from 0xffffffff81000000'),
      line('lagging', endTs + 50_020, '---[ end Kernel panic - not syncing: Fatal exception ]---'),
      ...chatter(T + lag + 200_000, T + lag + 5_000_000),
    ];
    const verdicts = drive(arrivals);
    // one crash (the panic line is its epilogue, not a report of its own), out within a second
    expect(verdicts.map((v) => v.title)).toEqual([
      'BUG: unable to handle kernel NULL pointer dereference in d_lookup',
    ]);
    expect((verdicts[0]?.at ?? Number.NaN) - (T + lag)).toBeLessThan(1_000_000);
  });

  it('takes it as well when the partition is restored from its snapshots just before the end marker', () => {
    const lag = 120_000_000;
    const crash = X86_OOPS.map((m, i) => line('lagging', T + i * 10, m));
    const endTs = T + (X86_OOPS.length - 1) * 10;
    const before = chatter(T + lag - 1_000_000, T + lag);
    const arrivals = [
      ...before,
      ...crash,
      ...chatter(T + lag, T + lag + 200_000),
      line('lagging', endTs + 50_000, 'Kernel panic - not syncing: Fatal exception'),
      line('lagging', endTs + 50_010, '---[ end Kernel panic - not syncing: Fatal exception ]---'),
      ...chatter(T + lag + 200_000, T + lag + 5_000_000),
    ];
    const uninterrupted = drive(arrivals);
    const restarted = drive(arrivals, before.length + crash.length - 1);
    expect(restarted).toEqual(uninterrupted);
    expect(restarted.map((v) => v.title)).toEqual([
      'BUG: unable to handle kernel NULL pointer dereference in d_lookup',
    ]);
  });
});

describe('pipeline: crash ids of reports that start on the same record or in the same second', () => {
  // the task that oopsed exits, and its exit prints a WARNING right after the oops
  const EXIT_WARNING = [
    '------------[ cut here ]------------',
    'WARNING: CPU: 3 PID: 1234 at kernel/exit.c:900 do_exit+0x8e/0xb0',
    'Modules linked in: xfs',
    'CPU: 3 UID: 0 PID: 1234 Comm: kworker/3:1 Tainted: G      D            6.12.0 #1',
    'RIP: 0010:do_exit+0x8e/0xb0',
    'Call Trace:',
    ' <TASK>',
    ' make_task_dead+0x81/0x90',
    ' rewind_stack_and_make_dead+0x17/0x20',
    ' </TASK>',
    '---[ end trace 0000000000000000 ]---',
  ];
  const T = 1_790_000_000_000_000;
  const expectTwo = (c: Collector, firstId: string) => {
    const vs = [...c.verdicts.values()];
    // syzkaller titles the newer `BUG: kernel NULL pointer dereference, address:` as the older line
    expect(vs.map((v) => v.title)).toEqual([
      'BUG: unable to handle kernel NULL pointer dereference in d_lookup',
      'WARNING in do_exit',
    ]);
    // the first keeps the id it always had; the second is not taken for its revision
    expect(vs[0]?.crash_id).toBe(firstId);
    expect(vs[1]?.crash_id).not.toBe(firstId);
    expect(c.counts.revisions).toBe(0);
  };

  it('gives each its own crash_id when a shipper stamps both reports with the same second and no seq', () => {
    const events = [...X86_OOPS, ...EXIT_WARNING].map((message) => makeEvent({ host: 'h', ts: T, message }));
    expectTwo(run(events), crashId('h', null, null, T));
  });

  it('gives each its own crash_id when one multi-line record (pstore, kdump) holds both', () => {
    const message = [...X86_OOPS, ...EXIT_WARNING].join('\n');
    expectTwo(run([makeEvent({ host: 'h', ts: T, seq: 7, message })]), crashId('h', null, 7, T));
  });
});

describe('pipeline host bound (state.maxHosts)', () => {
  it('evicts a host not seen since the others were, and keeps one seen again (CLOCK second chance)', () => {
    const evictions: string[] = [];
    const p = createPipeline({
      correlation: DEFAULT_CORRELATION,
      limits: { ...DEFAULT_LIMITS, maxHosts: 3 },
      sink: {
        verdict() {},
        hostEvent() {},
        hwError() {},
        eviction: (r, n) => evictions.push(`${r}:${n}`),
        late() {},
      },
    });
    const ev = (host: string, ts: number): KernelLogEvent =>
      makeEvent({ host, ts, message: 'eth0: link up' });
    p.process(ev('a', 1));
    p.process(ev('b', 2));
    p.process(ev('c', 3));
    p.takeDirtyHosts();
    p.process(ev('a', 4)); // a seen again: b is now the least recently seen
    p.process(ev('d', 5));
    expect(evictions).toEqual(['max_hosts:1']);
    expect(p.takeDirtyHosts().sort()).toEqual(['b', 'd']);
    expect(p.snapshot('b')).toBeNull();
    expect(p.snapshot('a')).not.toBeNull();
    expect(p.gauges().hosts).toBe(3);
  });
});

describe('pipeline restored from its snapshots', () => {
  const T = 1_790_000_000_000_000;
  const quiet = {
    verdict() {},
    hostEvent() {},
    hwError() {},
    late() {},
  };

  it('keeps hosts that only ever printed routine lines, without rewriting their state, until retention has passed since the restore', () => {
    const evictions: string[] = [];
    const create = () =>
      createPipeline({
        correlation: DEFAULT_CORRELATION,
        limits: DEFAULT_LIMITS,
        sink: { ...quiet, eviction: (r, n) => evictions.push(`${r}:${n}`) },
      });
    const before = create();
    before.advance(T);
    for (let i = 0; i < 3; i++) {
      before.process(
        makeEvent({ host: `chatty-${i}`, ts: T + i, uptime_us: 50_000_000, message: 'eth0: link up' }),
      );
    }
    const changelog = new Map(before.takeDirtyHosts().map((h) => [h, before.snapshot(h)] as const));
    expect(changelog.size).toBe(3);

    const after = create();
    for (const [host, snap] of changelog) if (snap !== null) after.restore(host, snap);
    after.takeDirtyHosts();
    after.restoreWatermark(T);
    // the first advance after a restore sweeps every host: none is past retention
    after.advance(T + 1_000_000);
    expect(evictions).toEqual([]);
    expect(after.gauges().hosts).toBe(3);
    expect(after.takeDirtyHosts()).toEqual([]);
    // retention still applies, counted from the restore
    after.advance(T + DEFAULT_LIMITS.retentionMs * 1000 + 2_000_000);
    expect(evictions).toEqual(['retention:1', 'retention:1', 'retention:1']);
    expect(after.gauges().hosts).toBe(0);
  });
});
