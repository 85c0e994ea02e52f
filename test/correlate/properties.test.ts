import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advance, newHostState, step } from '../../src/correlate/reducer.js';
import { decodeHostState, encodeHostState } from '../../src/correlate/snapshot.js';
import type { CorrelateInput, HostState, StepResult } from '../../src/correlate/types.js';
import { hostInputs } from './arbitraries.js';
import { ctx } from './builders.js';

/** PROPERTY_RUNS=5000 for a longer local search */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const CTX = ctx({}, undefined, { maxIncidentsPerHost: 4 });
const END = Number.MAX_SAFE_INTEGER;

type Tagged = { host: string; input: CorrelateInput };

/** Runs a fleet's interleaved inputs through one map of hosts; returns each host's outputs as JSON lines. */
function runFleet(items: Tagged[]): Map<string, string[]> {
  const states = new Map<string, HostState>();
  const outputs = new Map<string, string[]>();
  const take = (host: string, r: StepResult): void => {
    const list = outputs.get(host) ?? [];
    for (const v of r.verdicts) list.push(JSON.stringify(v));
    for (const e of r.hostEvents) list.push(JSON.stringify(e));
    for (const l of r.late) list.push(`late:${l}`);
    outputs.set(host, list);
  };
  for (const { host, input } of items) {
    const s = states.get(host) ?? newHostState(host);
    const r = step(s, input, CTX);
    states.set(host, r.state);
    take(host, r);
  }
  for (const [host, s] of [...states].sort()) take(host, advance(s, END, CTX));
  return outputs;
}

const fleet = fc
  .tuple(hostInputs('h1', 20), hostInputs('h2', 20), hostInputs('h3', 20))
  .map(([a, b, c]) => [
    a.map((input) => ({ host: 'h1', input })),
    b.map((input) => ({ host: 'h2', input })),
    c.map((input) => ({ host: 'h3', input })),
  ]);

/** Merges per-host lists in an order chosen by `picks`, keeping each host's own order. */
function interleave(lists: Tagged[][], picks: number[]): Tagged[] {
  const idx = lists.map(() => 0);
  const out: Tagged[] = [];
  let p = 0;
  const total = lists.reduce((n, l) => n + l.length, 0);
  while (out.length < total) {
    const live = lists.map((l, k) => (idx[k]! < l.length ? k : -1)).filter((k) => k >= 0);
    const k = live[(picks[p++ % Math.max(1, picks.length)] ?? 0) % live.length]!;
    out.push(lists[k]![idx[k]!]!);
    idx[k]!++;
  }
  return out;
}

describe('correlator properties', () => {
  it('(a) gives every host the same outputs however hosts are interleaved', () => {
    fc.assert(
      fc.property(fleet, fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (lists, picks) => {
        const serial = runFleet(lists.flat());
        const mixed = runFleet(interleave(lists, picks));
        expect(mixed).toEqual(serial);
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) gives byte-identical outputs and state for the same input', () => {
    fc.assert(
      fc.property(hostInputs('h1', 40), (inputs) => {
        const once = (): string => {
          let s = newHostState('h1');
          const parts: string[] = [];
          for (const i of inputs) {
            const r = step(s, i, CTX);
            s = r.state;
            parts.push(JSON.stringify([r.verdicts, r.hostEvents, r.late, r.evictions]));
          }
          return parts.join('\n') + encodeHostState(s).toString('hex');
        };
        expect(once()).toBe(once());
      }),
      { numRuns: RUNS },
    );
  });

  it('restores a state from its Avro snapshot exactly, and continues identically from it', () => {
    fc.assert(
      fc.property(hostInputs('h1', 30), fc.nat(), (inputs, cut) => {
        const k = cut % inputs.length;
        let s = newHostState('h1');
        for (const i of inputs.slice(0, k)) s = step(s, i, CTX).state;
        const bytes = encodeHostState(s);
        const restored = decodeHostState(bytes);
        // equal up to absent-vs-undefined optional fields, and byte-identical when encoded again
        expect(restored).toEqual(s);
        expect(Object.values(restored).includes(undefined)).toBe(false);
        expect(encodeHostState(restored).equals(bytes)).toBe(true);
        let a = s;
        let b = restored;
        for (const i of inputs.slice(k)) {
          const ra = step(a, i, CTX);
          const rb = step(b, i, CTX);
          const outputs = (r: StepResult): string =>
            JSON.stringify([r.verdicts, r.hostEvents, r.late, r.evictions]);
          expect(outputs(rb)).toBe(outputs(ra));
          expect(encodeHostState(rb.state).equals(encodeHostState(ra.state))).toBe(true);
          a = ra.state;
          b = rb.state;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps every per-host structure within its bound, and forgets everything after retention', () => {
    fc.assert(
      fc.property(hostInputs('h1', 60), (inputs) => {
        let s = newHostState('h1');
        for (const i of inputs) {
          s = step(s, i, CTX).state;
          expect(s.incidents?.length ?? 0).toBeLessThanOrEqual(CTX.limits.maxIncidentsPerHost);
          expect(s.open?.length ?? 0).toBeLessThanOrEqual(16);
          expect(s.sigs?.length ?? 0).toBeLessThanOrEqual(4);
          expect(s.inj?.length ?? 0).toBeLessThanOrEqual(8);
          expect(s.prevBoots?.length ?? 0).toBeLessThanOrEqual(3);
          for (const inc of s.incidents ?? []) expect(inc.line.length).toBeLessThanOrEqual(200);
          if (s.incidents) expect(s.incidents.length).toBeGreaterThan(0);
        }
        s = advance(s, (s.lastTs ?? 0) + CTX.limits.retentionMs * 1000 + 3 * 3_600_000_000, CTX).state;
        expect([s.incidents, s.open, s.sigs, s.inj, s.ce]).toEqual([
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
        ]);
        expect(encodeHostState(s).length).toBeLessThan(200);
      }),
      { numRuns: RUNS },
    );
  });
});
