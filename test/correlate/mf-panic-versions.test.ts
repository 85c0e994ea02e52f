/**
 * The memory-failure panic of every version of the "add panic option for unrecoverable pages"
 * series (reference/kernel-formats.md §3): the verdict line before the panic differs by version.
 */
import { describe, expect, it } from 'vitest';
import type { CorrelateInput } from '../../src/correlate/types.js';
import { C, crash, ctx, H, mfUnhandlable, mfVerdict, run, T0 } from './builders.js';

const PFN = 0x40272d;

interface Version {
  version: string;
  unhandlable: boolean;
  pageType: string;
}

const VERSIONS: Version[] = [
  { version: 'v1', unhandlable: false, pageType: 'get hwpoison page' },
  { version: 'v2-v5 PageReserved', unhandlable: false, pageType: 'reserved kernel page' },
  { version: 'v2-v5 high order', unhandlable: false, pageType: 'high-order kernel page' },
  { version: 'v2-v5 unknown', unhandlable: false, pageType: 'unknown page' },
  { version: 'v6', unhandlable: true, pageType: 'kernel page' },
  { version: 'v7', unhandlable: false, pageType: 'reserved kernel page' },
  { version: 'v8', unhandlable: true, pageType: 'reserved kernel page' },
  { version: 'v9', unhandlable: true, pageType: 'reserved kernel page' },
  { version: 'v10', unhandlable: true, pageType: 'reserved kernel page' },
];

function panicReport(ts: number, hwSignature = true) {
  return crash(
    ts,
    {
      kind: 'MEMORY_FAILURE_PANIC',
      title: 'Kernel panic - not syncing: Memory failure: unrecoverable page',
      type: 'PANIC',
      guiltyFrame: 'memory_failure',
      frames: ['panic', 'action_result', 'memory_failure', 'memory_failure_work_func', 'process_one_work'],
      hwSignature,
      inPoisonHandler: hwSignature,
      panicked: true,
      pfns: [PFN],
    },
    {
      arch: 'x86_64',
      lines: [
        'Kernel panic - not syncing: Memory failure: 0x40272d: unrecoverable page',
        'CPU: 3 UID: 0 PID: 120 Comm: kworker/3:1 Tainted: G   M                 7.0.0-rc3+ #10 PREEMPT(voluntary) ',
        'Call Trace:',
        ' <TASK>',
        ' panic+0x33a/0x390',
        ' action_result+0x8f/0xa0',
        ' memory_failure+0x6c1/0x9a0',
      ],
    },
  );
}

describe('memory-failure panic of every patch version', () => {
  for (const v of VERSIONS) {
    it(`${v.version}: ${v.unhandlable ? 'unhandlable page. + ' : ''}${v.pageType}: Ignored, then the panic, is HW_SIGNATURE with the page as HIGH evidence and DRAIN`, () => {
      const items: CorrelateInput[] = [];
      if (v.unhandlable) items.push(H(mfUnhandlable(PFN, { ts: T0 })));
      items.push(H(mfVerdict(PFN, v.pageType, 'Ignored', { ts: T0 + 150 })));
      items.push(C(panicReport(T0 + 300)));
      const out = run(items, ctx());
      expect(out.verdicts).toHaveLength(1);
      const verdict = out.verdicts[0]!;
      expect([verdict.category, verdict.reason, verdict.confidence]).toEqual([
        'HARDWARE',
        'HW_SIGNATURE',
        'HIGH',
      ]);
      expect(verdict.guilty_frame).toBe('memory_failure');
      expect(verdict.evidence.map((e) => [e.pfn, e.page_type, e.result, e.confidence, e.same_boot])).toEqual([
        [PFN, v.pageType, 'Ignored', 'HIGH', true],
      ]);
      expect(out.hostEvents.map((e) => [e.advice, e.page_type, e.reports])).toEqual([
        ['DRAIN', v.pageType, v.unhandlable ? 2 : 1],
      ]);
    });
  }

  it('treats the memory-failure panic kind as a hardware signature even if the analyzer flag is off', () => {
    const out = run([C(panicReport(T0, false))], ctx());
    expect(out.verdicts[0]!.reason).toBe('HW_SIGNATURE');
  });

  it('classifies the old `Memory failure on page` panic (memory_failure_recovery=0) with no earlier lines', () => {
    const report = panicReport(T0);
    report.lines = ['Kernel panic - not syncing: Memory failure on page 40272d'];
    const out = run([C(report)], ctx());
    expect([out.verdicts[0]!.reason, out.verdicts[0]!.evidence]).toEqual(['HW_SIGNATURE', []]);
  });
});
