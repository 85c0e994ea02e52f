/**
 * Evaluation on syzkaller's linux report corpus: for each file, the first report is analyzed and
 * compared with the expected title, alt titles, type, corrupted flag and guilty frame of the
 * manifest; files without a title must stay silent.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeReport, analyzeReportPrefix, guiltyFile } from '../../src/parse/crash/index.js';
import { extractFirstReport } from './extract.js';

export interface SyzRow {
  file: string;
  title: string;
  type: string;
  corrupted: boolean;
  alts: string[];
  frame: string;
}

export interface SyzMiss {
  file: string;
  what: 'title' | 'silent' | 'type' | 'alts' | 'corrupted' | 'guilty';
  expected: string;
  got: string;
}

export interface SyzFigures {
  files: number;
  crashes: number;
  exactTitle: number;
  altSets: number;
  altTotal: number;
  type: number;
  corrupted: number;
  silentTotal: number;
  silent: number;
  guiltyTotal: number;
  guilty: number;
  misses: SyzMiss[];
}

export async function readManifest(dir: string): Promise<SyzRow[]> {
  const text = await readFile(path.join(dir, 'manifest.tsv'), 'utf8');
  const [head, ...rows] = text.split('\n').filter((l) => l.length > 0);
  const cols = (head ?? '').split('\t');
  const at = (name: string): number => cols.indexOf(name);
  return rows.map((r) => {
    const f = r.split('\t');
    const alts = f[at('alt_titles')] ?? '';
    return {
      file: f[at('file')] ?? '',
      title: f[at('expected_title')] ?? '',
      type: f[at('type')] ?? '',
      corrupted: f[at('corrupted')] === '1',
      alts: alts === '' ? [] : alts.split(' | '),
      frame: f[at('frame')] ?? '',
    };
  });
}

/** The console log of a linux-report file: the `KEY: value` header block up to the first empty line is dropped. */
export function logOf(text: string): string {
  const blank = text.indexOf('\n\n');
  if (text.startsWith('\n')) return text.slice(1);
  return blank < 0 ? '' : text.slice(blank + 2);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size !== sb.size) return false;
  for (const x of sa) if (!sb.has(x)) return false;
  return true;
}

export async function evalSyzkaller(dir: string): Promise<SyzFigures> {
  const rows = await readManifest(dir);
  const f: SyzFigures = {
    files: rows.length,
    crashes: 0,
    exactTitle: 0,
    altSets: 0,
    altTotal: 0,
    type: 0,
    corrupted: 0,
    silentTotal: 0,
    silent: 0,
    guiltyTotal: 0,
    guilty: 0,
    misses: [],
  };
  for (const row of rows) {
    const text = await readFile(path.join(dir, 'linux-report', row.file), 'utf8');
    const ex = extractFirstReport(logOf(text));
    if (row.title === '') {
      f.silentTotal++;
      if (ex === null) f.silent++;
      else
        f.misses.push({ file: row.file, what: 'silent', expected: '', got: analyzeReport(ex.lines).title });
      continue;
    }
    f.crashes++;
    if (ex === null) {
      f.misses.push({ file: row.file, what: 'title', expected: row.title, got: '(no report)' });
      continue;
    }
    const a = analyzeReportPrefix(ex.lines, ex.all);
    // syzkaller marks every report of a capture whose VM console dropped as corrupted.
    if (text.includes('serialport: VM disconnected.')) a.corrupted = true;
    if (a.title === row.title) f.exactTitle++;
    else f.misses.push({ file: row.file, what: 'title', expected: row.title, got: a.title });
    if (row.alts.length > 0 || a.altTitles.length > 0) {
      f.altTotal++;
      if (sameSet(row.alts, a.altTitles)) f.altSets++;
      else
        f.misses.push({
          file: row.file,
          what: 'alts',
          expected: row.alts.join(' | '),
          got: a.altTitles.join(' | '),
        });
    }
    if (a.type === row.type) f.type++;
    else f.misses.push({ file: row.file, what: 'type', expected: row.type, got: a.type });
    if (a.corrupted === row.corrupted) f.corrupted++;
    else
      f.misses.push({
        file: row.file,
        what: 'corrupted',
        expected: String(row.corrupted),
        got: String(a.corrupted),
      });
    if (row.frame !== '') {
      f.guiltyTotal++;
      if ((a.guiltyFrame ?? 'corrupted') === row.frame) f.guilty++;
      else f.misses.push({ file: row.file, what: 'guilty', expected: row.frame, got: a.guiltyFrame ?? '' });
    }
  }
  return f;
}

export interface GuiltyFigures {
  files: number;
  ok: number;
  misses: SyzMiss[];
}

/** linux-guilty files: `FILE: <source file to blame>`, an empty line, a symbolized report. */
export async function evalGuilty(dir: string): Promise<GuiltyFigures> {
  const g: GuiltyFigures = { files: 0, ok: 0, misses: [] };
  const gdir = path.join(dir, 'linux-guilty');
  let names: string[];
  try {
    names = (await readdir(gdir)).sort();
  } catch {
    return g;
  }
  for (const name of names) {
    const text = await readFile(path.join(gdir, name), 'utf8');
    const want = /^FILE: (.*)$/m.exec(text.slice(0, text.indexOf('\n\n')))?.[1]?.trim() ?? '';
    g.files++;
    const ex = extractFirstReport(logOf(text));
    const got = ex === null ? null : guiltyFile(analyzeReportPrefix(ex.lines, ex.all).title, ex.all);
    if ((got ?? '') === want) g.ok++;
    else g.misses.push({ file: name, what: 'guilty', expected: want, got: got ?? '(none)' });
  }
  return g;
}
