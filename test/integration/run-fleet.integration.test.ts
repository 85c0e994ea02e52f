/**
 * Issue 6 item 8a: the sample fleet (samples/fleet.ndjson, written from the kernel's formats by
 * scripts/make-samples.ts) end to end through `poisonlink run` on the broker: the verdicts and
 * host events on the output topics are the ones the fleet was written to produce.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostHardwareEvent, TriagedCrash } from '../../src/model/verdict.js';
import { committedOutputs, progress } from '../runtime/fleet-harness.js';
import {
  produce,
  REPO_ROOT,
  readTopic,
  runSets,
  runTopics,
  setArgs,
  spawnRun,
} from '../runtime/run-harness.js';
import { createTopic, kafkaConnection, uniqueTopic, kafkaSuite } from './kafka-env.js';

describe('poisonlink run on the sample fleet', () => {
  const suite = kafkaSuite('run-fleet-test');

  it('emits the expected verdicts per host and host events, and dead-letters the malformed record', async () => {
    const t = runTopics(uniqueTopic, 'fleet');
    await createTopic(suite.admin, t.input, 4);
    const lines = readFileSync(path.join(REPO_ROOT, 'samples', 'fleet.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    // the file is written host by host; a live topic carries the fleet in time order
    const timed = lines.map((l, i) => ({
      l,
      i,
      host: /^\{"host":"([^"]+)"/.exec(l)?.[1] ?? 'web-01',
      ts: Number(/"ts":(\d+)/.exec(l)?.[1] ?? '0'),
    }));
    timed.sort((a, b) => a.ts - b.ts || a.i - b.i);
    // ...and time moves on after the last sample: an hour later, other hosts keep logging on every
    // partition (event time only advances with records; a crashed host prints nothing after it)
    const lastTs = Math.max(...timed.map((r) => r.ts));
    const later = Array.from({ length: 40 }, (_, i) => {
      const host = `clock-${i}`;
      const line = JSON.stringify({
        host,
        boot_id: null,
        ts: lastTs + 3_600_000_000 + i,
        uptime_us: null,
        seq: null,
        priority: 6,
        message: 'IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready',
        arch: 'x86_64',
        kernel_release: null,
        source: 'kmsg',
      });
      return { key: host, value: Buffer.from(line) };
    });
    await produce(suite.kafka, t.input, [
      ...timed.map((r) => ({ key: r.host, value: Buffer.from(r.l) })),
      ...later,
    ]);
    const sets = runSets(kafkaConnection().bootstrap, t, {
      'input.format': 'ndjson',
      'knownIssues.file': path.join(REPO_ROOT, 'samples', 'known-issues.yaml'),
    });
    const run = spawnRun(setArgs(sets));
    suite.children.push(run);
    const deadline = Date.now() + 120_000;
    while (!(await progress(suite.admin, t.groupId, t.input, lines.length + 40)).done) {
      if (Date.now() > deadline) throw new Error(`not all committed\n${run.tail()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    const out = await committedOutputs(suite.kafka, suite.admin, t);
    // consumers keep the highest revision of each crash
    const latest = new Map<string, TriagedCrash>();
    for (const v of out.verdicts.map((s) => JSON.parse(s) as TriagedCrash)) {
      const cur = latest.get(v.crash_id);
      if (cur === undefined || v.revision > cur.revision) latest.set(v.crash_id, v);
    }
    const byHost = new Map<string, TriagedCrash[]>();
    for (const v of latest.values()) byHost.set(v.host, [...(byHost.get(v.host) ?? []), v]);
    const buckets = (host: string) => (byHost.get(host) ?? []).map((v) => `${v.category}/${v.reason}`).sort();

    const summary = [...byHost].map(
      ([h, vs]) =>
        `${h}: ${vs.map((v) => `${v.category}/${v.reason}/${v.confidence} ${v.title}`).join('; ')}`,
    );
    console.log(`run-fleet verdicts:\n${summary.join('\n')}`);
    // 1. db-02 arm64: GHES uncorrected error on a slab page (Ignored), SEA in d_lookup 67 s later
    expect(buckets('db-02').length).toBeGreaterThan(0);
    expect(byHost.get('db-02')!.every((v) => v.category === 'HARDWARE')).toBe(true);
    // 1b. cache-08 x86_64: `get hwpoison page: Ignored`, a plain page fault in d_lookup 67 s later
    const cache = byHost.get('cache-08') ?? [];
    expect(cache.some((v) => v.reason === 'POISON_CORRELATED' && v.confidence === 'HIGH')).toBe(true);
    const linked = cache.find((v) => v.reason === 'POISON_CORRELATED')!;
    expect(linked.evidence.some((e) => e.seconds_before >= 60 && e.seconds_before <= 75)).toBe(true);
    // 2. gpu-03: corrected errors only, no crash
    expect(buckets('gpu-03')).toEqual([]);
    // 3. batch-04: fatal machine check; 4. store-05: the memory-failure panic
    expect(
      byHost.get('batch-04')?.some((v) => v.category === 'HARDWARE' && v.reason === 'HW_SIGNATURE'),
    ).toBe(true);
    expect(
      byHost.get('store-05')?.some((v) => v.category === 'HARDWARE' && v.reason === 'HW_SIGNATURE'),
    ).toBe(true);
    // 5. web-01 on 6.8: the known issue; 6. web-07 on 6.10: the same WARNING after the fix
    expect(buckets('web-01')).toContain('KNOWN_ISSUE/KNOWN_ISSUE_RULE');
    expect(byHost.get('web-01')?.find((v) => v.category === 'KNOWN_ISSUE')?.known_issue?.id).toBe(
      'EXT4-DA-RESERVE',
    );
    expect(buckets('web-07')).toContain('NEW_CRASH/REGRESSION_AFTER_FIX');
    // 7. edge-06: a new crash with no hardware errors
    expect(buckets('edge-06')).toContain('NEW_CRASH/UNMATCHED');
    expect(byHost.get('edge-06')!.every((v) => v.category === 'NEW_CRASH')).toBe(true);

    const hostEvents = out.hostEvents.map((s) => JSON.parse(s) as HostHardwareEvent);
    expect(hostEvents.some((e) => e.host === 'cache-08' && e.advice === 'DRAIN')).toBe(true);
    expect(hostEvents.some((e) => e.host === 'gpu-03' && e.advice === 'REPLACE_AT_MAINTENANCE')).toBe(true);
    expect(hostEvents.filter((e) => ['web-01', 'web-07', 'edge-06'].includes(e.host))).toEqual([]);

    // 8. the truncated JSON line
    const dlq = await readTopic(suite.kafka, suite.admin, t.deadLetter);
    expect(dlq).toHaveLength(1);
  });
});
