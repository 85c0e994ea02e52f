import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { matchKnownIssue, parseKnownIssues } from '../../src/classify/known-issues.js';
import { compileSafeRegex } from '../../src/classify/regex-safety.js';

const GOOD = `# known issues
- id: KI-1
  title: "WARNING in __alloc_pages"
  url: https://bugs.example/1
  note: fix in 6.17
  fixed_in: "6.17"
- id: KI-2
  title_regex: "^general protection fault in ext4_[a-z_]+$"
  arch: [x86_64]
  url: https://bugs.example/2
  note: ext4 fuzzing
`;

describe('known-issues file', () => {
  it('loads rules and hashes the content', () => {
    const r = parseKnownIssues(GOOD);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rules.rules.map((x) => x.id)).toEqual(['KI-1', 'KI-2']);
    expect(r.rules.hash).toBe(createHash('sha256').update(GOOD).digest('hex').slice(0, 16));
    expect(r.rules.rules[1]?.arch).toEqual(['x86_64']);
  });

  it('reports every error together, each with its line', () => {
    const bad = `- id: A
  title: x
  title_regex: y
  url: u
  note: n
- id: A
  title: "(a+)+$"
  url: u
  note: n
- id: C
  title_regex: "(a+)+$"
  url: u
  note: n
  colour: red
- id: D
  title: t
  fixed_in: banana
  note: n
`;
    const r = parseKnownIssues(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { line: 1, message: 'exactly one of "title" or "title_regex" is required' },
      { line: 6, message: 'duplicate id "A" (first on line 1)' },
      { line: 11, message: 'title_regex: nested quantifier (a repeated group that contains + or *)' },
      { line: 14, message: 'unknown key "colour"' },
      { line: 15, message: 'missing required key "url"' },
      { line: 17, message: 'fixed_in "banana" is not a kernel release (expected e.g. 6.16.1, 7.0-rc3)' },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const r = parseKnownIssues('- id: A\n  title: [unclosed\n  url: u\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.line)).toEqual([3]);
  });

  it('reads an unquoted fixed_in as written (6.10 is not 6.1)', () => {
    const r = parseKnownIssues('- id: A\n  title: t\n  url: u\n  note: n\n  fixed_in: 6.10\n');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.rules.rules[0]?.fixedInText).toBe('6.10');
    expect(matchKnownIssue(r.rules, ['t'], null, '6.9.12')?.regression).toBe(false);
    expect(matchKnownIssue(r.rules, ['t'], null, '6.10.1')?.regression).toBe(true);
  });

  it('matches a title rule on the normalized title, so line numbers and CPU numbers may differ', () => {
    const r = parseKnownIssues(
      '- id: A\n  title: "kernel BUG at fs/ext4/inode.c:123!"\n  url: u\n  note: n\n',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(matchKnownIssue(r.rules, ['kernel BUG at fs/ext4/inode.c:131!'], null, null)?.rule.id).toBe('A');
    expect(matchKnownIssue(r.rules, ['kernel BUG at fs/ext4/super.c:123!'], null, null)).toBeNull();
  });

  it('rejects a top level that is not a list', () => {
    const r = parseKnownIssues('id: A\n');
    expect(r).toEqual({ ok: false, errors: [{ line: 1, message: 'expected a list of known issues' }] });
  });

  it('accepts an empty file as no rules', () => {
    const r = parseKnownIssues('');
    expect(r.ok && r.rules.rules.length).toBe(0);
  });

  it('matches alt titles, arch aliases, and reports a regression at or after fixed_in', () => {
    const r = parseKnownIssues(GOOD);
    if (!r.ok) throw new Error('load');
    expect(matchKnownIssue(r.rules, ['x', 'WARNING in __alloc_pages'], null, '6.16.1')?.regression).toBe(
      false,
    );
    expect(matchKnownIssue(r.rules, ['WARNING in __alloc_pages'], null, '6.17.0-0_fbk1')?.regression).toBe(
      true,
    );
    expect(matchKnownIssue(r.rules, ['WARNING in __alloc_pages'], null, '6.17-rc7')?.regression).toBe(false);
    expect(
      matchKnownIssue(r.rules, ['general protection fault in ext4_fill_super'], 'amd64', null)?.rule.id,
    ).toBe('KI-2');
    expect(
      matchKnownIssue(r.rules, ['general protection fault in ext4_fill_super'], 'aarch64', null),
    ).toBeNull();
  });
});

describe('regex safety', () => {
  it('rejects nested quantifiers and backreferences and accepts ordinary patterns', () => {
    expect(compileSafeRegex('(a+)+$').ok).toBe(false);
    expect(compileSafeRegex('(?:x*y)*').ok).toBe(false);
    expect(compileSafeRegex('((ab)*c)+').ok).toBe(false);
    expect(compileSafeRegex('(a)\\1').ok).toBe(false);
    expect(compileSafeRegex('^BUG: .* in (d_lookup|d_alloc)$').ok).toBe(true);
    expect(compileSafeRegex('(foo|bar)+ [0-9]{2,4}').ok).toBe(true);
    expect(compileSafeRegex('[(]+x').ok).toBe(true);
    expect(compileSafeRegex('(').ok).toBe(false);
  });
});
