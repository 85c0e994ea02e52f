/** Small helpers shared by the benchmark parts: summary statistics, machine facts, CLI flags. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { median, min: s[0] as number, max: s[n - 1] as number, n };
}

export interface Machine {
  cpuModel: string;
  cores: number;
  node: string;
  v8: string;
  memTotalGiB: number;
  loadAvg: number[];
  date: string;
}

export function machine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1] !== undefined) cpuModel = m[1].trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpuModel,
    cores: os.availableParallelism(),
    node: process.version,
    v8: process.versions.v8,
    memTotalGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
  };
}

/** `--name value` / `--name=value` flags of a part's child process. */
export function flag(name: string, fallback: number): number;
export function flag(name: string, fallback: string): string;
export function flag(name: string, fallback: number | string): number | string {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    let v: string | undefined;
    if (a === `--${name}`) v = argv[i + 1];
    else if (a.startsWith(`--${name}=`)) v = a.slice(name.length + 3);
    if (v !== undefined) return typeof fallback === 'number' ? Number(v.replaceAll('_', '')) : v;
  }
  return fallback;
}

/** Parts print one line `RESULT <json>` on stdout; bench/run.ts collects it. */
export function report(result: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

export function log(msg: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
