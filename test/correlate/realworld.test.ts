/**
 * End to end over ../shared/corpus/realworld: dmesg text → events (src/decode) → signals and
 * reports (src/parse, src/assemble) → this correlator and classifier. The expected buckets are the
 * ones each file's sidecar `.meta.md` implies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { flushHost, type HostOutput, newHostLineState, processEvent } from '../../src/assemble/host.js';
import { advance, newHostState, step } from '../../src/correlate/reducer.js';
import type { StepResult } from '../../src/correlate/types.js';
import { parseDmesgText } from '../../src/decode/dmesg-reader.js';
import type { HostHardwareEvent, TriagedCrash } from '../../src/model/verdict.js';
import { ctx } from './builders.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = path.resolve(ROOT, '..', 'shared', 'corpus', 'realworld');
const CTX = ctx();

function triage(file: string): { verdicts: TriagedCrash[]; events: HostHardwareEvent[] } {
  const text = readFileSync(path.join(DIR, file), 'utf8');
  const events = parseDmesgText(text, { host: 'rw', bootTimeUs: 1_774_000_000_000_000 });
  const lines = newHostLineState();
  let state = newHostState('rw');
  const verdicts: TriagedCrash[] = [];
  const hostEvents: HostHardwareEvent[] = [];
  const take = (r: StepResult): void => {
    state = r.state;
    verdicts.push(...r.verdicts);
    hostEvents.push(...r.hostEvents);
  };
  const feed = (o: HostOutput): void => {
    for (const s of o.signals)
      take(step(state, s.type === 'hw' ? { type: 'hw', signal: s } : { type: 'marker', signal: s }, CTX));
    for (const report of o.reports) take(step(state, { type: 'crash', report }, CTX));
  };
  for (const e of events) feed(processEvent(lines, e, CTX.limits));
  feed(flushHost(lines, CTX.limits));
  take(advance(state, Number.MAX_SAFE_INTEGER, CTX));
  return { verdicts, events: hostEvents };
}

const NAMES = existsSync(DIR) ? readdirSync(DIR) : [];
const file = (prefix: string): string =>
  NAMES.find((f) => f.startsWith(prefix) && f.endsWith('.log')) ?? `${prefix}missing`;

describe('realworld logs end to end', () => {
  it('finds the realworld corpus beside the repository (../shared/corpus/realworld)', () => {
    expect(existsSync(DIR), `${DIR} is missing`).toBe(true);
  });

  it('01: the SEA in d_lookup 67 s after a GHES-reported, Ignored slab page is HARDWARE with the page as evidence, one DRAIN for the fault', () => {
    const { verdicts, events } = triage(file('01-'));
    expect(verdicts.map((v) => v.category)).toEqual(['HARDWARE']);
    const ev = verdicts[0]!.evidence.find((e) => e.pfn === 0x40272d);
    expect([ev?.page_type, ev?.result, ev?.same_boot, ev?.confidence]).toEqual([
      'get hwpoison page',
      'Ignored',
      true,
      'HIGH',
    ]);
    expect(ev!.seconds_before).toBeGreaterThan(67);
    expect(ev!.seconds_before).toBeLessThan(68);
    expect(events.filter((e) => e.pfn === 0x40272d).map((e) => e.advice)).toEqual(['DRAIN']);
  });

  for (const prefix of ['03-', '04-', '07-', '15-', '18-', '21-']) {
    it(`${prefix.slice(0, 2)}: the crash is itself a hardware error (HARDWARE/HW_SIGNATURE)`, () => {
      const { verdicts } = triage(file(prefix));
      expect(verdicts.length).toBeGreaterThan(0);
      expect(verdicts.map((v) => [v.category, v.reason])).toContainEqual(['HARDWARE', 'HW_SIGNATURE']);
    });
  }

  it('06/12/16: software or test poison floods give no DRAIN advice and no verdict', () => {
    for (const prefix of ['06-', '12-', '16-']) {
      const { verdicts, events } = triage(file(prefix));
      expect(verdicts).toEqual([]);
      expect(events.filter((e) => e.advice === 'DRAIN')).toEqual([]);
    }
  });

  it('10: a machine check printed at boot describes the boot before: REPLACE_AT_MAINTENANCE, not DRAIN', () => {
    const { events } = triage(file('10-'));
    expect(events.map((e) => [e.source, e.advice])).toEqual([['MCE', 'REPLACE_AT_MAINTENANCE']]);
  });

  it('13/27: recovered uncorrected errors advise REPLACE_AT_MAINTENANCE, once per fault', () => {
    expect(triage(file('13-')).events.map((e) => e.advice)).toEqual(['REPLACE_AT_MAINTENANCE']);
    expect(triage(file('27-')).events.map((e) => e.advice)).toEqual(['REPLACE_AT_MAINTENANCE']);
  });

  it('08/25: corrected errors and soft offline give no incident event', () => {
    expect(triage(file('08-')).events).toEqual([]);
    expect(triage(file('25-')).events).toEqual([]);
  });

  it('23: a page-table bit flip with no RAS report is a NEW_CRASH', () => {
    expect(triage(file('23-')).verdicts.map((v) => v.category)).toEqual(['NEW_CRASH']);
  });
});
