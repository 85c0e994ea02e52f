/**
 * Recognizer table tests. Every fixture line is written from the kernel's format string named
 * beside it (reference/kernel-formats.md); pfns and addresses are worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import type { HwResult, HwSource, Severity } from '../../../src/model/signal.js';
import { esrIsExternalAbort, HW_ROWS } from '../../../src/parse/hw/index.js';
import { hw, markers, one, run } from './run.js';

interface Fixture {
  row: string;
  /** format string it follows, for the reader */
  fmt: string;
  line: string;
  source: HwSource;
  severity: Severity;
  result: HwResult;
  pfn: number | null;
  physAddr?: number | null;
  pageType?: string | null;
  count?: number;
}

const FIXTURES: Fixture[] = [
  // mm/memory-failure.c action_result(): "%#lx: recovery action for %s: %s" with pr_fmt "Memory failure: "
  {
    row: 'mf-recovery-action',
    fmt: 'Memory failure: %#lx: recovery action for %s: %s',
    line: 'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Ignored',
    pfn: 0x40272d,
    pageType: 'get hwpoison page',
  },
  {
    row: 'mf-recovery-action',
    fmt: 'MCE %#lx: recovery action for %s: %s (≈4.1–4.12)',
    line: 'MCE 0x318: recovery action for dirty LRU page: Recovered',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Recovered',
    pfn: 0x318,
    pageType: 'dirty LRU page',
  },
  {
    row: 'mf-old-page-recovery',
    fmt: 'MCE %#lx: %s page recovery: %s (<≈4.1)',
    line: 'MCE 0x2f1c0: dirty LRU page recovery: Delayed',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Delayed',
    pfn: 0x2f1c0,
    pageType: 'dirty LRU page',
  },
  {
    row: 'mf-unhandlable',
    fmt: 'Memory failure: %#lx: unhandlable page.',
    line: 'Memory failure: 0x30a6a18: unhandlable page.',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Unhandlable',
    pfn: 0x30a6a18,
  },
  {
    row: 'mf-already-hardware-poisoned',
    fmt: 'Memory failure: %#lx: already hardware poisoned (≤≈6.10)',
    line: 'Memory failure: 0x7e025e: already hardware poisoned',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'AlreadyPoisoned',
    pfn: 0x7e025e,
  },
  {
    row: 'mf-already-hardware-poisoned',
    fmt: 'MCE %#lx: already hardware poisoned (old prefix)',
    line: 'MCE 0x7e025e: already hardware poisoned',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'AlreadyPoisoned',
    pfn: 0x7e025e,
  },
  {
    row: 'mf-kill',
    fmt: 'Memory failure: %#lx: Sending SIGBUS to %s:%d due to hardware memory corruption',
    line: 'Memory failure: 0x8a398a: Sending SIGBUS to einj_mem_uc:4501 due to hardware memory corruption',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Killed',
    pfn: 0x8a398a,
  },
  {
    row: 'mf-kill',
    fmt: 'ghes.c memory_failure_cb: %#llx: Sending SIGBUS to %s:%d due to hardware memory corruption',
    line: '0x8a398a: Sending SIGBUS to einj_mem_uc:4501 due to hardware memory corruption',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Killed',
    pfn: 0x8a398a,
  },
  {
    row: 'mf-kill',
    fmt: 'Memory failure: %#lx: Killing %s:%d due to hardware memory corruption (≈4.13–5.x)',
    line: 'Memory failure: 0x61646: Killing stress:24502 due to hardware memory corruption',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Killed',
    pfn: 0x61646,
  },
  {
    row: 'mf-kill',
    fmt: 'MCE %#lx: Killing %s:%d due to hardware memory corruption (old)',
    line: 'MCE 0x61646: Killing stress:24502 due to hardware memory corruption',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Killed',
    pfn: 0x61646,
  },
  {
    row: 'mf-kill',
    fmt: 'Memory failure: %#lx: forcibly killing %s:%d because of failure to unmap corrupted page',
    line: 'Memory failure: 0x61646: forcibly killing stress:24502 because of failure to unmap corrupted page',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Killed',
    pfn: 0x61646,
  },
  {
    row: 'mf-detail',
    fmt: 'Memory failure: %#lx: %s still referenced by %d users (has_extra_refcount)',
    line: 'Memory failure: 0x7e025e: dirty LRU page still referenced by 1 users',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Failed',
    pfn: 0x7e025e,
    pageType: 'dirty LRU page',
  },
  {
    row: 'mf-detail',
    fmt: 'Memory failure: %#lx: failed to unmap page (folio mapcount=%d)',
    line: 'Memory failure: 0x7e025e: failed to unmap page (folio mapcount=2)',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Failed',
    pfn: 0x7e025e,
  },
  {
    row: 'mf-detail',
    fmt: 'Memory failure: %#lx: Unknown page state (me_unknown)',
    line: 'Memory failure: 0x7e025e: Unknown page state',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Ignored',
    pfn: 0x7e025e,
  },
  {
    row: 'mf-detail',
    fmt: 'Memory failure: %#lx: memory outside kernel control',
    line: 'Memory failure: 0x1080000: memory outside kernel control',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Ignored',
    pfn: 0x1080000,
  },
  {
    row: 'mf-detail',
    fmt: 'Memory failure: %#lx: keeping poisoned page in swap cache',
    line: 'Memory failure: 0x7e025e: keeping poisoned page in swap cache',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Delayed',
    pfn: 0x7e025e,
  },
  {
    row: 'mf-detail',
    fmt: 'Memory failure: %#lx: corrupted page was clean: dropped without side effects',
    line: 'Memory failure: 0x7e025e: corrupted page was clean: dropped without side effects',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Recovered',
    pfn: 0x7e025e,
  },
  {
    row: 'mf-queue-overflow',
    fmt: 'Memory failure: buffer overflow when queuing memory failure at %#lx',
    line: 'Memory failure: buffer overflow when queuing memory failure at 0x40272d',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Ignored',
    pfn: 0x40272d,
  },
  {
    row: 'mf-panic-unrecoverable',
    fmt: 'panic("Memory failure: %#lx: unrecoverable page")',
    line: 'Kernel panic - not syncing: Memory failure: 0x2a00: unrecoverable page',
    source: 'MEMORY_FAILURE',
    severity: 'fatal',
    result: 'Panic',
    pfn: 0x2a00,
  },
  {
    row: 'mf-panic-recovery-off',
    fmt: 'panic("Memory failure on page %lx") (no 0x)',
    line: 'Kernel panic - not syncing: Memory failure on page 40272d',
    source: 'MEMORY_FAILURE',
    severity: 'fatal',
    result: 'Panic',
    pfn: 0x40272d,
  },
  {
    row: 'soft-offline',
    fmt: 'Soft offline: %#lx: %s migration failed %ld, type %pGp',
    line: 'Soft offline: 0x40272d: page migration failed 1, type 0x17ffffc0020018(uptodate|dirty|lru)',
    source: 'MEMORY_FAILURE',
    severity: 'corrected',
    result: 'SoftOffline',
    pfn: 0x40272d,
  },
  {
    row: 'soft-offline',
    fmt: 'soft offline: %#lx page already poisoned (old)',
    line: 'soft offline: 0x40272d page already poisoned',
    source: 'MEMORY_FAILURE',
    severity: 'corrected',
    result: 'SoftOffline',
    pfn: 0x40272d,
  },
  {
    row: 'unpoison',
    fmt: 'Unpoison: %#lx: software-unpoisoned page',
    line: 'Unpoison: 0x40272d: software-unpoisoned page',
    source: 'MEMORY_FAILURE',
    severity: 'corrected',
    result: 'Unpoisoned',
    pfn: 0x40272d,
  },
  {
    row: 'mce-user-access',
    fmt: 'mce: Uncorrected hardware memory error in user-access at %llx (physical, no 0x)',
    line: 'mce: Uncorrected hardware memory error in user-access at 8a398a400',
    source: 'MCE',
    severity: 'uncorrected',
    result: 'Reported',
    pfn: 0x8a398a,
    physAddr: 0x8a398a400,
  },
  {
    row: 'mce-not-recovered',
    fmt: 'mce: Memory error not recovered',
    line: 'mce: Memory error not recovered',
    source: 'MCE',
    severity: 'uncorrected',
    result: 'NotRecovered',
    pfn: null,
  },
  {
    row: 'mce-kernel-accessed-poison',
    fmt: 'mce: Kernel accessed poison in user space at %llx',
    line: 'mce: Kernel accessed poison in user space at 8a398a400',
    source: 'MCE',
    severity: 'uncorrected',
    result: 'Reported',
    pfn: 0x8a398a,
    physAddr: 0x8a398a400,
  },
  {
    row: 'mce-events-logged',
    fmt: 'pr_info(HW_ERR "Machine check events logged\\n") with pr_fmt "mce: "',
    line: 'mce: [Hardware Error]: Machine check events logged',
    source: 'MCE',
    severity: 'corrected',
    result: 'Reported',
    pfn: null,
  },
  {
    row: 'mce-events-logged',
    fmt: 'old kernels without pr_fmt',
    line: '[Hardware Error]: Machine check events logged',
    source: 'MCE',
    severity: 'corrected',
    result: 'Reported',
    pfn: null,
  },
  {
    row: 'mce-old-bank',
    fmt: '2.6-era print_mce: Bank %d: %016Lx at %016Lx',
    line: 'Bank 3: b40000000000083b at 000000fdfc000cfc',
    source: 'MCE',
    severity: 'uncorrected', // b4: VAL, UC, EN, ADDRV; no PCC
    result: 'Reported',
    pfn: 0xfdfc000,
    physAddr: 0xfdfc000cfc,
  },
  {
    row: 'mce-no-memory-failure',
    fmt: 'Uncorrected memory error in page 0x%lx ignored',
    line: 'Uncorrected memory error in page 0x8a398a ignored',
    source: 'MCE',
    severity: 'uncorrected',
    result: 'Ignored',
    pfn: 0x8a398a,
  },
  {
    row: 'mce-fault-kill',
    fmt: 'MCE: Killing %s:%d due to hardware memory corruption fault at %lx (user VA)',
    line: 'MCE: Killing stress:24502 due to hardware memory corruption fault at 7f5be2e5a010',
    source: 'MEMORY_FAILURE',
    severity: 'uncorrected',
    result: 'Killed',
    pfn: null,
    physAddr: null,
  },
  {
    row: 'edac-ce-ue',
    fmt: 'EDAC MC%d: %d CE %s%son %s (%s page:0x%lx offset:0x%lx grain:%ld syndrome:0x%lx%s%s)',
    line: 'EDAC MC1: 1 CE memory scrubbing error on CPU_SrcID#1_Ha#0_Chan#0_DIMM#0 (channel:0 slot:0 page:0xee30a0 offset:0x0 grain:32 syndrome:0x0 -  area:DRAM err_code:0008:00c2 socket:1 ha:0 channel_mask:1 rank:0)',
    source: 'EDAC',
    severity: 'corrected',
    result: 'Reported',
    pfn: 0xee30a0,
    physAddr: 0xee30a0000,
    count: 1,
  },
  {
    row: 'edac-ce-ue',
    fmt: 'EDAC MC%d: %d CE ... (error count 262)',
    line: 'EDAC MC0: 262 CE memory read error on CPU_SrcID#0_MC#0_Chan#1_DIMM#0 (channel:1 slot:0 page:0x5f1c2 offset:0x340 grain:32 syndrome:0x0 -  err_code:0x0101:0x0091 SystemAddress:0x5f1c2340 ProcessorSocketId:0x0)',
    source: 'EDAC',
    severity: 'corrected',
    result: 'Reported',
    pfn: 0x5f1c2,
    physAddr: 0x5f1c2340,
    count: 262,
  },
  {
    row: 'edac-ce-ue',
    fmt: 'EDAC MC%d: %d UE %s%son %s (%s page:0x%lx offset:0x%lx grain:%ld%s%s)',
    line: 'EDAC MC3: 1 UE memory read error on CPU_SrcID#0_MC#3_Chan#0_DIMM#0 (channel:0 slot:0 page:0x7e025e offset:0x400 grain:32 -  err_code:0x00a0:0x0090  SystemAddress:0x7e025e400 ProcessorSocketId:0x0 MemoryControllerId:0x3)',
    source: 'EDAC',
    severity: 'uncorrected',
    result: 'Reported',
    pfn: 0x7e025e,
    physAddr: 0x7e025e400,
    count: 1,
  },
  {
    row: 'edac-old-ce-ue',
    fmt: 'EDAC MC%d: CE page 0x%lx, offset 0x%lx, grain %d, syndrome 0x%lx, row %d, channel %d, label "%s": %s',
    line: 'EDAC MC0: CE page 0x1f4a3, offset 0x840, grain 8, syndrome 0x5a, row 2, channel 1, label "DIMM_B1": i5000 CE',
    source: 'EDAC',
    severity: 'corrected',
    result: 'Reported',
    pfn: 0x1f4a3,
    physAddr: 0x1f4a3840,
  },
  {
    row: 'sea-internal-error',
    fmt: 'Internal error: %s: %016lx [#%d] SMP (two spaces, current)',
    line: 'Internal error: synchronous external abort: 0000000096000410 [#1]  SMP',
    source: 'SEA',
    severity: 'fatal',
    result: 'Reported',
    pfn: null,
  },
  {
    row: 'sea-internal-error',
    fmt: 'Internal error: %s: %016lx [#%d] PREEMPT SMP (earlier 6.x)',
    line: 'Internal error: synchronous parity or ECC error: 0000000096000418 [#1] PREEMPT SMP',
    source: 'SEA',
    severity: 'fatal',
    result: 'Reported',
    pfn: null,
  },
  {
    row: 'sea-internal-error',
    fmt: 'fault_info "level 1 (translation table walk)"',
    line: 'Internal error: level 1 (translation table walk): 0000000096000015 [#1] SMP',
    source: 'SEA',
    severity: 'fatal',
    result: 'Reported',
    pfn: null,
  },
  {
    row: 'sea-internal-error-old',
    fmt: 'Internal error: %s: %x [#%d] SMP with an empty %s (≤4.x)',
    line: 'Internal error: : 96000210 [#1] SMP',
    source: 'SEA',
    severity: 'fatal',
    result: 'Reported',
    pfn: null,
  },
  {
    row: 'sea-unhandled-fault',
    fmt: 'Unhandled fault: %s (0x%08x) at 0x%016lx (old do_mem_abort)',
    line: 'Unhandled fault: synchronous external abort (0x92000210) at 0x0000007f87888000',
    source: 'SEA',
    severity: 'uncorrected',
    result: 'Reported',
    pfn: null,
  },
  {
    row: 'sea-user-unhandled-exception',
    fmt: 'arm64_show_signal: %s[%d]: unhandled exception: %s, ESR 0x%016lx, %s in <vma>',
    line: 'stress-ng[4501]: unhandled exception: DABT (lower EL), ESR 0x0000000092000410, synchronous external abort in stress-ng[aaaab6b10000+21000]',
    source: 'SEA',
    severity: 'uncorrected',
    result: 'Reported',
    pfn: null,
  },
  {
    row: 'ghes-sync-sigbus',
    fmt: 'dev_err(ghes->dev, HW_ERR GHES_PFX "%s:%d: synchronous unrecoverable error (SIGBUS)")',
    line: 'GHES GHES.0: [Hardware Error]: GHES: einj_mem_uc:4501: synchronous unrecoverable error (SIGBUS)',
    source: 'GHES',
    severity: 'uncorrected',
    result: 'Killed',
    pfn: null,
  },
  {
    row: 'serror',
    fmt: 'SError Interrupt on CPU%d, code 0x%016lx -- %s',
    line: 'SError Interrupt on CPU5, code 0x00000000be000000 -- SError',
    source: 'SERROR',
    severity: 'fatal',
    result: 'Reported',
    pfn: null,
  },
  {
    row: 'serror',
    fmt: 'SError Interrupt on CPU%d, code 0x%08x -- %s (5.x)',
    line: 'SError Interrupt on CPU3, code 0xbe000011 -- SError',
    source: 'SERROR',
    severity: 'fatal',
    result: 'Reported',
    pfn: null,
  },
];

const MARKER_FIXTURES: Array<{ row: string; line: string; pfn: number | null }> = [
  {
    row: 'inject-madvise',
    line: 'Injecting memory failure for pfn 0x8e000 at process virtual address 0xffff80000000',
    pfn: 0x8e000,
  },
  { row: 'inject-madvise', line: 'Injecting memory failure for page 0x318 at 0x44f01d', pfn: 0x318 },
  {
    row: 'inject-soft-offline',
    line: 'Soft offlining pfn 0x8a000 at process virtual address 0xffff60000000',
    pfn: 0x8a000,
  },
  { row: 'inject-soft-offline', line: 'Soft offlining page 0x8a000 at 0x7f0000001000', pfn: 0x8a000 },
  { row: 'inject-hwpoison-debugfs', line: 'Injecting memory failure at pfn 0x40272d', pfn: 0x40272d },
  { row: 'inject-mce-done', line: 'MCE exception done on CPU 7', pfn: null },
  { row: 'inject-mce-trigger', line: 'Triggering MCE exception on CPU 2', pfn: null },
  { row: 'inject-mce-trigger', line: 'Starting machine check poll CPU 0', pfn: null },
  { row: 'inject-mce-trigger', line: 'Machine check poll done on CPU 0', pfn: null },
  { row: 'inject-einj-loaded', line: 'EINJ: Error INJection is initialized.', pfn: null },
  { row: 'inject-mce-inject-loaded', line: 'Machine check injector initialized', pfn: null },
];

describe('hardware recognizer rows', () => {
  it.each(FIXTURES)('$row recognises `$line`', (f) => {
    const s = one(f.line);
    expect(s).toBeDefined();
    expect(s?.recognizer).toBe(f.row);
    expect(s?.source).toBe(f.source);
    expect(s?.severity).toBe(f.severity);
    expect(s?.result).toBe(f.result);
    expect(s?.pfn).toBe(f.pfn);
    if (f.physAddr !== undefined) expect(s?.physAddr).toBe(f.physAddr);
    if (f.pageType !== undefined) expect(s?.pageType).toBe(f.pageType);
    expect(s?.count).toBe(f.count ?? 1);
    expect(s?.line).toBe(f.line);
  });

  it.each(MARKER_FIXTURES)('$row gives an INJECTION marker for `$line`', (f) => {
    const out = run([f.line]);
    expect(hw(out)).toHaveLength(0);
    expect(markers(out)).toEqual([
      expect.objectContaining({ marker: 'INJECTION', pfn: f.pfn, line: f.line }),
    ]);
  });

  it('has a fixture for every row of the table', () => {
    const covered = new Set([
      ...FIXTURES.map((f) => f.row),
      ...MARKER_FIXTURES.map((f) => f.row),
      'taint-after-hw-error',
    ]);
    for (const row of HW_ROWS) expect(covered, row.id).toContain(row.id);
  });

  const PAGE_TYPES = [
    'reserved kernel page',
    'kernel page',
    'high-order kernel page',
    'huge page',
    'free huge page',
    'get hwpoison page',
    'unmapping failed page',
    'dirty swapcache page',
    'clean swapcache page',
    'dirty mlocked LRU page',
    'clean mlocked LRU page',
    'dirty unevictable LRU page',
    'clean unevictable LRU page',
    'dirty LRU page',
    'clean LRU page',
    'already truncated LRU page',
    'free buddy page',
    'dax page',
    'unsplit thp',
    'already poisoned page',
    'already poisoned',
    'non struct page pfn',
    'unknown page',
    'kernel slab page',
    'different compound page after locking',
    'huge page already hardware poisoned',
    'non-pmd-sized huge page',
    'free buddy page (2nd try)',
    'dirty page',
  ];
  const RESULTS = ['Ignored', 'Failed', 'Delayed', 'Recovered'] as const;

  it('reads every page type (current, old, vendor) with every result', () => {
    for (const pageType of PAGE_TYPES) {
      for (const result of RESULTS) {
        const line = `Memory failure: 0x7740c0: recovery action for ${pageType}: ${result}`;
        const s = one(line);
        expect(s?.pageType, line).toBe(pageType);
        expect(s?.result, line).toBe(result);
        expect(s?.pfn, line).toBe(0x7740c0);
      }
    }
  });

  it('does not report lines that only look similar', () => {
    const lines = [
      'Soft offline: disabled by /proc/sys/vm/enable_soft_offline',
      'Memory failure: 0x40272d cannot catch tail',
      'mce: CPU supports 7 MCE banks',
      'Internal error: Oops: 96000004 [#1] PREEMPT SMP',
      'Internal error: : 96000004 [#1] SMP',
      'Internal error: ttbr address size fault: 96000040 [#1] SMP',
      'EDAC MC: Ver: 3.0.0',
      'EDAC sbridge: Seeking for: PCI ID 8086:0e a0',
      'MCE: In-kernel MCE decoding enabled.',
      'Memory failure: 0x40272d: recovery action for get hwpoison page: Unknown',
      'Disabling lock debugging due to kernel taint',
      'a.out[4501]: unhandled exception: DABT (lower EL), ESR 0x0000000092000007, level 3 translation fault in a.out[400000+1000]',
      'a.out[4501]: segfault at 0 ip 0000000000401136 sp 00007ffd3f1e4e40 error 6 in a.out[401000+1000]',
    ];
    expect(run(lines)).toEqual([]);
  });

  it('decodes the arm64 ESR to tell an external abort from another fault', () => {
    expect(esrIsExternalAbort(0x96000210)).toBe(true); // EC 0x25, FSC 0x10
    expect(esrIsExternalAbort(0x92000210)).toBe(true); // EC 0x24 (lower EL)
    expect(esrIsExternalAbort(0x86000010)).toBe(true); // instruction abort
    expect(esrIsExternalAbort(0x96000418)).toBe(true); // parity/ECC
    expect(esrIsExternalAbort(0x96000004)).toBe(false); // translation fault
    expect(esrIsExternalAbort(0x96000040)).toBe(false); // address size fault
    expect(esrIsExternalAbort(0xbe000011)).toBe(false); // SError class
  });

  it('reports `Disabling lock debugging due to kernel taint` as TAINT_MCE only after a hardware error', () => {
    const out = run([
      'mce: [Hardware Error]: Machine check events logged',
      'Disabling lock debugging due to kernel taint',
    ]);
    expect(markers(out).map((m) => m.marker)).toEqual(['TAINT_MCE']);
  });
});
