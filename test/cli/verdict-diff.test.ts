import { describe, expect, it } from 'vitest';
import { diffVerdicts, latestRevisions, renderDiff } from '../../src/cli/verdict-diff.js';
import type { TriagedCrash } from '../../src/model/verdict.js';

function verdict(id: string, fields: Partial<TriagedCrash> = {}): TriagedCrash {
  return {
    crash_id: id,
    revision: 0,
    host: 'web-01',
    boot_id: null,
    arch: 'x86_64',
    kernel_release: '6.8.0',
    ts: 1_000_000,
    kind: 'WARNING',
    title: 'WARNING in ext4_da_update_reserve_space',
    alt_titles: [],
    guilty_frame: 'ext4_da_update_reserve_space',
    frames: [],
    signature: 'abc',
    taint: null,
    category: 'NEW_CRASH',
    reason: 'UNMATCHED',
    confidence: 'MEDIUM',
    evidence: [],
    known_issue: null,
    corrupted: false,
    excerpt: [],
    rules_hash: 'aaaa',
    ...fields,
  };
}

describe('verdict diff between two runs', () => {
  it('keeps only the highest revision of each crash', () => {
    const latest = latestRevisions([
      verdict('a'),
      verdict('a', { revision: 2, category: 'HARDWARE' }),
      verdict('a', { revision: 1 }),
    ]);
    expect(latest.get('a')?.revision).toBe(2);
    expect(latest.get('a')?.category).toBe('HARDWARE');
  });

  it('says a verdict moved to a known issue because the rules file changed and a rule now matches', () => {
    const old = [verdict('a')];
    const now = [
      verdict('a', {
        category: 'KNOWN_ISSUE',
        reason: 'KNOWN_ISSUE_RULE',
        rules_hash: 'bbbb',
        known_issue: { id: 'EXT4-DA', title: 'WARNING in ext4_da_update_reserve_space', url: null },
      }),
    ];
    const [c] = diffVerdicts(old, now);
    expect(c?.kind).toBe('changed');
    expect(c?.fields).toEqual(['category', 'reason', 'known_issue']);
    expect(c?.why).toContain('known-issues file changed (aaaa → bbbb)');
    expect(c?.why).toContain('matching rule none → EXT4-DA');
  });

  it('lists crashes found by only one of the runs and says nothing changed for identical runs', () => {
    const changes = diffVerdicts([verdict('a'), verdict('b')], [verdict('b'), verdict('c')]);
    expect(changes.map((c) => `${c.kind}:${c.crash_id}`)).toEqual(['removed:a', 'added:c']);
    expect(diffVerdicts([verdict('a')], [verdict('a')])).toEqual([]);
    expect(renderDiff([], new Map(), new Map())).toBe('no verdict changed');
  });

  it('names late evidence as the reason when a revision moved a crash to hardware', () => {
    const ev = {
      source: 'MEMORY_FAILURE' as const,
      ts: 900_000,
      pfn: 0x40272d,
      phys_addr: null,
      page_type: 'get hwpoison page',
      result: 'Ignored' as const,
      seconds_before: 0.1,
      same_boot: true,
      confidence: 'HIGH' as const,
      line: 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
    };
    const [c] = diffVerdicts(
      [verdict('a')],
      [verdict('a', { revision: 1, category: 'HARDWARE', reason: 'POISON_CORRELATED', evidence: [ev] })],
    );
    expect(c?.why).toContain('hardware evidence 0 → 1 errors');
    expect(c?.why).toContain('revision 0 → 1 (late evidence)');
    const text = renderDiff(
      diffVerdicts([verdict('a')], [verdict('a', { revision: 1, category: 'HARDWARE' })]),
      latestRevisions([verdict('a')]),
      latestRevisions([verdict('a', { revision: 1, category: 'HARDWARE' })]),
    );
    expect(text).toContain('category: NEW_CRASH → HARDWARE');
    expect(text).toContain('1 changed, 0 added, 0 removed');
  });
});
