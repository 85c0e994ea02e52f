/**
 * Parse + assemble throughput (issue 4's speed figure): the per-line stages alone (hardware
 * recognizers and crash-report assembly, src/assemble/host.ts processLines on one state object per
 * host, as the pipeline keeps it) over the same realistic stream as the in-process benchmark
 * (bench/fleet.ts: ≥99% routine chatter, CE bursts, poison reports, crash reports), against a
 * baseline measured in the same rounds: a loop that only splits each message into lines (what any
 * per-line stage must at least do).
 *
 *   node --max-semi-space-size=64 --import tsx bench/parse.bench.ts [--records 1000000] [--hosts 10000,50000] [--runs 5]
 *
 * (`--max-semi-space-size=64` is what bin/poisonlink.js and the image start the runtime with.)
 *
 * One measurement per host count: every host is visited round-robin, so with many hosts each
 * record's host state is a cache miss, and the rate depends on how many hosts one stream (one
 * input partition) carries. The states are kept in the pipeline's host table (src/host-table.ts);
 * the same loop with a JS Map in its place is timed in the same rounds, which measures that
 * lever. Each round first runs the records in which every host appears (2 × hosts records)
 * untimed and times the rest: a stream that has been running, where a host's state exists (it is
 * created once per process lifetime); the same stream from an empty table, creating every host's
 * state, is timed too. Target: 1,500,000 lines/s or more on one core. Median of the runs, with min
 * and max.
 */
import { type AssemblerState, newAssemblerState } from '../src/assemble/assembler.js';
import { type HwHolder, processLines } from '../src/assemble/host.js';
import { HostTable } from '../src/host-table.js';
import { DEFAULT_LIMITS } from '../src/model/config.js';
import type { KernelLogEvent } from '../src/model/event.js';
import { generateFleet } from './fleet.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? String(process.argv[i + 1]) : def;
}

const records = Number(arg('--records', '1000000'));
const hostCounts = arg('--hosts', '10000,50000').split(',').map(Number);
const runs = Number(arg('--runs', '5'));

let events: KernelLogEvent[] = [];

function baseline(from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const m = (events[i] as KernelLogEvent).message;
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

/** a host's line-stage state as the pipeline keeps it: one object, assembler state and hardware holder */
type HostState = AssemblerState & HwHolder;

function stages(states: HostTable<HostState> | Map<string, HostState>, from: number, to: number): number {
  let out = 0;
  for (let i = from; i < to; i++) {
    const e = events[i] as KernelLogEvent;
    let st = states.get(e.host);
    if (st === undefined) {
      const fresh = newAssemblerState();
      st = {
        bootId: fresh.bootId,
        lastUptimeS: fresh.lastUptimeS,
        sinceBoot: fresh.sinceBoot,
        open: fresh.open,
        hw: null,
      };
      states.set(e.host, st);
    }
    const o = processLines(st, st, e, DEFAULT_LIMITS);
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
const fmt = (xs: number[]) =>
  `${Math.round(median(xs)).toLocaleString('en')} lines/s (min ${Math.round(Math.min(...xs)).toLocaleString('en')}, max ${Math.round(Math.max(...xs)).toLocaleString('en')}, n=${xs.length})`;

console.log(`${records.toLocaleString('en')} records per stream; Node ${process.version}`);
for (const hosts of hostCounts) {
  events = [];
  const mix = generateFleet({ records, hosts }, (e) => events.push(e));
  const n = events.length;
  // the first records, untimed, in which every host is seen: the timed part is a stream that has
  // been running, as a partition's is (a host's state is created once per process lifetime)
  const warm = Math.min(2 * hosts, Math.floor(n / 2));
  const lineCount = (from: number, to: number): number => {
    let c = 0;
    for (let i = from; i < to; i++) c += (events[i] as KernelLogEvent).message.split('\n').length;
    return c;
  };
  const lines = lineCount(warm, n);
  const allLines = lineCount(0, n);
  const steady = (states: HostTable<HostState> | Map<string, HostState>): number => {
    stages(states, 0, warm);
    if (states.size !== hosts)
      throw new Error(`only ${states.size} of ${hosts} hosts in the first ${warm} records`);
    return time(() => stages(states, warm, n));
  };
  const cold = () => time(() => stages(new HostTable<HostState>(), 0, n));
  time(() => baseline(warm, n));
  steady(new HostTable<HostState>());
  steady(new Map<string, HostState>());
  cold();
  const base: number[] = [];
  const parse: number[] = [];
  const withMap: number[] = [];
  const fromEmpty: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(lines / time(() => baseline(warm, n)));
    parse.push(lines / steady(new HostTable<HostState>()));
    withMap.push(lines / steady(new Map<string, HostState>()));
    fromEmpty.push(allLines / cold());
  }
  const ratio = parse.map((p, i) => p / (base[i] as number));
  const lever = parse.map((p, i) => p / (withMap[i] as number));
  console.log('');
  console.log(
    `${hosts.toLocaleString('en')} hosts: ${allLines.toLocaleString('en')} lines, routine ${((mix.routine / records) * 100).toFixed(2)}%; timed: the ${lines.toLocaleString('en')} lines after the first ${warm.toLocaleString('en')} records (every host seen)`,
  );
  console.log(`  baseline (split lines only): ${fmt(base)}`);
  console.log(`  parse + assemble:            ${fmt(parse)}  ratio to baseline ${median(ratio).toFixed(3)}`);
  console.log(
    `  the same with a Map:         ${fmt(withMap)}  host table / Map ×${median(lever).toFixed(3)} (min ${Math.min(...lever).toFixed(3)}, max ${Math.max(...lever).toFixed(3)})`,
  );
  console.log(
    `  from an empty table (all ${allLines.toLocaleString('en')} lines, creating the ${hosts.toLocaleString('en')} host states): ${fmt(fromEmpty)}`,
  );
  console.log(`  target ≥1,500,000 lines/s: ${median(parse) >= 1_500_000 ? 'met' : 'NOT met'}`);
}
