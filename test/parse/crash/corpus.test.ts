import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalGuilty, evalSyzkaller } from '../../../scripts/eval/syzkaller.js';

// The level reached on the visible syzkaller files; raise it when the parser improves, never lower it.
const MIN_EXACT_TITLE = 1.0;
const MIN_SILENT = 1.0;
const MIN_TYPE = 1.0;
const MIN_CORRUPTED = 1.0;
const MIN_GUILTY_FILE = 1.0;

const corpus = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'corpus', 'syzkaller');

describe('syzkaller linux report corpus', () => {
  it('keeps exact titles, types, corrupted flags and silence on non-crash files at the level reached', async () => {
    expect(existsSync(path.join(corpus, 'manifest.tsv'))).toBe(true);
    const f = await evalSyzkaller(corpus);
    expect(f.crashes).toBeGreaterThan(400);
    const misses = f.misses.map((m) => `${m.what} ${m.file}: expected ${m.expected} got ${m.got}`);
    expect(f.exactTitle / f.crashes, misses.join('\n')).toBeGreaterThanOrEqual(MIN_EXACT_TITLE);
    expect(f.silent / f.silentTotal).toBeGreaterThanOrEqual(MIN_SILENT);
    expect(f.type / f.crashes).toBeGreaterThanOrEqual(MIN_TYPE);
    expect(f.corrupted / f.crashes).toBeGreaterThanOrEqual(MIN_CORRUPTED);
  });

  it('blames the expected source file of the symbolized linux-guilty reports', async () => {
    const g = await evalGuilty(corpus);
    expect(g.files).toBeGreaterThan(40);
    expect(
      g.ok / g.files,
      g.misses.map((m) => `${m.file}: ${m.expected} got ${m.got}`).join('\n'),
    ).toBeGreaterThanOrEqual(MIN_GUILTY_FILE);
  });
});
