import { describe, expect, it } from 'vitest';
import {
  advance as adv,
  hasUnrecoveredPoison,
  hostExpired,
  newHostState,
  nextDueUs,
  step as stp,
} from '../../src/correlate/reducer.js';
import type { StepResult } from '../../src/correlate/types.js';
import {
  BOOT_A,
  BOOT_B,
  C,
  crash,
  ctx,
  edacUe,
  ghes,
  H,
  HOUR,
  M,
  marker,
  MIN,
  mfAlreadyPoisonedOld,
  mfVerdict,
  mceRecord,
  obs01Fault,
  run,
  SEC,
  T0,
} from './builders.js';

const PFN = 0x40272d;

describe('rule 2: poison correlated', () => {
  it('links the obs-01 d_lookup abort 67 s after an Ignored get-hwpoison page, HIGH, with the evidence', () => {
    const out = run([...obs01Fault(T0), C(crash(T0 + 67_348_507))], ctx());
    expect(out.verdicts).toHaveLength(1);
    const v = out.verdicts[0]!;
    expect([v.category, v.reason, v.confidence, v.revision]).toEqual([
      'HARDWARE',
      'POISON_CORRELATED',
      'HIGH',
      0,
    ]);
    expect(v.guilty_frame).toBe('d_lookup');
    expect(v.evidence).toHaveLength(1);
    const e = v.evidence[0]!;
    expect(e.pfn).toBe(PFN);
    expect(e.phys_addr).toBe(0x40272d5080);
    expect(e.page_type).toBe('get hwpoison page');
    expect(e.result).toBe('Ignored');
    expect(e.source).toBe('MEMORY_FAILURE');
    expect(e.ts).toBe(T0);
    expect(e.seconds_before).toBeCloseTo(67.348507, 6);
    expect(e.same_boot).toBe(true);
    expect(e.line).toBe('Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored');
  });

  it('folds GHES, EDAC, unhandlable, the verdict and an already-poisoned duplicate into one DRAIN event', () => {
    const out = run(
      [
        ...obs01Fault(T0),
        H(mfVerdict(PFN, 'already poisoned page', 'Failed', { ts: T0 + 400_000 })),
        { type: 'advance', wm: T0 + 5 * SEC },
      ],
      ctx(),
      { flush: false },
    );
    expect(out.hostEvents).toHaveLength(1);
    const ev = out.hostEvents[0]!;
    expect(ev.advice).toBe('DRAIN');
    expect(ev.reports).toBe(5);
    expect(ev.pfn).toBe(PFN);
    expect(ev.page_type).toBe('get hwpoison page');
    expect(ev.boot_id).toBe(BOOT_A);
    expect(ev.synthetic).toBe(false);
    expect(out.state.incidents).toHaveLength(1);
  });

  it('gives HIGH at exactly highWithinMs and MEDIUM one microsecond later', () => {
    const c = ctx();
    const at = run([...obs01Fault(T0), C(crash(T0 + 10 * MIN))], c).verdicts[0]!;
    const after = run([...obs01Fault(T0), C(crash(T0 + 10 * MIN + 1))], c).verdicts[0]!;
    expect([at.reason, at.confidence]).toEqual(['POISON_CORRELATED', 'HIGH']);
    expect([after.reason, after.confidence]).toEqual(['POISON_CORRELATED', 'MEDIUM']);
  });

  it('links at exactly horizonMs and not one microsecond later', () => {
    const c = ctx();
    const at = run([...obs01Fault(T0), C(crash(T0 + 72 * HOUR))], c).verdicts[0]!;
    const after = run([...obs01Fault(T0), C(crash(T0 + 72 * HOUR + 1))], c).verdicts[0]!;
    expect(at.reason).toBe('POISON_CORRELATED');
    expect(after.reason).toBe('UNMATCHED');
    expect(after.evidence).toEqual([]);
  });

  it('gives HIGH after highWithinMs when the crash names the poisoned page', () => {
    const v = run([...obs01Fault(T0), C(crash(T0 + 2 * HOUR, { pfns: [PFN] }))], ctx()).verdicts[0]!;
    expect([v.reason, v.confidence]).toEqual(['POISON_CORRELATED', 'HIGH']);
  });

  it('does not link poison reported after the crash', () => {
    const out = run([C(crash(T0 - 5 * SEC)), ...obs01Fault(T0)], ctx());
    expect(out.verdicts).toHaveLength(1);
    expect(out.verdicts[0]!.reason).toBe('UNMATCHED');
  });

  it('lists poison from before a reboot as LOW evidence without changing the bucket', () => {
    const out = run([...obs01Fault(T0), C(crash(T0 + 30 * MIN, {}, { bootId: BOOT_B }))], ctx());
    const v = out.verdicts[0]!;
    expect([v.category, v.reason, v.confidence]).toEqual(['NEW_CRASH', 'UNMATCHED', 'LOW']);
    expect(v.evidence).toHaveLength(1);
    expect(v.evidence[0]!.same_boot).toBe(false);
    expect(v.evidence[0]!.confidence).toBe('LOW');
  });

  it('sees a reboot between poison and crash from an uptime reset when boot_id is missing', () => {
    const out = run(
      [
        ...obs01Fault(T0, PFN, { bootId: null, uptimeUs: 88_690_478_913 }),
        M(
          marker('BOOT', 'Linux version 6.16.1-0_fbk2 (builder@host) #1 SMP', {
            ts: T0 + 10 * MIN,
            bootId: null,
            uptimeUs: 0,
          }),
        ),
        C(crash(T0 + 20 * MIN, {}, { bootId: null, uptimeUs: 600_000_000 })),
      ],
      ctx(),
    );
    expect(out.verdicts[0]!.reason).toBe('UNMATCHED');
    expect(out.verdicts[0]!.evidence[0]!.same_boot).toBe(false);
  });

  it('treats a recovered user page as no evidence and advises REPLACE_AT_MAINTENANCE', () => {
    const out = run(
      [
        H(ghes(PFN * 4096, 'uncorrected', { ts: T0 })),
        H(mfVerdict(PFN, 'dirty LRU page', 'Recovered', { ts: T0 + 5_000 })),
        C(crash(T0 + MIN)),
      ],
      ctx(),
    );
    expect(out.verdicts[0]!.reason).toBe('UNMATCHED');
    expect(out.hostEvents.map((e) => e.advice)).toEqual(['REPLACE_AT_MAINTENANCE']);
  });

  it('counts an uncorrected GHES record with no verdict as unrecovered once it settles', () => {
    const out = run([H(ghes(PFN * 4096, 'uncorrected', { ts: T0 })), C(crash(T0 + MIN))], ctx());
    expect(out.verdicts[0]!.reason).toBe('POISON_CORRELATED');
    expect(out.verdicts[0]!.evidence[0]!.result).toBe('Reported');
    expect(out.hostEvents[0]!.advice).toBe('MONITOR');
  });

  it('gives the same verdict whether the crash is evaluated before or after a Recovered line inside the settle window', () => {
    // crash between the GHES record and its Recovered verdict (5 ms later)
    const inside = run(
      [
        H(ghes(PFN * 4096, 'uncorrected', { ts: T0 })),
        C(crash(T0 + 2_000)),
        H(mfVerdict(PFN, 'dirty LRU page', 'Recovered', { ts: T0 + 5_000 })),
      ],
      ctx(),
    );
    const after = run(
      [
        H(ghes(PFN * 4096, 'uncorrected', { ts: T0 })),
        H(mfVerdict(PFN, 'dirty LRU page', 'Recovered', { ts: T0 + 5_000 })),
        C(crash(T0 + 2_000)),
      ],
      ctx(),
    );
    expect(inside.verdicts).toHaveLength(1);
    expect(inside.verdicts[0]!.reason).toBe('UNMATCHED');
    expect(after.verdicts.map((v) => [v.reason, v.revision])).toEqual([['UNMATCHED', 0]]);
  });

  it('ignores corrected errors as evidence', () => {
    const out = run([H(mceRecord(PFN * 4096, 'corrected', { ts: T0 })), C(crash(T0 + MIN))], ctx());
    expect(out.verdicts[0]!.reason).toBe('UNMATCHED');
    expect(out.state.incidents).toBeUndefined();
  });
});

describe('synthetic poison', () => {
  it('is not evidence and gives a MONITOR event flagged synthetic', () => {
    const out = run(
      [
        M(
          marker('INJECTION', `Injecting memory failure at pfn ${'0x' + PFN.toString(16)}`, {
            ts: T0 - 100,
            pfn: PFN,
          }),
        ),
        H(mfVerdict(PFN, 'reserved kernel page', 'Ignored', { ts: T0 })),
        C(crash(T0 + MIN)),
      ],
      ctx(),
    );
    expect(out.verdicts[0]!.reason).toBe('UNMATCHED');
    expect(out.hostEvents.map((e) => [e.advice, e.synthetic])).toEqual([['MONITOR', true]]);
  });

  it('is evidence with trustSynthetic', () => {
    const out = run(
      [H(mfVerdict(PFN, 'reserved kernel page', 'Ignored', { ts: T0, synthetic: true })), C(crash(T0 + MIN))],
      ctx({ trustSynthetic: true }),
    );
    expect(out.verdicts[0]!.reason).toBe('POISON_CORRELATED');
    expect(out.hostEvents[0]!.advice).toBe('DRAIN');
  });

  it('marks poison near a pfn-less `MCE exception done` marker as synthetic', () => {
    const out = run(
      [
        H(mceRecord(0x8a398a400, 'uncorrected', { ts: T0, uptimeUs: 500 * SEC })),
        M(
          marker('INJECTION', 'MCE exception done on CPU 3', { ts: T0 + 1_000, uptimeUs: 500 * SEC + 1_000 }),
        ),
        C(crash(T0 + MIN)),
      ],
      ctx(),
    );
    expect(out.verdicts[0]!.reason).toBe('UNMATCHED');
    expect(out.hostEvents[0]!.synthetic).toBe(true);
  });
});

describe('rule 3 and boot-time machine checks', () => {
  it('classifies taint M without poison as TAINT_MACHINE_CHECK MEDIUM', () => {
    const v = run([C(crash(T0, { taint: 'GME' }))], ctx()).verdicts[0]!;
    expect([v.category, v.reason, v.confidence]).toEqual(['HARDWARE', 'TAINT_MACHINE_CHECK', 'MEDIUM']);
  });

  it('attributes a machine check printed in the first seconds of a boot to the previous boot', () => {
    const out = run(
      [
        M(
          marker('BOOT', 'Linux version 6.8.0-45-generic (buildd@lcy02) #45-Ubuntu SMP', {
            ts: T0,
            bootId: BOOT_A,
            uptimeUs: 0,
          }),
        ),
        C(crash(T0 + HOUR, {}, { bootId: BOOT_A })),
        M(
          marker('BOOT', 'Linux version 6.8.0-45-generic (buildd@lcy02) #45-Ubuntu SMP', {
            ts: T0 + 2 * HOUR,
            bootId: BOOT_B,
            uptimeUs: 0,
          }),
        ),
        H(
          mceRecord(0x8a398a400, 'uncorrected', {
            ts: T0 + 2 * HOUR + 2 * SEC,
            bootId: BOOT_B,
            uptimeUs: 2 * SEC,
          }),
        ),
        C(crash(T0 + 3 * HOUR, {}, { bootId: BOOT_B })),
      ],
      ctx(),
      { flush: false },
    );
    const inB = out.verdicts.find((v) => v.boot_id === BOOT_B)!;
    expect(inB.reason).toBe('UNMATCHED');
    expect(inB.evidence.map((e) => [e.same_boot, e.confidence])).toEqual([[false, 'LOW']]);
    expect(out.state.incidents![0]!.boot).toBe(out.state.boot - 1);
  });

  it('uses a boot-time machine check as evidence for the previous boot crash reported after the reboot', () => {
    const out = run(
      [
        M(
          marker('BOOT', 'Linux version 6.8.0-45-generic (buildd@lcy02) #45-Ubuntu SMP', {
            ts: T0,
            bootId: BOOT_A,
            uptimeUs: 0,
          }),
        ),
        M(
          marker('BOOT', 'Linux version 6.8.0-45-generic (buildd@lcy02) #45-Ubuntu SMP', {
            ts: T0 + 2 * MIN,
            bootId: BOOT_B,
            uptimeUs: 0,
          }),
        ),
        H(
          mceRecord(0x8a398a400, 'uncorrected', {
            ts: T0 + 2 * MIN + 2 * SEC,
            bootId: BOOT_B,
            uptimeUs: 2 * SEC,
          }),
        ),
        // kdump/pstore ships the previous boot's oops after the reboot
        C(crash(T0 + MIN, {}, { bootId: BOOT_A })),
      ],
      ctx(),
    );
    const v = out.verdicts[0]!;
    expect([v.reason, v.confidence]).toEqual(['POISON_CORRELATED', 'MEDIUM']);
    expect(v.evidence[0]!.seconds_before).toBe(0);
  });
});

describe('late and out-of-order evidence', () => {
  it('revises a verdict when earlier poison arrives late within latenessMs', () => {
    const out = run(
      [C(crash(T0 + MIN)), { type: 'advance', wm: T0 + MIN + 3 * SEC }, ...obs01Fault(T0)],
      ctx(),
    );
    expect(out.verdicts.map((v) => [v.revision, v.reason])).toEqual([
      [0, 'UNMATCHED'],
      [1, 'POISON_CORRELATED'],
    ]);
    expect(out.late).toEqual(['revised']);
    expect(out.verdicts[1]!.crash_id).toBe(out.verdicts[0]!.crash_id);
  });

  it('drops and counts hardware records more than latenessMs older than the host', () => {
    const out = run(
      [
        C(crash(T0 + 11 * MIN)),
        H(edacUe(PFN, { ts: T0 + 11 * MIN + SEC })),
        H(mfVerdict(0x1234, 'reserved kernel page', 'Ignored', { ts: T0 })),
      ],
      ctx(),
    );
    expect(out.verdicts.map((v) => [v.revision, v.reason])).toEqual([[0, 'UNMATCHED']]);
    expect(out.late).toEqual(['dropped']);
    expect(out.state.incidents?.some((i) => i.pfn === 0x1234)).toBeFalsy();
  });

  it('folds an old-format already-hardware-poisoned duplicate into the first report', () => {
    const out = run(
      [
        H(mfVerdict(PFN, 'unknown page', 'Ignored', { ts: T0 })),
        H(mfAlreadyPoisonedOld(PFN, { ts: T0 + 300 })),
        C(crash(T0 + MIN)),
      ],
      ctx(),
    );
    expect(out.state.incidents).toBeUndefined(); // expired by the final flush
    expect(out.hostEvents).toHaveLength(1);
    expect(out.hostEvents[0]!.reports).toBe(2);
    expect(out.hostEvents[0]!.result).toBe('Ignored');
    expect(out.verdicts[0]!.evidence).toHaveLength(1);
  });
});

describe('corrected-error storms', () => {
  it('emits one REPLACE_AT_MAINTENANCE event per storm episode', async () => {
    const { edacCe } = await import('./builders.js');
    const items = [];
    for (let k = 0; k < 30; k++) items.push(H(edacCe(0xee30a0, 10, { ts: T0 + k * MIN })));
    const out = run(items, ctx({ correctedStormPerHour: 100 }));
    expect(out.hostEvents.map((e) => [e.advice, e.severity])).toEqual([
      ['REPLACE_AT_MAINTENANCE', 'corrected'],
    ]);
    expect(out.hostEvents[0]!.ts).toBe(T0 + 10 * MIN);
  });
});

describe('scheduling and fresh states', () => {
  it('attributes a boot-time machine check to the boot before even when the state never saw that boot', async () => {
    const { mceRecord: mce } = await import('./builders.js');
    const out = run(
      [H(mce(0x8a398a400, 'uncorrected', { ts: T0, uptimeUs: 3 * SEC })), C(crash(T0 + MIN))],
      ctx(),
    );
    expect(out.verdicts[0]!.reason).toBe('UNMATCHED');
    expect(out.verdicts[0]!.evidence.map((e) => e.confidence)).toEqual(['LOW']);
    expect(out.hostEvents.map((e) => e.advice)).toEqual(['REPLACE_AT_MAINTENANCE']);
  });

  it('says when advance() is next due, and nothing is emitted before then', () => {
    const c = ctx();
    const s = newHostState('h');
    for (const i of obs01Fault(T0)) stp(s, i, c);
    const due = nextDueUs(s, c)!;
    expect(due).toBe(T0 + 2 * SEC);
    expect(adv(s, due - 1, c).hostEvents).toEqual([]);
    expect(adv(s, due, c).hostEvents.map((e) => e.advice)).toEqual(['DRAIN']);
    expect(nextDueUs(s, c)).toBe(T0 + 19_706 + 7 * 24 * HOUR + 1);
  });
});

describe('advance between due times', () => {
  it('is next due when a verdict closes to revisions once its incident has settled, and emits nothing before', () => {
    const c = ctx();
    const s = newHostState('h');
    const out: string[] = [];
    const take = (r: StepResult) => {
      for (const v of r.verdicts) out.push(`${v.revision} ${v.reason}`);
      for (const e of r.hostEvents) out.push(e.advice);
      return r;
    };
    for (const i of obs01Fault(T0)) take(stp(s, i, c));
    const crashTs = T0 + MIN;
    take(stp(s, C(crash(crashTs)), c));
    expect(out).toEqual(['0 POISON_CORRELATED', 'DRAIN']);
    // the incident settled long ago; the verdict stays open to revision for latenessMs, which is
    // what comes next (not "now", as if the settled incident were still due)
    const closes = crashTs + c.config.latenessMs * 1000 + 1;
    expect(nextDueUs(s, c)).toBe(closes);
    for (let wm = crashTs + 100_000; wm < crashTs + 30 * SEC; wm += 100_000) {
      const r = take(adv(s, wm, c));
      expect([...r.verdicts, ...r.hostEvents]).toEqual([]);
      expect(nextDueUs(s, c)).toBe(closes);
    }
    expect(out).toHaveLength(2);
  });
});

describe('episodes, injection scope and host expiry', () => {
  it('opens a second storm episode only after a quiet hour', async () => {
    const { edacCe } = await import('./builders.js');
    const items = [];
    for (let k = 0; k < 12; k++) items.push(H(edacCe(0xee30a0, 10, { ts: T0 + k * MIN })));
    items.push(H(edacCe(0xee30a0, 1, { ts: T0 + 2 * HOUR + MIN })));
    for (let k = 0; k < 12; k++) items.push(H(edacCe(0xee30a0, 10, { ts: T0 + 4 * HOUR + k * MIN })));
    const out = run(items, ctx({ correctedStormPerHour: 100 }));
    expect(out.hostEvents.map((e) => e.ts)).toEqual([T0 + 10 * MIN, T0 + 4 * HOUR + 10 * MIN]);
  });

  it('lets a pfn-less injection marker printed at boot (built-in EINJ) leave later real poison alone', () => {
    const out = run(
      [
        M(marker('INJECTION', 'EINJ: Error INJection is initialized.', { ts: T0, uptimeUs: 3 * SEC })),
        H(mfVerdict(PFN, 'reserved kernel page', 'Ignored', { ts: T0 + HOUR, uptimeUs: HOUR + 3 * SEC })),
        C(crash(T0 + HOUR + MIN)),
      ],
      ctx(),
    );
    expect(out.verdicts[0]!.reason).toBe('POISON_CORRELATED');
    expect(out.hostEvents.map((e) => [e.advice, e.synthetic])).toEqual([['DRAIN', false]]);
  });

  it('makes the rest of the boot synthetic after an injection marker printed later in the boot (EINJ loaded by a test)', () => {
    const out = run(
      [
        M(marker('INJECTION', 'EINJ: Error INJection is initialized.', { ts: T0, uptimeUs: 900 * SEC })),
        H(mfVerdict(PFN, 'reserved kernel page', 'Ignored', { ts: T0 + HOUR, uptimeUs: 900 * SEC + HOUR })),
        C(crash(T0 + HOUR + MIN)),
      ],
      ctx(),
    );
    expect(out.verdicts[0]!.reason).toBe('UNMATCHED');
    expect(out.hostEvents.map((e) => [e.advice, e.synthetic])).toEqual([['MONITOR', true]]);
  });

  it('reports a host as expired only after retention with nothing waiting', () => {
    const c = ctx();
    const out = run([...obs01Fault(T0)], c, { flush: false });
    expect(hasUnrecoveredPoison(out.state, c)).toBe(true);
    expect(hostExpired(out.state, T0 + 6 * 24 * HOUR, c)).toBe(false);
    expect(hostExpired(out.state, T0 + 8 * 24 * HOUR, c)).toBe(true);
  });
});

describe('watermarks ahead of a lagging host', () => {
  it('settles everything when advanced to the host’s newest record + latenessMs, whatever the watermark was', () => {
    const c = ctx();
    const s = newHostState('h');
    // the fleet watermark is an hour ahead of this host's records
    adv(s, T0 + HOUR, c);
    const verdicts = [];
    for (const i of [...obs01Fault(T0), C(crash(T0 + MIN))]) verdicts.push(...stp(s, i, c).verdicts);
    verdicts.push(...adv(s, T0 + MIN + 10 * MIN + 1, c).verdicts);
    expect(verdicts.map((v) => [v.revision, v.reason])).toContainEqual([0, 'POISON_CORRELATED']);
    expect(s.open).toBeUndefined();
  });
});

describe('incident bound', () => {
  it('keeps the poison an open verdict rests on when later unrecovered faults overflow the bound, and counts evictions', () => {
    const items = [...obs01Fault(T0), C(crash(T0 + MIN))];
    for (let k = 0; k < 3; k++) {
      items.push(
        H(mfVerdict(0x1000 + k, 'already truncated LRU page', 'Ignored', { ts: T0 + MIN + (k + 5) * SEC })),
      );
    }
    const out = run(items, ctx({}, undefined, { maxIncidentsPerHost: 2 }));
    expect(out.verdicts.map((v) => [v.revision, v.reason])).toEqual([[0, 'POISON_CORRELATED']]);
    expect(out.evictions.filter((e) => e.reason === 'max_incidents').reduce((n, e) => n + e.count, 0)).toBe(
      2,
    );
  });
});

describe('duplicates', () => {
  it('folds `already poisoned page: Failed` into the first report but counts `already truncated LRU page: Ignored` as a verdict', () => {
    const dup = run(
      [
        H(mfVerdict(PFN, 'dirty LRU page', 'Recovered', { ts: T0 })),
        H(mfVerdict(PFN, 'already poisoned page', 'Failed', { ts: T0 + 100 })),
        C(crash(T0 + MIN)),
      ],
      ctx(),
    );
    expect(dup.verdicts[0]!.reason).toBe('UNMATCHED');
    const truncated = run(
      [H(mfVerdict(PFN, 'already truncated LRU page', 'Ignored', { ts: T0 })), C(crash(T0 + MIN))],
      ctx(),
    );
    expect(truncated.verdicts[0]!.reason).toBe('POISON_CORRELATED');
    expect(truncated.hostEvents.map((e) => e.advice)).toEqual(['MONITOR']);
  });
});

describe('boots without and with ids', () => {
  it('sees a reboot from the uptime of the crash report alone', () => {
    const out = run(
      [
        ...obs01Fault(T0, PFN, { bootId: null, uptimeUs: 88_690 * SEC }),
        C(crash(T0 + 20 * MIN, {}, { bootId: null, uptimeUs: 600 * SEC })),
      ],
      ctx(),
    );
    expect(out.verdicts[0]!.reason).toBe('UNMATCHED');
    expect(out.verdicts[0]!.evidence.map((e) => [e.same_boot, e.confidence])).toEqual([[false, 'LOW']]);
  });

  it('links a crash of the previous boot shipped after the reboot (kdump) to that boot’s poison', () => {
    const out = run(
      [
        ...obs01Fault(T0),
        M(
          marker('BOOT', 'Linux version 6.16.1-0_fbk2 (builder@host) #1 SMP', {
            ts: T0 + 3 * MIN,
            bootId: BOOT_B,
            uptimeUs: 0,
          }),
        ),
        C(crash(T0 + 2 * MIN, {}, { bootId: BOOT_A })),
      ],
      ctx(),
    );
    expect([out.verdicts[0]!.reason, out.verdicts[0]!.boot_id]).toEqual(['POISON_CORRELATED', BOOT_A]);
    expect(out.verdicts[0]!.evidence[0]!.same_boot).toBe(true);
  });
});
