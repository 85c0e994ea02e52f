/**
 * Secondary figure on satyr's pasted oopses: does the first report carry the taint flags and the
 * first stack frame satyr's parser finds? (satyr keeps `.isra` suffixes and counts unreliable
 * `?` frames, so frames are compared normalized and within our first three.)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeReport, normalizeFrame } from '../../src/parse/crash/index.js';
import { consoleLine } from './console.js';

export interface SatyrFigures {
  files: number;
  reports: number;
  taint: number;
  firstFrameTotal: number;
  firstFrame: number;
  misses: string[];
}

export async function evalSatyr(dir: string): Promise<SatyrFigures> {
  const tsv = await readFile(path.join(dir, 'expected.tsv'), 'utf8');
  const rows = tsv
    .split('\n')
    .slice(1)
    .filter((l) => l.length > 0);
  const f: SatyrFigures = {
    files: rows.length,
    reports: 0,
    taint: 0,
    firstFrameTotal: 0,
    firstFrame: 0,
    misses: [],
  };
  for (const row of rows) {
    const [file = '', first = '', , , taintCount = '0'] = row.split('\t');
    const text = await readFile(path.join(dir, 'kerneloopses', file), 'utf8');
    // Pasted oopses often lost their first line; satyr reads the whole paste as one report.
    const lines = text.split('\n').map((l) => consoleLine(l.trim() === '' ? l : l).text);
    const a = analyzeReport(lines);
    f.reports++;
    const letters = (a.taint ?? '').replace(/G/g, '').length;
    if (String(letters) === taintCount) f.taint++;
    else f.misses.push(`${file}\ttaint count\texpected ${taintCount}\tgot ${letters} (${a.taint ?? 'none'})`);
    if (first !== '') {
      f.firstFrameTotal++;
      const want = normalizeFrame(first);
      if (a.frames.slice(0, 3).includes(want)) f.firstFrame++;
      else
        f.misses.push(
          `${file}\tfirst frame\texpected ${want}\tgot ${a.frames.slice(0, 3).join(',') || '(none)'}`,
        );
    }
  }
  return f;
}
