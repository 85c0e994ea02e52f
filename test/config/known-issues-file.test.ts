import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKnownIssuesFile } from '../../src/config/known-issues-file.js';
import { isPoisonlinkError } from '../../src/config/errors.js';

function file(text: string): string {
  const p = path.join(mkdtempSync(path.join(tmpdir(), 'ki-')), 'known-issues.yaml');
  writeFileSync(p, text);
  return p;
}

function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e: unknown) {
    if (isPoisonlinkError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

describe('known-issues file loading', () => {
  it('gives no rules and no hash when no file is configured', () => {
    expect(loadKnownIssuesFile(null)).toEqual({ rules: [], hash: null });
  });

  it('loads the rules and hashes the file content', () => {
    const rules = loadKnownIssuesFile(
      file('- id: A\n  title: WARNING in foo\n  url: https://example.org/a\n  note: fixed in 7.1\n'),
    );
    expect(rules.rules).toHaveLength(1);
    expect(rules.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('reports every problem of an invalid file together, each with its file and line', () => {
    const p = file('- id: A\n  url: https://example.org/a\n- title: WARNING in bar\n  url: u\n');
    const e = errorOf(() => loadKnownIssuesFile(p));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain(`${p}:1:`);
    expect(e.message).toContain(`${p}:3:`);
  });

  it('says which file could not be read', () => {
    const e = errorOf(() => loadKnownIssuesFile('/nonexistent/known-issues.yaml'));
    expect(e.code).toBe('CONFIG_FILE_UNREADABLE');
    expect(e.message).toContain('/nonexistent/known-issues.yaml');
  });
});
