/**
 * Syzkaller's linux-report corpus through the product path: each console log goes through the
 * dmesg adapter (`readEventsFromText`), the pipeline (per-host assembly, analysis, correlation)
 * and a collector, as `poisonlink triage` runs it. The first verdict (event time, then emission
 * order) must carry the manifest's title; files without a title must give no verdict.
 * The direct evaluation (scripts/eval/syzkaller.ts) measures the analyzer on syzkaller's own
 * extraction; this one measures what assembly does to it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Collector } from '../../src/cli/collect.js';
import { DEFAULT_CORRELATION, DEFAULT_LIMITS } from '../../src/model/config.js';
import { createPipeline } from '../../src/pipeline.js';
import { readEventsFromText } from '../../src/source/files.js';
import { logOf, readManifest } from './syzkaller.js';

export interface PipelineMiss {
  file: string;
  expected: string;
  /** the first verdict's title, then every verdict's title */
  got: string;
  all: string[];
}

export interface PipelineFigures {
  crashes: number;
  exactTitle: number;
  silentTotal: number;
  silent: number;
  misses: PipelineMiss[];
}

/** The titles of every verdict of one console log, the first by event time (then order) first. */
export function triageTitles(name: string, log: string): string[] {
  const c = new Collector();
  const p = createPipeline({ correlation: DEFAULT_CORRELATION, limits: DEFAULT_LIMITS, sink: c });
  for (const ev of readEventsFromText(name, log, { format: 'dmesg', host: 'h' }).events) p.process(ev);
  p.flush();
  const order = [...c.verdicts.values()];
  const sorted = order.map((v, i) => ({ v, i })).sort((a, b) => a.v.ts - b.v.ts || a.i - b.i);
  return sorted.map((x) => x.v.title);
}

export async function evalSyzkallerPipeline(dir: string): Promise<PipelineFigures> {
  const rows = await readManifest(dir);
  const f: PipelineFigures = { crashes: 0, exactTitle: 0, silentTotal: 0, silent: 0, misses: [] };
  for (const row of rows) {
    const raw = await readFile(path.join(dir, 'linux-report', row.file), 'utf8');
    // the manifest files may append syzkaller's own `REPORT:` section; it is not console output
    const log = logOf(raw).split('\nREPORT:\n')[0] ?? '';
    const titles = triageTitles(row.file, log);
    if (row.title === '') {
      f.silentTotal++;
      if (titles.length === 0) f.silent++;
      else f.misses.push({ file: row.file, expected: '', got: titles[0] ?? '', all: titles });
      continue;
    }
    f.crashes++;
    if (titles[0] === row.title) f.exactTitle++;
    else
      f.misses.push({ file: row.file, expected: row.title, got: titles[0] ?? '(no verdict)', all: titles });
  }
  return f;
}
