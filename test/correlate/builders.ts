/**
 * Small builders for correlator tests. Lines follow the kernel's format strings
 * (../shared/reference/kernel-formats.md §2–§6); ReportAnalysis is filled by hand.
 */
import { DEFAULT_CORRELATION, DEFAULT_LIMITS } from '../../src/model/config.js';
import type { CrashReport, ReportAnalysis } from '../../src/model/crash.js';
import type { HwResult, HwSignal, HwSource, MarkerSignal, Severity } from '../../src/model/signal.js';
import { NO_KNOWN_ISSUES } from '../../src/classify/known-issues.js';
import type { KnownIssueRules } from '../../src/classify/known-issues.js';
import { advance, newHostState, step } from '../../src/correlate/reducer.js';
import type { CorrelateContext, CorrelateInput, HostState, StepResult } from '../../src/correlate/types.js';
import type { HostHardwareEvent, TriagedCrash } from '../../src/model/verdict.js';

export const HOST = 'web-0042.fleet';
export const BOOT_A = '6f1c2a3e-0b1d-4c5e-9f10-1a2b3c4d5e6f';
export const BOOT_B = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
/** 2026-03-20 13:13:08 UTC in µs */
export const T0 = 1_774_012_388_000_000;
export const SEC = 1_000_000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;

export function ctx(
  overrides: Partial<CorrelateContext['config']> = {},
  rules: KnownIssueRules = NO_KNOWN_ISSUES,
  limits: Partial<CorrelateContext['limits']> = {},
): CorrelateContext {
  return {
    config: { ...DEFAULT_CORRELATION, ...overrides },
    limits: { ...DEFAULT_LIMITS, ...limits },
    rules,
  };
}

const hex = (n: number): string => `0x${n.toString(16)}`;

interface HwOpts {
  ts: number;
  bootId?: string | null;
  uptimeUs?: number | null;
  synthetic?: boolean;
  host?: string;
}

function hw(
  source: HwSource,
  severity: Severity,
  result: HwResult,
  pfn: number | null,
  line: string,
  o: HwOpts,
  extra: Partial<HwSignal> = {},
): HwSignal {
  return {
    type: 'hw',
    source,
    severity,
    pfn,
    physAddr: null,
    pageType: null,
    result,
    synthetic: o.synthetic ?? false,
    count: 1,
    recognizer: `test-${source.toLowerCase()}`,
    line,
    ts: o.ts,
    uptimeUs: o.uptimeUs ?? null,
    bootId: o.bootId === undefined ? BOOT_A : o.bootId,
    ...extra,
  };
}

/** `Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored` (action_result) */
export function mfVerdict(pfn: number, pageType: string, result: HwResult, o: HwOpts): HwSignal {
  return hw(
    'MEMORY_FAILURE',
    'uncorrected',
    result,
    pfn,
    `Memory failure: ${hex(pfn)}: recovery action for ${pageType}: ${result}`,
    o,
    { pageType },
  );
}

/** `Memory failure: 0x40272d: unhandlable page.` (get_any_page) */
export function mfUnhandlable(pfn: number, o: HwOpts): HwSignal {
  return hw(
    'MEMORY_FAILURE',
    'uncorrected',
    'Unhandlable',
    pfn,
    `Memory failure: ${hex(pfn)}: unhandlable page.`,
    o,
    {
      pageType: 'unhandlable page.',
    },
  );
}

/** `Memory failure: 0x40272d: already hardware poisoned` (≤≈6.10) */
export function mfAlreadyPoisonedOld(pfn: number, o: HwOpts): HwSignal {
  return hw(
    'MEMORY_FAILURE',
    'uncorrected',
    'AlreadyPoisoned',
    pfn,
    `Memory failure: ${hex(pfn)}: already hardware poisoned`,
    o,
  );
}

/** `{1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784` with its CPER body */
export function ghes(physAddr: number, severity: Severity, o: HwOpts, seqno = 1): HwSignal {
  return hw(
    'GHES',
    severity,
    'Reported',
    Math.floor(physAddr / 4096),
    `{${seqno}}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784`,
    o,
    { physAddr },
  );
}

/** ghes_edac `EDAC MC0: 1 UE multi-bit ECC on unknown memory (... page:0x40272d offset:0x5080 grain:4096 - ...)` */
export function edacUe(pfn: number, o: HwOpts): HwSignal {
  return hw(
    'EDAC',
    'uncorrected',
    'Reported',
    pfn,
    `EDAC MC0: 1 UE multi-bit ECC on unknown memory (node:0 card:0 module:1 rank:1 bank:13 device:6 row:64114 column:832 requestor_id:0x0000000000000027 DIMM location: not present. DMI handle: 0x000e page:${hex(pfn)} offset:0x5080 grain:4096 - APEI location: node:0)`,
    o,
  );
}

/** `EDAC MC1: 262 CE memory scrubbing error on CPU_SrcID#1_Ha#0_Chan#0_DIMM#0 (channel:0 slot:0 page:0xee30a0 offset:0x0 grain:32 syndrome:0x0 -  area:DRAM)` */
export function edacCe(pfn: number, count: number, o: HwOpts): HwSignal {
  return hw(
    'EDAC',
    'corrected',
    'Reported',
    pfn,
    `EDAC MC1: ${count} CE memory scrubbing error on CPU_SrcID#1_Ha#0_Chan#0_DIMM#0 (channel:0 slot:0 page:${hex(pfn)} offset:0x0 grain:32 syndrome:0x0 -  area:DRAM)`,
    o,
    { count },
  );
}

/** `mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 4: fe00000000800400` block with `ADDR` */
export function mceRecord(physAddr: number | null, severity: Severity, o: HwOpts): HwSignal {
  return hw(
    'MCE',
    severity,
    'Reported',
    physAddr === null ? null : Math.floor(physAddr / 4096),
    'mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 4: fe00000000800400',
    o,
    { physAddr },
  );
}

export function marker(
  kind: MarkerSignal['marker'],
  line: string,
  o: HwOpts & { pfn?: number | null },
): MarkerSignal {
  return {
    type: 'marker',
    marker: kind,
    pfn: o.pfn ?? null,
    line,
    ts: o.ts,
    uptimeUs: o.uptimeUs ?? null,
    bootId: o.bootId === undefined ? BOOT_A : o.bootId,
  };
}

export function analysis(overrides: Partial<ReportAnalysis> = {}): ReportAnalysis {
  return {
    kind: 'OOPS',
    title: 'BUG: unable to handle kernel paging request in d_lookup',
    altTitles: [],
    type: 'BUG',
    guiltyFrame: 'd_lookup',
    frames: ['d_lookup', 'lookup_fast', 'walk_component', 'path_lookupat'],
    taint: null,
    kernelRelease: '6.16.1-0_fbk2_0_gf40efc324cc8',
    corrupted: false,
    panicked: false,
    hwSignature: false,
    inPoisonHandler: false,
    pfns: [],
    ...overrides,
  };
}

export function crash(
  ts: number,
  a: Partial<ReportAnalysis> = {},
  o: {
    bootId?: string | null;
    seq?: number | null;
    arch?: string;
    lines?: string[];
    uptimeUs?: number | null;
    host?: string;
  } = {},
): CrashReport {
  return {
    host: o.host ?? HOST,
    bootId: o.bootId === undefined ? BOOT_A : o.bootId,
    arch: o.arch ?? 'aarch64',
    kernelRelease: '6.16.1-0_fbk2_0_gf40efc324cc8',
    ts,
    uptimeUs: o.uptimeUs ?? null,
    firstSeq: o.seq === undefined ? 1234 : o.seq,
    lines: o.lines ?? [
      'Internal error: synchronous external abort: 0000000096000410 [#1]  SMP',
      'CPU: 70 UID: 34133 PID: 640437 Comm: Collection-20 Kdump: loaded Tainted: G   M        E       6.16.1-0_fbk2_0_gf40efc324cc8 #1 NONE ',
      'pc : d_lookup+0x5c/0x220',
      'Call trace:',
      ' d_lookup+0x5c/0x220 (P)',
    ],
    truncatedLines: 0,
    analysis: analysis(a),
  };
}

export interface RunOutput {
  state: HostState;
  verdicts: TriagedCrash[];
  hostEvents: HostHardwareEvent[];
  late: string[];
  evictions: StepResult['evictions'];
}

export type RunItem = CorrelateInput | { type: 'advance'; wm: number };

/** Feeds one host's inputs in order, then flushes with a final watermark unless told not to. */
export function run(
  items: RunItem[],
  c: CorrelateContext,
  opts: { flush?: boolean; host?: string } = {},
): RunOutput {
  let state = newHostState(opts.host ?? HOST);
  const out: RunOutput = { state, verdicts: [], hostEvents: [], late: [], evictions: [] };
  const take = (r: StepResult): void => {
    state = r.state;
    out.verdicts.push(...r.verdicts);
    out.hostEvents.push(...r.hostEvents);
    out.late.push(...r.late);
    out.evictions.push(...r.evictions);
  };
  for (const item of items) {
    if (item.type === 'advance') take(advance(state, item.wm, c));
    else take(step(state, item, c));
  }
  if (opts.flush !== false) take(advance(state, Number.MAX_SAFE_INTEGER, c));
  out.state = state;
  return out;
}

export const H = (signal: HwSignal): CorrelateInput => ({ type: 'hw', signal });
export const M = (signal: MarkerSignal): CorrelateInput => ({ type: 'marker', signal });
export const C = (report: CrashReport): CorrelateInput => ({ type: 'crash', report });

/** The obs-01 sequence: GHES record, ghes_edac UE, `unhandlable page.`, `get hwpoison page: Ignored`. */
export function obs01Fault(t: number, pfn = 0x40272d, o: Partial<HwOpts> = {}): CorrelateInput[] {
  // obs 01 is an arm64 64 KiB-page kernel: phys = pfn << 16 | 0x5080; the GHES recognizer's pfn is phys >> 12
  const phys = pfn * 65536 + 0x5080;
  return [
    H(ghes(phys, 'uncorrected', { ts: t, ...o })),
    H(edacUe(pfn, { ts: t + 969, ...o })),
    H(mfUnhandlable(pfn, { ts: t + 19_560, ...o })),
    H(mfVerdict(pfn, 'get hwpoison page', 'Ignored', { ts: t + 19_706, ...o })),
  ];
}
