/**
 * Parse + assemble throughput (issue 4's speed figure): the per-line stages alone (hardware
 * recognizers and crash-report assembly, src/assemble/host.ts processEvent) over the same
 * realistic stream as the in-process benchmark (bench/fleet.ts: ≥99% routine chatter, CE bursts,
 * poison reports, crash reports), against a baseline measured in the same rounds: a loop that
 * only splits each message into lines (what any per-line stage must at least do).
 *
 *   node --import tsx bench/parse.bench.ts [--records 1000000] [--hosts 50000] [--runs 5]
 *
 * Target: 1,500,000 lines/s or more on one core. Median of the runs, with min and max.
 */
import { newHostLineState, processEvent, type HostLineState } from '../src/assemble/index.js';
import { DEFAULT_LIMITS } from '../src/model/config.js';
import type { KernelLogEvent } from '../src/model/event.js';
import { generateFleet } from './fleet.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const records = arg('--records', 1_000_000);
const hosts = arg('--hosts', 50_000);
const runs = arg('--runs', 5);

const events: KernelLogEvent[] = [];
const mix = generateFleet({ records, hosts }, (e) => events.push(e));
let lines = 0;
for (const e of events) lines += e.message.split('\n').length;

function baseline(): number {
  let n = 0;
  for (const e of events) {
    const m = e.message;
    let from = 0;
    for (;;) {
      const to = m.indexOf('\n', from);
      n += (to < 0 ? m.length : to) - from;
      if (to < 0) break;
      from = to + 1;
    }
  }
  return n;
}

function stages(): number {
  const states = new Map<string, HostLineState>();
  let out = 0;
  for (const e of events) {
    let st = states.get(e.host);
    if (st === undefined) {
      st = newHostLineState();
      states.set(e.host, st);
    }
    const o = processEvent(st, e, DEFAULT_LIMITS);
    out += o.signals.length + o.reports.length;
  }
  return out;
}

function time(f: () => number): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
time(baseline);
time(stages);
const base: number[] = [];
const parse: number[] = [];
for (let i = 0; i < runs; i++) {
  base.push(lines / time(baseline));
  parse.push(lines / time(stages));
}
const fmt = (xs: number[]) =>
  `${Math.round(median(xs)).toLocaleString('en')} lines/s (min ${Math.round(Math.min(...xs)).toLocaleString('en')}, max ${Math.round(Math.max(...xs)).toLocaleString('en')}, n=${xs.length})`;
const ratio = parse.map((p, i) => p / (base[i] as number));
console.log(
  `${records.toLocaleString('en')} records, ${lines.toLocaleString('en')} lines, ${hosts.toLocaleString('en')} hosts; routine ${((mix.routine / records) * 100).toFixed(2)}%; Node ${process.version}`,
);
console.log(`baseline (split lines only): ${fmt(base)}`);
console.log(`parse + assemble:            ${fmt(parse)}  ratio to baseline ${median(ratio).toFixed(3)}`);
console.log(`target ≥1,500,000 lines/s: ${median(parse) >= 1_500_000 ? 'met' : 'NOT met'}`);
