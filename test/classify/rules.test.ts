import { describe, expect, it } from 'vitest';
import { crashId, normalizeTitle, titleSignature } from '../../src/classify/identity.js';
import { parseKnownIssues } from '../../src/classify/known-issues.js';
import { C, crash, ctx, HOUR, obs01Fault, run, T0 } from '../correlate/builders.js';

const RULES = (() => {
  const r = parseKnownIssues(`- id: KI-DLOOKUP
  title: "BUG: unable to handle kernel paging request in d_lookup"
  url: https://bugs.example/dlookup
  note: dentry refcount race, fix rolling out
  fixed_in: 6.17.0
- id: KI-ABORT
  title_regex: "^Internal error: synchronous external abort in [a-z_]+$"
  arch: arm64
  url: https://bugs.example/abort
  note: matched through an alt title
`);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.rules;
})();

describe('classification rules in order', () => {
  it('rule 1: a hardware-signature crash is HARDWARE/HW_SIGNATURE/HIGH and keeps its guilty frame', () => {
    const v = run(
      [
        C(
          crash(T0, {
            kind: 'EXTERNAL_ABORT',
            hwSignature: true,
            title: 'synchronous external abort in d_lookup',
          }),
        ),
      ],
      ctx({}, RULES),
    ).verdicts[0]!;
    expect([v.category, v.reason, v.confidence, v.guilty_frame]).toEqual([
      'HARDWARE',
      'HW_SIGNATURE',
      'HIGH',
      'd_lookup',
    ]);
  });

  it('puts correlated poison before a matching known issue', () => {
    const v = run([...obs01Fault(T0), C(crash(T0 + 67_000_000))], ctx({}, RULES)).verdicts[0]!;
    expect([v.category, v.reason]).toEqual(['HARDWARE', 'POISON_CORRELATED']);
    expect(v.known_issue).toBeNull();
    expect(v.rules_hash).toBe(RULES.hash);
  });

  it('rule 4: a known issue matches the title when no hardware evidence exists', () => {
    const v = run([C(crash(T0))], ctx({}, RULES)).verdicts[0]!;
    expect([v.category, v.reason, v.confidence]).toEqual(['KNOWN_ISSUE', 'KNOWN_ISSUE_RULE', 'HIGH']);
    expect(v.known_issue).toEqual({
      id: 'KI-DLOOKUP',
      title: 'BUG: unable to handle kernel paging request in d_lookup',
      url: 'https://bugs.example/dlookup',
    });
  });

  it('rule 4: a regex rule matches an alt title, for its arch only', () => {
    const a = {
      title: 'BUG: unable to handle kernel paging request in walk_component',
      altTitles: ['Internal error: synchronous external abort in walk_component'],
    };
    const arm = run([C(crash(T0, a, { arch: 'aarch64' }))], ctx({}, RULES)).verdicts[0]!;
    const x86 = run([C(crash(T0, a, { arch: 'x86_64' }))], ctx({}, RULES)).verdicts[0]!;
    expect([arm.reason, arm.confidence, arm.known_issue?.id]).toEqual([
      'KNOWN_ISSUE_RULE',
      'MEDIUM',
      'KI-ABORT',
    ]);
    expect(x86.reason).toBe('UNMATCHED');
  });

  it('rule 5: a host at or after fixed_in gets NEW_CRASH/REGRESSION_AFTER_FIX', () => {
    const report = crash(T0);
    report.kernelRelease = '6.17.0-0_fbk1_rc2';
    const v = run([C(report)], ctx({}, RULES)).verdicts[0]!;
    expect([v.category, v.reason, v.known_issue?.id]).toEqual([
      'NEW_CRASH',
      'REGRESSION_AFTER_FIX',
      'KI-DLOOKUP',
    ]);
  });

  it('rule 6: nothing matches gives NEW_CRASH/UNMATCHED with a null rules hash when no file is configured', () => {
    const v = run([C(crash(T0, { title: 'WARNING in __alloc_pages' }))], ctx()).verdicts[0]!;
    expect([v.category, v.reason, v.rules_hash, v.known_issue]).toEqual([
      'NEW_CRASH',
      'UNMATCHED',
      null,
      null,
    ]);
  });

  it('rule 3 comes before known issues', () => {
    const v = run([C(crash(T0 + HOUR, { taint: 'GM' }))], ctx({}, RULES)).verdicts[0]!;
    expect(v.reason).toBe('TAINT_MACHINE_CHECK');
  });
});

describe('verdict identity', () => {
  it('derives crash_id from host, boot_id and the first record', () => {
    const a = crashId('h', 'b', 17, T0);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(crashId('h', 'b', 17, T0 + 5)).toBe(a);
    expect(crashId('h', 'b', 18, T0)).not.toBe(a);
    expect(crashId('h', 'c', 17, T0)).not.toBe(a);
    expect(crashId('h', 'b', null, T0)).not.toBe(crashId('h', 'b', null, T0 + 1));
  });

  it('groups titles that differ only in numbers and addresses, and keeps digits inside identifiers', () => {
    expect(normalizeTitle('kernel BUG at fs/ext4/inode.c:123!')).toBe('kernel BUG at fs/ext4/inode.c:N!');
    expect(titleSignature('kernel BUG at fs/ext4/inode.c:123!')).toBe(
      titleSignature('kernel BUG at fs/ext4/inode.c:98!'),
    );
    expect(normalizeTitle('watchdog: BUG: soft lockup - CPU#3 stuck for 22s!')).toBe(
      'watchdog: BUG: soft lockup - CPU#N stuck for Ns!',
    );
    expect(titleSignature('general protection fault in ip6_route')).not.toBe(
      titleSignature('general protection fault in ip4_route'),
    );
    expect(titleSignature('x')).toMatch(/^[0-9a-f]{16}$/);
  });
});
