/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time, with
 * the file and line each lives in, and the total (inclusive) time of the same functions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  /** file relative to the repository (or node:/internal) and 1-based line */
  where: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

function where(cf: CallFrame, root: string): string {
  if (cf.url === '') return '(native)';
  let u = cf.url.replace(/^file:\/\//, '');
  if (u.startsWith(root)) u = path.relative(root, u);
  return `${u}:${cf.lineNumber + 1}`;
}

export function hotFunctions(file: string, root: string, top = 25): { totalMs: number; rows: HotFunction[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const totalUs = p.endTime - p.startTime;
  const self = new Map<string, { name: string; where: string; us: number }>();
  const incl = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame, root)}`;
    const e = self.get(key);
    if (e === undefined)
      self.set(key, { name: n.callFrame.functionName || '(anonymous)', where: where(n.callFrame, root), us });
    else e.us += us;
    // inclusive: count the sample once for every distinct function on its stack
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const m = byId.get(cur);
      if (m === undefined) break;
      const k = `${m.callFrame.functionName || '(anonymous)'} ${where(m.callFrame, root)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
    }
  }
  const rows = [...self.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, top)
    .map(([k, e]) => ({
      name: e.name,
      where: e.where,
      selfMs: e.us / 1000,
      selfPct: (100 * e.us) / totalUs,
      totalMs: (incl.get(k) ?? 0) / 1000,
      totalPct: (100 * (incl.get(k) ?? 0)) / totalUs,
    }));
  return { totalMs: totalUs / 1000, rows };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: cpuprofile.ts FILE.cpuprofile [top]');
  const { totalMs, rows } = hotFunctions(file, process.cwd(), Number(process.argv[3] ?? 25));
  console.log(`profile: ${totalMs.toFixed(0)} ms`);
  for (const r of rows) {
    console.log(
      `${r.selfPct.toFixed(1).padStart(5)}% self ${r.totalPct.toFixed(1).padStart(5)}% total  ${r.name}  ${r.where}`,
    );
  }
}
