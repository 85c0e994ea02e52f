/**
 * Part 2, memory (run with --expose-gc; bench/run.ts starts it so):
 *   idle      1,000,000 hosts, each sends one routine record (decoded from Avro, as the runtime
 *             gets it); heapUsed after gc, minus the empty pipeline's, per host
 *   incident  1,000,000 hosts, each reports an unrecovered poisoned page (`unhandlable page.` then
 *             `recovery action for get hwpoison page: Ignored`), measured right after and again after
 *             event time moved past the settle window (host events emitted, hw blocks closed)
 *   baseline  the same host-name strings as keys of a plain Map to one empty object each: the floor
 *             of "remember that this host exists", measured in the same run
 *   flood     one host sends garbage lines at 1,000,000 lines per second of event time for 10 s
 *             (per 1000 lines: one crash-report start, 29 `Call Trace:`, 10 memory-failure lines with
 *             new pfns, 10 EDAC corrected errors, the rest random printable junk); heapUsed after gc every event-time second
 * Run alone: node --expose-gc --import tsx bench/memory.ts --hosts 1000000 --runs 5
 */
import { NO_KNOWN_ISSUES } from '../src/classify/index.js';
import { createKernelLogEventCodec } from '../src/decode/codecs.js';
import { DEFAULT_CORRELATION, DEFAULT_LIMITS } from '../src/model/config.js';
import type { KernelLogEvent } from '../src/model/event.js';
import { createPipeline, type Pipeline, type PipelineSink } from '../src/pipeline.js';
import { hostName, T0_US } from './fleet.js';
import { flag, log, machine, report, summarize } from './stats.js';

const HOSTS = flag('hosts', 1_000_000);
const RUNS = flag('runs', 5);
const FLOOD_RATE = flag('flood-rate', 1_000_000);
const FLOOD_SECONDS = flag('flood-seconds', 10);
const PARTS = flag('memory-parts', 'idle,incident,flood').split(',');

const gcFn = (globalThis as { gc?: () => void }).gc;
if (gcFn === undefined) throw new Error('bench/memory.ts needs node --expose-gc');
const gc = gcFn;

function heap(): number {
  // several passes: weak references and finalizers can need more than one
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const counts = { verdicts: 0, hostEvents: 0, hwErrors: 0, evictions: 0, late: 0 };
const sink: PipelineSink = {
  verdict: () => {
    counts.verdicts++;
  },
  hostEvent: () => {
    counts.hostEvents++;
  },
  hwError: () => {
    counts.hwErrors++;
  },
  eviction: (_r, n) => {
    counts.evictions += n;
  },
  late: () => {
    counts.late++;
  },
};

function newPipeline(maxHosts = Math.max(DEFAULT_LIMITS.maxHosts, HOSTS)): Pipeline {
  return createPipeline({
    correlation: DEFAULT_CORRELATION,
    limits: { ...DEFAULT_LIMITS, maxHosts },
    knownIssues: NO_KNOWN_ISSUES,
    sink,
  });
}

const codec = createKernelLogEventCodec();
const BOOT_US = T0_US - 86_400_000_000;

function event(h: number, ts: number, message: string): KernelLogEvent {
  return {
    host: hostName(h),
    boot_id: `${h.toString(16).padStart(8, '0')}-6b77-4c2e-9a51-4bd5d0b3e2a1`,
    ts,
    uptime_us: ts - BOOT_US,
    seq: 5000 + h,
    priority: 6,
    message,
    arch: 'x86_64',
    kernel_release: '6.12.48-1.el9.x86_64',
    source: 'kmsg',
    caller: null,
  };
}

/** through Avro and back, so the strings the pipeline keeps are the decoder's, as in the runtime */
function viaAvro(e: KernelLogEvent): KernelLogEvent {
  return codec.type.fromBuffer(codec.encode(e)) as KernelLogEvent;
}

function measureBaseline(): number {
  const before = heap();
  const m = new Map<string, object>();
  for (let h = 0; h < HOSTS; h++) m.set(viaAvro(event(h, T0_US, 'x')).host, {});
  const after = heap();
  if (m.size !== HOSTS) throw new Error('baseline lost hosts');
  return (after - before) / HOSTS;
}

function measureIdle(): number {
  let p: Pipeline | null = null;
  const before = heap();
  p = newPipeline();
  for (let h = 0; h < HOSTS; h++) {
    p.process(viaAvro(event(h, T0_US + h, 'IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready')));
  }
  p.takeDirtyHosts();
  const after = heap();
  const g = p.gauges();
  if (g.hosts !== HOSTS) throw new Error(`idle: expected ${HOSTS} hosts tracked, found ${g.hosts}`);
  p = null;
  return (after - before) / HOSTS;
}

function measureIncident(): { open: number; settled: number; poisoned: number; hostEvents: number } {
  let p: Pipeline | null = null;
  counts.hostEvents = 0;
  const before = heap();
  p = newPipeline();
  for (let h = 0; h < HOSTS; h++) {
    const pfn = (0x40000 + h).toString(16);
    const ts = T0_US + h;
    p.process(viaAvro(event(h, ts, `Memory failure: 0x${pfn}: unhandlable page.`)));
    p.process(
      viaAvro(event(h, ts + 1, `Memory failure: 0x${pfn}: recovery action for get hwpoison page: Ignored`)),
    );
  }
  p.takeDirtyHosts();
  const open = heap();
  // event time moves on past the settle window and the lateness grace the line stages give a
  // lagging host: held signals reach the correlator, blocks close, host events go out
  p.advance(T0_US + HOSTS + DEFAULT_CORRELATION.latenessMs * 1000 + 120_000_000);
  p.takeDirtyHosts();
  const settled = heap();
  const g = p.gauges();
  if (g.hosts !== HOSTS) throw new Error(`incident: expected ${HOSTS} hosts tracked, found ${g.hosts}`);
  p = null;
  return {
    open: (open - before) / HOSTS,
    settled: (settled - before) / HOSTS,
    poisoned: g.hostsWithUnrecoveredPoison,
    hostEvents: counts.hostEvents,
  };
}

/** deterministic junk: printable ASCII of varying length, some with a kernel-looking prefix */
function garbagePool(n: number): string[] {
  let a = 12345;
  const r = (): number => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 4294967296;
  };
  const pool: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 8 + Math.floor(r() * 300);
    let s = '';
    for (let k = 0; k < len; k++) s += String.fromCharCode(32 + Math.floor(r() * 95));
    pool.push(s);
  }
  return pool;
}

function measureFlood(): {
  samples: number[];
  before: number;
  maxGrowth: number;
  lastGrowth: number;
  ms: number;
} {
  const pool = garbagePool(4096);
  let p: Pipeline | null = newPipeline(DEFAULT_LIMITS.maxHosts);
  const before = heap();
  const samples: number[] = [];
  const stepUs = 1_000_000 / FLOOD_RATE;
  let watermark = Number.NEGATIVE_INFINITY;
  const host = hostName(0);
  const start = performance.now();
  let i = 0;
  for (let sec = 0; sec < FLOOD_SECONDS; sec++) {
    for (let k = 0; k < FLOOD_RATE; k++, i++) {
      const ts = T0_US + Math.floor(i * stepUs);
      const tick = Math.floor(ts / 1_000_000) * 1_000_000;
      if (tick > watermark) {
        watermark = tick;
        p.advance(tick);
      }
      let message: string;
      const m = i % 1000;
      if (m === 0) message = 'BUG: unable to handle page fault for address: ffff8f3a4272d040';
      else if (m < 30) message = 'Call Trace:';
      else if (m < 40)
        message = `Memory failure: 0x${(0x100000 + i).toString(16)}: recovery action for get hwpoison page: Ignored`;
      else if (m < 50)
        message = `EDAC MC0: 1 CE memory read error on DIMM_A1 (channel:0 slot:0 page:0x${(i & 0xffffff).toString(16)} offset:0x0 grain:32 syndrome:0x0)`;
      else message = pool[i % pool.length] as string;
      p.process({
        host,
        boot_id: 'f1f1f1f1-6b77-4c2e-9a51-4bd5d0b3e2a1',
        ts,
        uptime_us: ts - BOOT_US,
        seq: i,
        priority: 6,
        message,
        arch: 'x86_64',
        kernel_release: '6.12.48-1.el9.x86_64',
        source: 'kmsg',
        caller: null,
      });
    }
    p.takeDirtyHosts();
    samples.push(heap() - before);
    log(`flood: ${sec + 1} s of event time, heap +${((samples.at(-1) as number) / 1e6).toFixed(1)} MB`);
  }
  const ms = performance.now() - start;
  p = null;
  return {
    samples,
    before,
    maxGrowth: Math.max(...samples),
    lastGrowth: samples.at(-1) as number,
    ms,
  };
}

const result: Record<string, unknown> = {
  part: 'memory',
  machine: machine(),
  execArgv: process.execArgv,
  hosts: HOSTS,
  runs: RUNS,
};
if (PARTS.includes('idle') || PARTS.includes('incident')) {
  const base: number[] = [];
  const idle: number[] = [];
  const open: number[] = [];
  const settled: number[] = [];
  let poisoned = 0;
  let hostEvents = 0;
  for (let r = 0; r < RUNS; r++) {
    base.push(measureBaseline());
    if (PARTS.includes('idle')) idle.push(measureIdle());
    if (PARTS.includes('incident')) {
      const x = measureIncident();
      open.push(x.open);
      settled.push(x.settled);
      poisoned = x.poisoned;
      hostEvents = x.hostEvents;
    }
    log(
      `memory run ${r + 1}/${RUNS}: baseline ${base.at(-1)?.toFixed(0)} B/host, idle ${idle.at(-1)?.toFixed(0) ?? '-'} B/host, incident ${open.at(-1)?.toFixed(0) ?? '-'} B/host open, ${settled.at(-1)?.toFixed(0) ?? '-'} B/host settled`,
    );
  }
  result.baselineBytesPerHost = summarize(base);
  if (idle.length > 0) result.idleBytesPerHost = summarize(idle);
  if (open.length > 0) {
    result.incidentOpenBytesPerHost = summarize(open);
    result.incidentSettledBytesPerHost = summarize(settled);
    result.hostsWithUnrecoveredPoison = poisoned;
    result.hostEventsEmitted = hostEvents;
  }
}
if (PARTS.includes('flood')) {
  const runs: ReturnType<typeof measureFlood>[] = [];
  const floodRuns = Math.max(1, Math.min(RUNS, flag('flood-runs', RUNS)));
  for (let r = 0; r < floodRuns; r++) runs.push(measureFlood());
  result.flood = {
    rate: FLOOD_RATE,
    seconds: FLOOD_SECONDS,
    lines: FLOOD_RATE * FLOOD_SECONDS,
    runs: floodRuns,
    heapBeforeBytes: runs[0]?.before,
    firstToLastBytes: summarize(runs.map((x) => (x.samples.at(-1) as number) - (x.samples[0] as number))),
    maxGrowthBytes: summarize(runs.map((x) => x.maxGrowth)),
    lastGrowthBytes: summarize(runs.map((x) => x.lastGrowth)),
    linesPerSecond: summarize(runs.map((x) => (FLOOD_RATE * FLOOD_SECONDS * 1000) / x.ms)),
    growthPerSecond: runs[0]?.samples,
  };
}
report(result);
