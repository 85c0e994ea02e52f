/**
 * Corpus evaluation: `npm run eval:corpus -- ../shared/corpus [--min-exact-title 0.97] [--min-silent 1.0]
 * [--min-pipeline-title 0.97] [--require-realworld] [--json]`.
 * Prints per-source figures and every miss; exits 1 when a threshold is not met (CI gates on
 * the level reached), 2 on a usage error.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { evalSatyr } from './eval/satyr.js';
import { evalGuilty, evalSyzkaller } from './eval/syzkaller.js';
import { evalSyzkallerPipeline } from './eval/syzkaller-pipeline.js';

/** One block of the evaluation report; the realworld part (scripts/eval/realworld.ts) returns one. */
export interface EvalSection {
  name: string;
  lines: string[];
  ok: boolean;
}

export interface EvalOptions {
  minExactTitle?: number;
  minSilent?: number;
  /** exact first-verdict titles through the pipeline (dmesg adapter, assembler, analysis) */
  minPipelineTitle?: number;
  /** a realworld section that is not ok fails the run (else it is reported only) */
  requireRealworld?: boolean;
}

export interface EvalResult {
  sections: EvalSection[];
  figures: Record<string, number>;
  ok: boolean;
}

function pct(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${n}/${d} (${((100 * n) / d).toFixed(1)}%)`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

type RealworldFn = (corpusDir: string) => Promise<EvalSection>;

async function loadRealworld(): Promise<RealworldFn | null> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = path.join(here, 'eval', 'realworld.ts');
  if (!(await exists(file))) return null;
  const mod = (await import(pathToFileURL(file).href)) as { evalRealworld?: RealworldFn };
  return mod.evalRealworld ?? null;
}

export async function evalCorpus(corpusDir: string, opts: EvalOptions = {}): Promise<EvalResult> {
  const sections: EvalSection[] = [];
  const figures: Record<string, number> = {};
  let ok = true;

  const syzDir = path.join(corpusDir, 'syzkaller');
  if (await exists(path.join(syzDir, 'manifest.tsv'))) {
    const s = await evalSyzkaller(syzDir);
    const exact = s.crashes === 0 ? 1 : s.exactTitle / s.crashes;
    const silent = s.silentTotal === 0 ? 1 : s.silent / s.silentTotal;
    figures['syzkaller.exactTitle'] = exact;
    figures['syzkaller.silent'] = silent;
    figures['syzkaller.altSets'] = s.altTotal === 0 ? 1 : s.altSets / s.altTotal;
    figures['syzkaller.type'] = s.crashes === 0 ? 1 : s.type / s.crashes;
    figures['syzkaller.corrupted'] = s.crashes === 0 ? 1 : s.corrupted / s.crashes;
    const lines = [
      `files ${s.files}, crash files ${s.crashes}, not-a-crash files ${s.silentTotal}`,
      `exact titles        ${pct(s.exactTitle, s.crashes)}`,
      `alt-title sets      ${pct(s.altSets, s.altTotal)}`,
      `report types        ${pct(s.type, s.crashes)}`,
      `corrupted flag      ${pct(s.corrupted, s.crashes)}`,
      `not-a-crash silent  ${pct(s.silent, s.silentTotal)}`,
      `guilty frame        ${pct(s.guilty, s.guiltyTotal)}`,
    ];
    let sectionOk = true;
    if (opts.minExactTitle !== undefined && exact < opts.minExactTitle) {
      lines.push(`FAIL exact titles ${exact.toFixed(4)} < ${opts.minExactTitle}`);
      sectionOk = false;
    }
    if (opts.minSilent !== undefined && silent < opts.minSilent) {
      lines.push(`FAIL silent ${silent.toFixed(4)} < ${opts.minSilent}`);
      sectionOk = false;
    }
    const g = await evalGuilty(syzDir);
    if (g.files > 0) {
      figures['syzkaller.guiltyFile'] = g.ok / g.files;
      lines.push(`guilty file         ${pct(g.ok, g.files)} (linux-guilty)`);
    }
    for (const m of [...s.misses, ...g.misses])
      lines.push(`miss ${m.what}\t${m.file}\texpected: ${m.expected}\tgot: ${m.got}`);
    sections.push({ name: 'syzkaller', lines, ok: sectionOk });
    ok &&= sectionOk;
  } else if (opts.minExactTitle !== undefined || opts.minSilent !== undefined) {
    sections.push({ name: 'syzkaller', lines: [`no manifest in ${syzDir}`], ok: false });
    ok = false;
  }

  if (await exists(path.join(syzDir, 'manifest.tsv'))) {
    const s = await evalSyzkallerPipeline(syzDir);
    const exact = s.crashes === 0 ? 1 : s.exactTitle / s.crashes;
    figures['syzkallerPipeline.exactTitle'] = exact;
    figures['syzkallerPipeline.silent'] = s.silentTotal === 0 ? 1 : s.silent / s.silentTotal;
    const lines = [
      `exact first-verdict titles ${pct(s.exactTitle, s.crashes)}`,
      `not-a-crash silent         ${pct(s.silent, s.silentTotal)}`,
    ];
    let sectionOk = true;
    if (opts.minPipelineTitle !== undefined && exact < opts.minPipelineTitle) {
      lines.push(`FAIL pipeline titles ${exact.toFixed(4)} < ${opts.minPipelineTitle}`);
      sectionOk = false;
    }
    for (const m of s.misses)
      lines.push(`miss title\t${m.file}\texpected: ${m.expected}\tgot: ${m.got}\tall: ${m.all.join(' ; ')}`);
    sections.push({ name: 'syzkaller via the pipeline', lines, ok: sectionOk });
    ok &&= sectionOk;
  } else if (opts.minPipelineTitle !== undefined) {
    sections.push({ name: 'syzkaller via the pipeline', lines: [`no manifest in ${syzDir}`], ok: false });
    ok = false;
  }

  const satyrDir = path.join(corpusDir, 'satyr-kerneloopses');
  if (await exists(path.join(satyrDir, 'expected.tsv'))) {
    const s = await evalSatyr(satyrDir);
    figures['satyr.taint'] = s.reports === 0 ? 1 : s.taint / s.reports;
    figures['satyr.firstFrame'] = s.firstFrameTotal === 0 ? 1 : s.firstFrame / s.firstFrameTotal;
    sections.push({
      name: 'satyr (secondary)',
      lines: [
        `files ${s.files}`,
        `taint count         ${pct(s.taint, s.reports)}`,
        `first frame (top 3) ${pct(s.firstFrame, s.firstFrameTotal)}`,
        ...s.misses.map((m) => `miss ${m}`),
      ],
      ok: true,
    });
  }

  const realworld = await loadRealworld();
  if (realworld !== null) {
    try {
      const r = await realworld(corpusDir);
      sections.push(r);
      if (opts.requireRealworld === true) ok &&= r.ok;
    } catch (e: unknown) {
      sections.push({
        name: 'realworld',
        lines: [`error: ${e instanceof Error ? e.message : String(e)}`],
        ok: false,
      });
      ok = false;
    }
  }
  return { sections, figures, ok };
}

interface Cli {
  dir: string;
  opts: EvalOptions;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Cli | string {
  let dir: string | undefined;
  const opts: EvalOptions = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') json = true;
    else if (a === '--require-realworld') opts.requireRealworld = true;
    else if (a === '--min-exact-title' || a === '--min-silent' || a === '--min-pipeline-title') {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0 || v > 1) return `${a} expects a number between 0 and 1`;
      if (a === '--min-exact-title') opts.minExactTitle = v;
      else if (a === '--min-pipeline-title') opts.minPipelineTitle = v;
      else opts.minSilent = v;
    } else if (a.startsWith('--')) return `unknown option ${a}`;
    else if (dir === undefined) dir = a;
    else return `unexpected argument ${a}`;
  }
  if (dir === undefined) return 'missing corpus directory';
  return { dir, opts, json };
}

async function main(): Promise<number> {
  // `| head` closes the pipe early: that is not an error of the evaluation.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  const cli = parseArgs(process.argv.slice(2));
  if (typeof cli === 'string') {
    process.stderr.write(
      `${cli}\nusage: eval-corpus <corpus-dir> [--min-exact-title 0.97] [--min-silent 1.0] [--min-pipeline-title 0.97] [--require-realworld] [--json]\n`,
    );
    return 2;
  }
  const r = await evalCorpus(path.resolve(cli.dir), cli.opts);
  if (cli.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    for (const s of r.sections) {
      process.stdout.write(`== ${s.name} ${s.ok ? 'ok' : 'FAILED'}\n`);
      for (const l of s.lines) process.stdout.write(`  ${l}\n`);
    }
  }
  return r.ok ? 0 : 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
