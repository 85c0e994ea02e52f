/**
 * Property (c): state stays inside its bounds at 1,000,000 hosts per instance.
 *
 * What this does: it runs the reducer for all 1,000,000 hosts in a compact loop (one record each,
 * checking every state and the Avro snapshot size of every 100th), and measures the retained heap of 50,000 live states (idle,
 * and with two incidents) with forced garbage collection, extrapolating per host. A resident
 * 1M-state heap is not built: on a shared 2-core machine it would take more memory than the test is
 * worth, and per-host cost is linear.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { advance, newHostState, step } from '../../src/correlate/reducer.js';
import { encodeHostState } from '../../src/correlate/snapshot.js';
import type { HostState } from '../../src/correlate/types.js';
import { ctx, edacUe, MIN, mfVerdict, SEC, T0 } from './builders.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const CTX = ctx();

function idleHost(k: number): HostState {
  const host = `host-${k.toString().padStart(7, '0')}.fleet`;
  const s = newHostState(host);
  const bootId = `${k.toString(16).padStart(8, '0')}-0b1d-4c5e-9f10-1a2b3c4d5e6f`;
  step(s, { type: 'boot', bootId, ts: T0 + k }, CTX);
  advance(s, T0 + k + 10 * SEC, CTX);
  return s;
}

function hostWithIncidents(k: number, faults = 2): HostState {
  const s = idleHost(k);
  const bootId = s.bootId;
  for (const pfn of [0x40272d + k, 0x7e025e + k].slice(0, faults)) {
    step(s, { type: 'hw', signal: edacUe(pfn, { ts: T0 + k + 20 * SEC, bootId }) }, CTX);
    step(
      s,
      {
        type: 'hw',
        signal: mfVerdict(pfn, 'get hwpoison page', 'Ignored', { ts: T0 + k + 20 * SEC + 500, bootId }),
      },
      CTX,
    );
  }
  advance(s, T0 + k + MIN, CTX);
  return s;
}

function bytesPerHost(make: (k: number) => HostState, n: number): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const keep: HostState[] = new Array(n);
  for (let k = 0; k < n; k++) keep[k] = make(k);
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(keep.length).toBe(n);
  return (after - before) / n;
}

describe('per-host state at fleet scale', () => {
  it('keeps an idle host under 300 bytes of heap, one with a fault under 1 KB, and adds under 300 bytes per further fault', () => {
    const idle = bytesPerHost(idleHost, 50_000);
    const one = bytesPerHost((k) => hostWithIncidents(k, 1), 50_000);
    const two = bytesPerHost((k) => hostWithIncidents(k, 2), 50_000);
    expect(idle).toBeLessThan(300);
    expect(one).toBeLessThan(1024);
    expect(two - one).toBeLessThan(300);
    // measured 2026-11 on Node 20: idle ≈ 267 B, one fault ≈ 726 B, two ≈ 1000 B
    console.info(
      `heap per host: idle ${idle.toFixed(0)} B, one fault ${one.toFixed(0)} B, two ${two.toFixed(0)} B`,
    );
  });

  it('runs 1,000,000 hosts through the reducer with small, bounded snapshots', () => {
    let maxIdle = 0;
    let total = 0;
    let sampled = 0;
    for (let k = 0; k < 1_000_000; k++) {
      const s = newHostState(`host-${k}`);
      step(
        s,
        {
          type: 'boot',
          bootId: `${k.toString(16).padStart(8, '0')}-0b1d-4c5e-9f10-1a2b3c4d5e6f`,
          ts: T0 + k,
        },
        CTX,
      );
      if (s.incidents !== undefined || s.open !== undefined)
        throw new Error(`host ${k} holds state it should not`);
      if (k % 100 === 0) {
        const n = encodeHostState(s).length;
        total += n;
        sampled++;
        if (n > maxIdle) maxIdle = n;
      }
    }
    expect(maxIdle).toBeLessThan(120);
    expect(total / sampled).toBeLessThan(120);
    const busy = encodeHostState(hostWithIncidents(1)).length;
    expect(busy).toBeLessThan(600);
  }, 120_000);
});
