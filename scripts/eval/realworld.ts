/**
 * Evaluation on corpus/realworld: every log runs through the hardware recognizers and the
 * assembler; its `.meta.md` is the expectation. The sidecars are prose, so the expectations are
 * read from what they quote: a log line that contains a quoted snippet is "named"; a named line of
 * hardware-error shape must come out as a signal (or as a line of a grouped record) with the pfn
 * and result its own text states; every PFN the sidecar states must be on some signal; a named
 * line of crash-start shape must be in an assembled report; a log the sidecar calls real must give
 * no synthetic signal. Every miss is listed.
 *
 * Logs are read with the dmesg adapter of src/decode (`parseDmesgText`).
 * scripts/eval-corpus.ts imports `evalRealworld`.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { processEvent, flushHost, newHostLineState } from '../../src/assemble/host.js';
import { DEFAULT_LIMITS } from '../../src/model/config.js';
import type { CrashReport } from '../../src/model/crash.js';
import type { KernelLogEvent } from '../../src/model/event.js';
import { parseDmesgText } from '../../src/decode/index.js';
import type { HwSignal, Signal } from '../../src/model/signal.js';

/**
 * Undo an indentation that an e-mail or commit message added: the largest indentation that at
 * least 60% of the non-empty lines have (frames keep their extra spaces).
 */
function commonIndent(lines: readonly string[]): number {
  const inds: number[] = [];
  for (const l of lines) if (l.trim().length > 0) inds.push(l.length - l.trimStart().length);
  if (inds.length === 0) return 0;
  inds.sort((a, b) => b - a);
  return inds[Math.ceil(inds.length * 0.6) - 1] ?? 0;
}

/** A whole file as KernelLogEvents of one host, through the dmesg adapter (src/decode). */
export function dmesgEvents(content: string, host = 'realworld'): KernelLogEvent[] {
  const raw = content.split('\n');
  const indent = commonIndent(raw);
  const text =
    indent === 0
      ? content
      : raw.map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n');
  return parseDmesgText(text, { host });
}

// ---- expectations from the sidecar

const HW_SHAPE =
  /Memory failure|^MCE |^MCE: |^mce: (?:Uncorrected|Memory error not recovered|Kernel accessed poison)|\[Hardware Error\]|^EDAC MC\d+: \d+ [CU]E |^EDAC \w+ MC\d+: |synchronous external abort|SError Interrupt|^[Ss]oft offline: |^Unpoison: |hardware memory corruption/;
/** A hardware-error line; a panic line is one only when it is the memory-failure panic itself. */
function isHwLine(text: string): boolean {
  if (text.startsWith('---[')) return false;
  if (text.startsWith('Kernel panic')) return /Memory failure/.test(text);
  return HW_SHAPE.test(text);
}
const CRASH_SHAPE =
  /^(?:Internal error: |Oops|BUG: |kernel BUG at |Kernel panic - not syncing|general protection fault|SError Interrupt on CPU|WARNING: |watchdog: BUG: |INFO: task |rcu: INFO: )/;
const MF_TEXT = /^(?:Memory failure: |MCE )?0x([0-9a-f]+): /;
const VERDICT = /: (Ignored|Failed|Delayed|Recovered)\s*$/;

function quotedSnippets(meta: string): string[] {
  const out: string[] = [];
  for (const m of meta.matchAll(/`([^`\n]{8,})`/g)) {
    for (const piece of (m[1] ?? '').split(/…|\.\.\.| \+ /)) {
      const p = piece.trim();
      if (p.length >= 12) out.push(p);
    }
  }
  return out;
}

function statedPfns(meta: string): number[] {
  const out = new Set<number>();
  for (const m of meta.matchAll(/PFN `?0x([0-9a-f]+)`?/gi)) out.add(Number.parseInt(m[1] ?? '0', 16));
  return [...out];
}

function saysReal(meta: string): boolean | null {
  const m = /\*\*Real or injected\*\*:\s*([^\n]*)/i.exec(meta);
  if (m === null) return null;
  const v = (m[1] ?? '').toLowerCase();
  if (/inject|software|simulated|emulat|test|selftest/.test(v)) return false;
  return v.includes('real') ? true : null;
}

function blockKey(text: string): string | null {
  const g = /^(?:AEST: )?\{\d+\}/.exec(text);
  if (g !== null) return g[0];
  if (/^(?:mce: )?\[Hardware Error\]: /.test(text)) return 'mce';
  const e = /^EDAC \w+ MC\d+: /.exec(text);
  return e !== null ? e[0] : null;
}

function covered(text: string, signals: readonly HwSignal[]): HwSignal | 'block' | null {
  for (const s of signals) if (s.line === text) return s;
  const key = blockKey(text);
  if (key === null) return null;
  for (const s of signals) {
    if (
      key === 'mce'
        ? s.recognizer === 'mce-record' || s.recognizer === 'mce-events-logged'
        : s.line.startsWith(key)
    ) {
      return 'block';
    }
  }
  return null;
}

export interface FileRun {
  events: KernelLogEvent[];
  signals: Signal[];
  reports: CrashReport[];
}

/** Run one log's text through the per-line stages. */
export function runLog(content: string): FileRun {
  const events = dmesgEvents(content);
  const st = newHostLineState();
  const signals: Signal[] = [];
  const reports: CrashReport[] = [];
  for (const ev of events) {
    const o = processEvent(st, ev, DEFAULT_LIMITS);
    signals.push(...o.signals);
    reports.push(...o.reports);
  }
  const f = flushHost(st, DEFAULT_LIMITS);
  signals.push(...f.signals);
  reports.push(...f.reports);
  return { events, signals, reports };
}

function checkFile(name: string, log: string, meta: string): { lines: string[]; misses: number } {
  const lines: string[] = [];
  let misses = 0;
  const miss = (msg: string): void => {
    misses++;
    lines.push(`  MISS ${msg}`);
  };
  const run = runLog(log);
  const hw = run.signals.filter((s): s is HwSignal => s.type === 'hw');
  const snippets = quotedSnippets(meta);
  const named = run.events.filter((e) => snippets.some((p) => e.message.includes(p)));
  let hwNamed = 0;
  let hwOk = 0;
  let crashNamed = 0;
  let crashOk = 0;
  for (const ev of named) {
    const text = ev.message;
    if (isHwLine(text)) {
      hwNamed++;
      const c = covered(text, hw);
      if (c === null) {
        miss(`hardware line not recognised: ${text.slice(0, 160)}`);
        continue;
      }
      let ok = true;
      if (c !== 'block') {
        const mf = MF_TEXT.exec(text);
        if (mf !== null && c.pfn !== Number.parseInt(mf[1] ?? '', 16)) {
          ok = false;
          miss(`pfn ${c.pfn?.toString(16)} instead of 0x${mf[1]}: ${text.slice(0, 160)}`);
        }
        const v = VERDICT.exec(text);
        if (v !== null && c.result !== v[1]) {
          ok = false;
          miss(`result ${c.result} instead of ${v[1]}: ${text.slice(0, 160)}`);
        }
      }
      if (ok) hwOk++;
    }
    if (CRASH_SHAPE.test(text) && !text.startsWith('Kernel panic - not syncing: Memory failure: 0x0')) {
      crashNamed++;
      if (run.reports.some((r) => r.lines.includes(text))) crashOk++;
      else miss(`crash line not in any assembled report: ${text.slice(0, 160)}`);
    }
  }
  for (const pfn of statedPfns(meta)) {
    if (!hw.some((s) => s.pfn === pfn)) miss(`stated PFN 0x${pfn.toString(16)} on no signal`);
  }
  const real = saysReal(meta);
  if (real === true) {
    for (const s of hw) if (s.synthetic) miss(`real log, synthetic signal: ${s.line.slice(0, 160)}`);
  }
  lines.unshift(
    `${name}: hardware lines ${hwOk}/${hwNamed}, crash lines ${crashOk}/${crashNamed}, signals ${hw.length}, reports ${run.reports.length}`,
  );
  return { lines, misses };
}

export async function evalRealworld(
  corpusDir: string,
): Promise<{ name: string; lines: string[]; ok: boolean }> {
  const dir = existsSync(path.join(corpusDir, 'realworld')) ? path.join(corpusDir, 'realworld') : corpusDir;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
  const lines: string[] = [];
  let misses = 0;
  for (const f of files) {
    const log = await readFile(path.join(dir, f), 'utf8');
    const metaPath = path.join(dir, f.replace(/\.log$/, '.meta.md'));
    const meta = existsSync(metaPath) ? await readFile(metaPath, 'utf8') : '';
    const r = checkFile(f.replace(/\.log$/, ''), log, meta);
    lines.push(...r.lines);
    misses += r.misses;
  }
  lines.push(`realworld: ${files.length} logs, ${misses} misses`);
  return { name: 'realworld', lines, ok: misses === 0 };
}

const invoked = process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]));
if (invoked) {
  const dir = process.argv[2] ?? path.resolve(process.cwd(), '..', 'shared', 'corpus');
  evalRealworld(dir).then(
    (r) => {
      for (const l of r.lines) console.log(l);
      process.exitCode = r.ok ? 0 : 1;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 2;
    },
  );
}
