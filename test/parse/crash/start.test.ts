import { describe, expect, it } from 'vitest';
import { isReportEnd, matchReportStart } from '../../../src/parse/crash/index.js';
import { OOPS_GROUPS } from '../../../src/parse/crash/formats.js';
import { prefilter } from '../../../src/parse/crash/start.js';

// [line, row id, kind, secondary] — lines as the kernel prints them (reference/kernel-formats.md §7, §8).
const STARTS: ReadonlyArray<readonly [string, string, string, boolean]> = [
  [
    'Internal error: synchronous external abort: 0000000096000410 [#1]  SMP',
    'internal-error',
    'EXTERNAL_ABORT',
    false,
  ],
  [
    'Internal error: synchronous external abort: 0000000096000210 [#1] PREEMPT SMP',
    'internal-error',
    'EXTERNAL_ABORT',
    false,
  ],
  ['Internal error: : 96000210 [#1] SMP', 'internal-error', 'EXTERNAL_ABORT', false],
  ['Internal error: Oops: 96000004 [#1] PREEMPT SMP', 'internal-error', 'OOPS', true],
  ['Internal error: ttbr address size fault: 96000040 [#1] SMP', 'internal-error', 'OOPS', true],
  ['Internal error: Oops - BUG: 00000000f2000800 [#1]  SMP', 'bug', 'BUG', true],
  [
    'Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008',
    'unable-to-handle',
    'OOPS',
    false,
  ],
  [
    'Unable to handle kernel paging request at virtual address ffff800081234000',
    'unable-to-handle',
    'OOPS',
    false,
  ],
  ['SError Interrupt on CPU5, code 0x00000000be000000 -- SError', 'arm64-serror', 'SERROR', false],
  ['SError Interrupt on CPU3, code 0xbe000011 -- SError', 'arm64-serror', 'SERROR', false],
  ['BUG: kernel NULL pointer dereference, address: 0000000000000008', 'bug', 'OOPS', false],
  ['BUG: unable to handle page fault for address: ffffc90000b0e000', 'bug', 'OOPS', false],
  ['BUG: unable to handle kernel paging request at ffffea0000fff058', 'bug', 'OOPS', false],
  ['BUG: unable to handle kernel NULL pointer dereference at 0000000000000058', 'bug', 'OOPS', false],
  ['Oops: Oops: 0000 [#1] SMP NOPTI', 'x86-oops', 'OOPS', true],
  ['Oops: 0000 [#1] SMP', 'x86-oops', 'OOPS', true],
  [
    'Oops: general protection fault, probably for non-canonical address 0xdffffc0000000002: 0000 [#1] SMP KASAN NOPTI',
    'gpf',
    'OOPS',
    false,
  ],
  ['general protection fault: 0000 [#1] SMP KASAN', 'gpf', 'OOPS', false],
  ['Oops: invalid opcode: 0000 [#1] SMP NOPTI', 'invalid-opcode', 'OOPS', true],
  ['Oops: divide error: 0000 [#1] PREEMPT SMP KASAN', 'divide-error', 'OOPS', false],
  ['Oops: stack segment: 0000 [#1] PREEMPT SMP KASAN', 'stack-segment', 'OOPS', false],
  ['kernel BUG at include/linux/swapops.h:88!', 'kernel-bug', 'BUG', false],
  ['WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:4402 __alloc_pages+0x2ad/0x330', 'warning', 'WARNING', false],
  ['WARNING: mm/foo.c:123 at bar+0x1/0x2, CPU#3: kworker/3:1/123', 'warning', 'WARNING', false],
  ['WARNING: possible circular locking dependency detected', 'warning', 'WARNING', false],
  ['WARNING: inconsistent lock state', 'warning', 'WARNING', false],
  ['BUG: KASAN: slab-use-after-free in tcp_retransmit_timer+0x2b56/0x2e30', 'bug', 'KASAN', false],
  ['BUG: KFENCE: use-after-free read in test_use_after_free_read+0xb3/0x143', 'bug', 'KASAN', false],
  ['BUG: KMSAN: uninit-value in __netif_receive_skb_core+0x1b6b/0x5d10', 'bug', 'KASAN', false],
  ['BUG: KCSAN: data-race in ext4_mark_iloc_dirty / ext4_mark_iloc_dirty', 'bug', 'KASAN', false],
  ['UBSAN: array-index-out-of-bounds in net/core/dev.c:1234:5', 'ubsan', 'WARNING', false],
  ['BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580', 'bug', 'BUG', false],
  ['BUG: scheduling while atomic: swapper/0/0/0x00000002', 'bug', 'BUG', false],
  ['BUG: Bad page state in process syz-executor  pfn:2a00c', 'bug', 'BUG', false],
  ['BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 31s!', 'bug', 'LOCKUP', false],
  ['BUG: spinlock lockup suspected on CPU#1, syz-executor/1234', 'bug', 'LOCKUP', false],
  ['BUG: memory leak', 'bug', 'BUG', false],
  ['watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [syz-executor.2:9514]', 'bug', 'LOCKUP', false],
  ['watchdog: Watchdog detected hard LOCKUP on cpu 3', 'hard-lockup', 'LOCKUP', false],
  ['NMI watchdog: Watchdog detected hard LOCKUP on cpu 0', 'hard-lockup', 'LOCKUP', false],
  ['rcu: INFO: rcu_preempt self-detected stall on CPU', 'info', 'RCU_STALL', false],
  ['rcu: INFO: rcu_sched detected stalls on CPUs/tasks:', 'info', 'RCU_STALL', false],
  ['INFO: task kworker/u16:2:1234 blocked for more than 122 seconds.', 'info', 'HUNG_TASK', false],
  ['INFO: trying to register non-static key.', 'info', 'WARNING', false],
  ['unregister_netdevice: waiting for lo to become free. Usage count = 1', 'netdev-refcount', 'OTHER', false],
  ['Kernel panic - not syncing: Fatal exception', 'panic', 'PANIC', true],
  ['Kernel panic - not syncing: panic_on_warn set ...', 'panic', 'PANIC', true],
  ['Kernel panic - not syncing: Fatal machine check', 'panic', 'MACHINE_CHECK', true],
  [
    'Kernel panic - not syncing: Timeout: Monarch CPU unable to finish machine check processing',
    'panic',
    'MACHINE_CHECK',
    true,
  ],
  ['Kernel panic - not syncing: GHES: Fatal hardware error', 'panic', 'HW_ERROR_PANIC', true],
  ['Kernel panic - not syncing: Fatal hardware error!', 'panic', 'HW_ERROR_PANIC', true],
  ['Kernel panic - not syncing: Asynchronous SError Interrupt', 'panic', 'SERROR', true],
  [
    'Kernel panic - not syncing: Memory failure: 0x40272d: unrecoverable page',
    'panic',
    'MEMORY_FAILURE_PANIC',
    true,
  ],
  ['Kernel panic - not syncing: Memory failure on page 40272d', 'panic', 'MEMORY_FAILURE_PANIC', true],
  [
    'Kernel panic - not syncing: synchronous external abort: Fatal exception',
    'panic',
    'EXTERNAL_ABORT',
    true,
  ],
  ['Kernel panic - not syncing: hung_task: blocked tasks', 'panic', 'HUNG_TASK', true],
  ['Kernel panic - not syncing: softlockup: hung tasks', 'panic', 'LOCKUP', true],
  [
    'mce: [Hardware Error]: Machine check: Data load in unrecoverable area of kernel',
    'x86-mce-panic',
    'MACHINE_CHECK',
    false,
  ],
  [
    'mce: [Hardware Error]: Machine check: Processor context corrupt',
    'x86-mce-panic',
    'MACHINE_CHECK',
    false,
  ],
];

// Lines that are routine chatter or hardware signals, never report starts.
const NOT_STARTS: readonly string[] = [
  'Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
  'Memory failure: 0x40272d: unhandlable page.',
  'mce: [Hardware Error]: CPU 0: Machine Check Exception: 4 Bank 0: b200000080060001',
  'mce: [Hardware Error]: Machine check events logged',
  '{1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 784',
  'EDAC MC0: 1 UE multi-bit ECC on unknown memory (node:0 card:0 module:1 page:0x40272d offset:0x5080 grain:4096)',
  'Unhandled fault: synchronous external abort (0x92000210) at 0x0000007f87888000',
  'ODEBUG: object is on stack, but not annotated',
  'INFO: lockdep is turned off.',
  'WARNING: /etc/ssh/moduli does not exist, using fixed modulus',
  'EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.',
  'usb 1-1: new high-speed USB device number 2 using ehci-pci',
  'perf: interrupt took too long (2502 > 2500), lowering kernel.perf_event_max_sample_rate to 79750',
  'traps: a.out[1234] general protection fault ip:401136 sp:7ffd6f1b0a30 error:0 in a.out[401000+1000]',
  '# expecting kernel panic: fatal error: not at the start',
  '',
];

describe('report start table', () => {
  it.each(STARTS)('%s starts row %s of kind %s (secondary %s)', (line, id, kind, secondary) => {
    const s = matchReportStart(line);
    expect(s).not.toBeNull();
    expect(s?.id).toBe(id);
    expect(s?.kind).toBe(kind);
    expect(s?.secondary).toBe(secondary);
  });

  it.each(NOT_STARTS.map((l) => [l]))('%s does not start a report', (line) => {
    expect(matchReportStart(line)).toBeNull();
  });

  it('lets every header through the prefilter, so the prefilter never hides a report start', () => {
    for (const g of OOPS_GROUPS) expect(prefilter(`xx ${g.header} yy`), g.id).toBe(true);
  });

  it('finds a header in the middle of a line as syzkaller does, unless suppressed', () => {
    expect(
      matchReportStart('[  233.001921] some prefix BUG: KASAN: use-after-free in foo+0x1/0x2')?.kind,
    ).toBe('KASAN');
    expect(matchReportStart('Boot_DEBUG: BUG: nothing')).toBeNull();
  });

  it('keeps follow-up lines in the open report but lets an arm64 external abort start its own', () => {
    expect(matchReportStart('Kernel panic - not syncing: Fatal exception')?.noSplit).toBe(true);
    expect(matchReportStart('Internal error: Oops: 96000004 [#1] PREEMPT SMP')?.noSplit).toBe(true);
    expect(matchReportStart('Oops: Oops: 0000 [#1] SMP NOPTI')?.noSplit).toBe(true);
    expect(matchReportStart('invalid opcode: 0000 [#1] SMP')?.noSplit).toBe(true);
    const sea = matchReportStart('Internal error: synchronous external abort: 0000000096000410 [#1]  SMP');
    expect(sea?.secondary).toBe(false);
    expect(sea?.noSplit).toBe(false);
    expect(matchReportStart('BUG: KASAN: use-after-free in foo+0x1/0x2')?.noSplit).toBe(false);
  });

  it('recognizes oops and panic end markers only', () => {
    expect(isReportEnd('---[ end trace 0000000000000000 ]---')).toBe(true);
    expect(isReportEnd('---[ end Kernel panic - not syncing: Fatal exception ]---')).toBe(true);
    expect(isReportEnd('---[ end trace 3b7a5d3d2a1f1c7e ]---')).toBe(true);
    expect(isReportEnd('------------[ cut here ]------------')).toBe(false);
    expect(isReportEnd('Kernel Offset: disabled')).toBe(false);
  });
});
