/** fast-check generators of one host's correlator inputs, built from the builders' real-format lines. */
import fc from 'fast-check';
import type { CorrelateInput } from '../../src/correlate/types.js';
import {
  C,
  crash,
  edacCe,
  edacUe,
  ghes,
  H,
  M,
  marker,
  mceRecord,
  mfUnhandlable,
  mfVerdict,
  MIN,
  SEC,
  T0,
} from './builders.js';

const PFNS = [0x40272d, 0x7e025e, 0x1234, 0x8a398a];
const PAGE_TYPES = [
  'get hwpoison page',
  'reserved kernel page',
  'dirty LRU page',
  'already poisoned page',
  'unknown page',
];
const RESULTS = ['Ignored', 'Failed', 'Recovered', 'Delayed'] as const;
const BOOTS = ['boot-a', 'boot-b', null] as const;

const op = fc.record({
  kind: fc.integer({ min: 0, max: 11 }),
  pfn: fc.constantFrom(...PFNS),
  pageType: fc.constantFrom(...PAGE_TYPES),
  result: fc.constantFrom(...RESULTS),
  /** event-time step: mostly forward, sometimes back (late data) */
  dt: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 * SEC }) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 * MIN }) },
    { weight: 1, arbitrary: fc.integer({ min: -15 * MIN, max: 0 }) },
  ),
  boot: fc.constantFrom(...BOOTS),
  taintM: fc.boolean(),
  touch: fc.boolean(),
  seq: fc.integer({ min: 0, max: 1_000_000 }),
});

/** A host's input sequence (host name filled in by the caller's builders). */
export function hostInputs(host: string, maxLength = 30): fc.Arbitrary<CorrelateInput[]> {
  return fc.array(op, { minLength: 1, maxLength }).map((ops) => {
    let t = T0;
    const out: CorrelateInput[] = [];
    for (const o of ops) {
      t += o.dt;
      const b = { ts: t, bootId: o.boot };
      switch (o.kind) {
        case 0:
          out.push(H(ghes(o.pfn * 4096 + 0x80, 'uncorrected', b)));
          break;
        case 1:
          out.push(H(edacUe(o.pfn, b)));
          break;
        case 2:
          out.push(H(mfUnhandlable(o.pfn, b)));
          break;
        case 3:
        case 4:
          out.push(H(mfVerdict(o.pfn, o.pageType, o.result, b)));
          break;
        case 5:
          out.push(H(edacCe(o.pfn, 40, b)));
          break;
        case 6:
          out.push(
            H(mceRecord(o.pfn * 4096, 'uncorrected', { ...b, uptimeUs: o.touch ? 2 * SEC : 900 * SEC })),
          );
          break;
        case 7:
          out.push(M(marker('BOOT', 'Linux version 6.16.1 (builder@host) #1 SMP', { ...b, uptimeUs: 0 })));
          break;
        case 8:
          out.push(M(marker('INJECTION', 'Injecting memory failure at pfn 0x1234', { ...b, pfn: 0x1234 })));
          break;
        case 9:
          out.push({ type: 'boot', bootId: o.boot, ts: t });
          break;
        default:
          out.push(
            C(
              crash(
                t,
                { taint: o.taintM ? 'GM' : 'G', pfns: o.touch ? [o.pfn] : [] },
                { bootId: o.boot, seq: o.seq, host },
              ),
            ),
          );
      }
    }
    return out.map((i) => withHost(i, host));
  });
}

function withHost(i: CorrelateInput, host: string): CorrelateInput {
  if (i.type === 'crash') return { type: 'crash', report: { ...i.report, host } };
  return i;
}
