import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeReport, matchReportStart } from '../../../src/parse/crash/index.js';

interface Fixture {
  name: string;
  expect: Map<string, string>;
  lines: string[];
}

const dir = path.join(import.meta.dirname, 'fixtures');

function load(file: string): Fixture {
  const text = readFileSync(path.join(dir, file), 'utf8');
  const blank = text.indexOf('\n\n');
  const expect = new Map<string, string>();
  for (const l of text.slice(0, blank).split('\n')) {
    const m = /^EXPECT-([A-Z]+): ?(.*)$/.exec(l);
    if (m !== null) expect.set(m[1]!, m[2]!);
  }
  const lines = text.slice(blank + 2).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return { name: file, expect, lines };
}

const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map(load);

describe('crash report fixtures written from the kernel format strings', () => {
  it('has the fixtures the brief asks for', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(16);
  });

  for (const f of fixtures) {
    it(`${f.name}: the first line starts a report and the analysis matches the expectations`, () => {
      expect(matchReportStart(f.lines[0]!)).not.toBeNull();
      const a = analyzeReport(f.lines);
      const e = f.expect;
      if (e.has('TITLE')) expect(a.title).toBe(e.get('TITLE'));
      if (e.has('ALT')) expect(a.altTitles).toContain(e.get('ALT'));
      if (e.has('KIND')) expect(a.kind).toBe(e.get('KIND'));
      if (e.has('TYPE')) expect(a.type).toBe(e.get('TYPE'));
      if (e.has('GUILTY')) expect(a.guiltyFrame).toBe(e.get('GUILTY'));
      if (e.has('FRAMES'))
        expect(a.frames.slice(0, e.get('FRAMES')!.split(' ').length)).toEqual(e.get('FRAMES')!.split(' '));
      if (e.has('TAINT')) expect(a.taint).toBe(e.get('TAINT'));
      if (e.has('RELEASE')) expect(a.kernelRelease).toBe(e.get('RELEASE'));
      if (e.has('HW')) expect(a.hwSignature).toBe(e.get('HW') === 'true');
      if (e.has('POISON')) expect(a.inPoisonHandler).toBe(e.get('POISON') === 'true');
      if (e.has('CORRUPTED')) expect(a.corrupted).toBe(e.get('CORRUPTED') === 'true');
      if (e.has('PANICKED')) expect(a.panicked).toBe(e.get('PANICKED') === 'true');
      if (e.has('PFNS'))
        expect(a.pfns).toEqual(
          e
            .get('PFNS')!
            .split(' ')
            .map((x) => Number.parseInt(x, 16)),
        );
    });
  }
});
