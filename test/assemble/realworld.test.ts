/**
 * Every realworld log (../shared/corpus/realworld): the hardware lines its .meta.md names come out
 * with the right source, pfn, result and synthetic flag, and its crashes are assembled. The
 * expectations were worked out by hand from the sidecars and the kernel formats, not copied from
 * the code's output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HwResult, HwSignal, HwSource } from '../../src/model/signal.js';
import { evalRealworld, runLog } from '../../scripts/eval/realworld.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const DIR = path.join(CORPUS, 'realworld');

function load(prefix: string) {
  const name = readFileSync(path.join(DIR, 'README.md'), 'utf8').match(
    new RegExp(`\`(${prefix}-[^\`]+)\``),
  )?.[1];
  if (name === undefined) throw new Error(`no realworld file ${prefix}`);
  const run = runLog(readFileSync(path.join(DIR, `${name}.log`), 'utf8'));
  const hw = run.signals.filter((s): s is HwSignal => s.type === 'hw');
  const markers = run.signals.filter((s) => s.type === 'marker');
  return { ...run, hw, markers };
}

type Expect = [HwSource, number | null, HwResult, boolean];
const brief = (s: HwSignal): Expect => [s.source, s.pfn, s.result, s.synthetic];

describe('realworld logs', () => {
  it('01: GHES + EDAC + memory-failure on pfn 0x40272d (64 KiB pages), then the SEA in d_lookup', () => {
    const r = load('01');
    expect(r.hw.map(brief)).toEqual([
      ['GHES', 0x40272d, 'Reported', false],
      ['EDAC', 0x40272d, 'Reported', false],
      ['MEMORY_FAILURE', 0x40272d, 'Unhandlable', false],
      ['MEMORY_FAILURE', 0x40272d, 'Ignored', false],
      ['SEA', null, 'Reported', false],
    ]);
    expect(r.hw[0]).toMatchObject({ severity: 'uncorrected', physAddr: 0x40272d5080 });
    expect(r.hw[3]?.pageType).toBe('get hwpoison page');
    expect(r.reports).toHaveLength(1);
    const lines = r.reports[0]?.lines ?? [];
    expect(lines[0]).toBe('Internal error: synchronous external abort: 0000000096000410 [#1]  SMP');
    expect(lines).toContain(' d_lookup+0x5c/0x220 (P)');
    expect(lines).toContain(' el0t_64_sync+0x17c/0x180');
    expect(lines.some((l) => l.includes('[Hardware Error]'))).toBe(false);
  });

  it('03: the verdict and the memory-failure panic on pfn 0x2', () => {
    const r = load('03');
    expect(r.hw.map(brief)).toEqual([
      ['MEMORY_FAILURE', 0x2, 'Ignored', false],
      ['MEMORY_FAILURE', 0x2, 'Panic', false],
    ]);
    expect(r.hw[0]?.pageType).toBe('reserved kernel page');
    const rep = r.reports.find(
      (x) => x.lines[0] === 'Kernel panic - not syncing: Memory failure: 0x2: unrecoverable page',
    );
    expect(rep?.lines).toContain(' action_result+0x278/0x340');
  });

  it('04: the panic on pfn 0x2a00 without a preceding `unhandlable page.`', () => {
    const r = load('04');
    expect(r.hw.map(brief)).toEqual([
      ['MEMORY_FAILURE', 0x2a00, 'Ignored', false],
      ['MEMORY_FAILURE', 0x2a00, 'Panic', false],
    ]);
    expect(
      r.reports.some(
        (x) => x.lines[0] === 'Kernel panic - not syncing: Memory failure: 0x2a00: unrecoverable page',
      ),
    ).toBe(true);
  });

  it('06: the SNP flood of unknown-page verdicts is software poison', () => {
    const r = load('06');
    expect(r.hw).toHaveLength(36);
    expect(r.hw.every((s) => s.source === 'MEMORY_FAILURE' && s.synthetic)).toBe(true);
    expect(r.hw[0]).toMatchObject({ pfn: 0x30a6a17, result: 'Ignored', pageType: 'unknown page' });
    expect(r.hw.at(-1)).toMatchObject({ pfn: 0x30a6a48, result: 'Unhandlable' });
    expect(r.reports).toHaveLength(0);
  });

  it('07: a fatal machine check with no address, then the MCE panic', () => {
    const r = load('07');
    expect(r.hw.map(brief)).toEqual([['MCE', null, 'Reported', false]]);
    expect(r.hw[0]?.severity).toBe('fatal');
    expect(r.reports.some((x) => x.lines.includes('Kernel panic - not syncing: Fatal machine check'))).toBe(
      true,
    );
  });

  it('08: corrected error through MCE, the sbridge decode and the EDAC CE line on pfn 0xee30a0', () => {
    const r = load('08');
    expect(r.hw.map(brief)).toEqual([
      ['MCE', null, 'Reported', false],
      ['EDAC', 0xee30a0, 'Reported', false],
      ['EDAC', 0xee30a0, 'Reported', false],
    ]);
    expect(r.hw.map((s) => s.severity)).toEqual(['corrected', 'corrected', 'corrected']);
    expect(r.reports).toHaveLength(0);
  });

  it('10: the boot-time MCE record: fatal, ADDR fef4c9e0 → pfn 0xfef4c', () => {
    const r = load('10');
    expect(r.hw.map(brief)).toEqual([
      ['MCE', null, 'Reported', false],
      ['MCE', 0xfef4c, 'Reported', false],
    ]);
    expect(r.hw[1]).toMatchObject({ severity: 'fatal', physAddr: 0xfef4c9e0, uptimeUs: 64_265 });
    expect(r.reports).toHaveLength(0);
  });

  it('11: the emulated MCE: verdict on 0x61646, then unpoison and the late fault-path kill as synthetic', () => {
    const r = load('11');
    expect(r.hw.map(brief)).toEqual([
      ['MCE', null, 'Reported', false],
      ['MEMORY_FAILURE', 0x61646, 'Recovered', false],
      ['MEMORY_FAILURE', 0x61646, 'Unpoisoned', true],
      ['MEMORY_FAILURE', null, 'Killed', true],
    ]);
  });

  it('12: UFFDIO_POISON kills with no hardware error are synthetic and carry no pfn', () => {
    const r = load('12');
    expect(r.hw).toHaveLength(18);
    expect(
      r.hw.every((s) => s.result === 'Killed' && s.pfn === null && s.physAddr === null && s.synthetic),
    ).toBe(true);
  });

  it('13: AEST records and verdicts on pfn 0x43344, the second one `already poisoned page: Failed`', () => {
    const r = load('13');
    expect(r.hw.map(brief)).toEqual([
      ['GHES', 0x43344, 'Reported', false],
      ['MEMORY_FAILURE', 0x43344, 'Recovered', false],
      ['GHES', 0x43344, 'Reported', false],
      ['MEMORY_FAILURE', 0x43344, 'Failed', false],
    ]);
    expect(r.hw.map((s) => s.pageType)).toEqual([null, 'free buddy page', null, 'already poisoned page']);
  });

  it('15: mce-inject’s MCE is synthetic; the Oops inside memory_failure is assembled', () => {
    const r = load('15');
    expect(r.hw.map(brief)).toEqual([['MCE', null, 'Reported', true]]);
    expect(r.markers).toHaveLength(1);
    expect(r.reports).toHaveLength(1);
    expect(r.reports[0]?.lines[0]).toBe(
      'BUG: unable to handle kernel NULL pointer dereference at 0000000000000058',
    );
    expect(r.reports[0]?.lines).toContain('Oops: 0000 [#1] SMP');
  });

  it('16: madvise injections with the old `MCE 0x..:` prefix are synthetic', () => {
    const r = load('16');
    expect(r.markers).toHaveLength(10);
    expect(r.hw.map((s) => s.pfn)).toEqual([0x318, 0x319, 0x31a, 0x31b, 0x31c, 0x31d, 0x31e, 0x31f, 0x39df]);
    expect(
      r.hw.every((s) => s.result === 'Recovered' && s.synthetic && s.pageType === 'dirty LRU page'),
    ).toBe(true);
  });

  it('18: old arm64 SEA (`Unhandled fault` + `Internal error: : 96000210`) and its Oops', () => {
    const r = load('18');
    expect(r.hw.map((s) => [s.source, s.severity])).toEqual([
      ['SEA', 'uncorrected'],
      ['SEA', 'fatal'],
    ]);
    expect(r.reports.some((x) => x.lines.includes('Internal error: : 96000210 [#1] SMP'))).toBe(true);
  });

  it('19: user-space SEAs are hardware signals without a pfn', () => {
    const r = load('19');
    expect(r.hw).toHaveLength(12);
    expect(r.hw.every((s) => s.source === 'SEA' && s.pfn === null && !s.synthetic)).toBe(true);
  });

  it('21: the SError (old 32-bit code) is a fatal SERROR and starts the report', () => {
    const r = load('21');
    expect(r.hw.map((s) => [s.source, s.severity])).toEqual([['SERROR', 'fatal']]);
    expect(r.reports).toHaveLength(1);
    expect(r.reports[0]?.lines[0]).toBe('SError Interrupt on CPU3, code 0xbe000011 -- SError');
  });

  it('23: a bit-flip crash with no hardware report gives no hardware signal', () => {
    const r = load('23');
    expect(r.hw).toEqual([]);
    expect(
      r.reports.some((x) => x.lines.includes('Internal error: ttbr address size fault: 96000040 [#1] SMP')),
    ).toBe(true);
  });

  it('25: soft offline (old lower-case prefix, caller ids) next to madvise soft-offline markers is synthetic', () => {
    const r = load('25');
    expect(r.hw.map(brief)).toEqual([
      ['MEMORY_FAILURE', 0x956000, 'SoftOffline', true],
      ['MEMORY_FAILURE', 0x8a000, 'SoftOffline', true],
    ]);
    expect(r.markers.map((m) => m.pfn)).toEqual([0x8e000, 0x8a000]);
    expect(r.events[0]?.caller).toBe('T3706');
  });

  it('27: a recovered UE and the CE storm, including the line spliced with firmware output', () => {
    const r = load('27');
    expect(r.hw[0]).toMatchObject({
      source: 'MEMORY_FAILURE',
      pfn: 0x7740c0,
      result: 'Recovered',
      pageType: 'dirty page',
      synthetic: false,
    });
    expect(r.hw.slice(1).map((s) => [s.source, s.severity, s.count, s.pfn])).toEqual([
      ['EDAC', 'uncorrected', 1, null],
      ['EDAC', 'corrected', 2, null],
      ['EDAC', 'corrected', 1, null],
      ['EDAC', 'corrected', 1, null],
      ['EDAC', 'corrected', 1, null],
      ['EDAC', 'corrected', 1, null],
      ['EDAC', 'corrected', 3, null],
    ]);
  });

  it('the evaluation finds no miss on the visible logs', async () => {
    const r = await evalRealworld(CORPUS);
    expect(r.lines.filter((l) => l.includes('MISS'))).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
