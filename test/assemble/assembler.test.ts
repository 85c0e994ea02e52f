/**
 * Crash report assembly: caller routing, end markers and the panic epilogue, multi-line messages,
 * boot detection, idle gaps. Report lines follow the kernel's formats (reference §7, §8).
 */
import { describe, expect, it } from 'vitest';
import {
  advanceAssembler,
  newAssemblerState,
  pushLine,
  splitMessage,
  stripStamp,
} from '../../src/assemble/index.js';
import { DEFAULT_LIMITS } from '../../src/model/config.js';
import { makeEvent } from '../../src/model/event.js';
import { assemble, event, T0, X86_OOPS } from './run.js';

const ARM64_SEA = [
  'Internal error: synchronous external abort: 0000000096000410 [#1]  SMP',
  'Modules linked in: ghes_edac(E)',
  'CPU: 70 UID: 34133 PID: 640437 Comm: Collection-20 Kdump: loaded Tainted: G   M        E       6.16.1 #1 NONE ',
  'pc : d_lookup+0x5c/0x220',
  'lr : try_lookup_noperm+0x30/0x50',
  'Call trace:',
  ' d_lookup+0x5c/0x220 (P)',
  ' try_lookup_noperm+0x30/0x50',
  '---[ end trace 0000000000000000 ]---',
];

describe('report boundaries', () => {
  it('assembles one report from its start to its end marker, with the first line first', () => {
    const { reports } = assemble([
      'usb 1-1: new high-speed USB device number 2 using xhci_hcd',
      ...X86_OOPS,
      'e1000e: eth0 NIC Link is Up',
    ]);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.lines).toEqual(X86_OOPS);
    expect(reports[0]?.ts).toBe(T0 + 100);
    expect(reports[0]?.truncatedLines).toBe(0);
  });

  it('absorbs the panic epilogue after the end marker and closes at `---[ end Kernel panic`', () => {
    const epilogue = [
      'Kernel panic - not syncing: synchronous external abort: Fatal exception',
      'SMP: stopping secondary CPUs',
      'Kernel Offset: 0x4b0000000 from 0xffff800080000000',
      'PHYS_OFFSET: 0x80000000',
      'CPU features: 0x000000,00000000,00000000,4200400b',
      'Memory Limit: none',
      '---[ end Kernel panic - not syncing: synchronous external abort: Fatal exception ]---',
    ];
    const { reports } = assemble([...ARM64_SEA, ...epilogue], DEFAULT_LIMITS, false);
    expect(reports).toHaveLength(1); // closed without a flush
    expect(reports[0]?.lines).toEqual([...ARM64_SEA, ...epilogue]);
  });

  it('leaves chatter after the end marker out of the report', () => {
    const { reports } = assemble([
      ...X86_OOPS,
      'e1000e: eth0 NIC Link is Up',
      'Kernel panic - not syncing: Fatal exception',
    ]);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.lines).toEqual([...X86_OOPS, 'Kernel panic - not syncing: Fatal exception']);
  });

  it('waits state.epilogueMs of event time after the end marker for the panic epilogue', () => {
    // the oops at 0..1.2 ms, then x86 oops_end's register summary and panic()'s line `gapUs` later
    const recs = (gapUs: number) => [
      ...X86_OOPS.map((text, i) => ({ text, at: i * 100 })),
      { text: 'RIP: 0010:d_lookup+0x5c/0x220', at: 1_300 },
      { text: 'Kernel panic - not syncing: Fatal exception', at: 1_200 + gapUs },
    ];
    const lines = (r: ReturnType<typeof assemble>) => r.reports.map((x) => x.lines[0]);
    const within = assemble(recs(DEFAULT_LIMITS.epilogueMs * 1000 - 1_000));
    expect(lines(within)).toEqual([X86_OOPS[0]]);
    expect(within.reports[0]?.lines.at(-1)).toBe('Kernel panic - not syncing: Fatal exception');
    // past the window the report is closed without it, and the panic line is a report of its own
    const after = assemble(recs(DEFAULT_LIMITS.epilogueMs * 1000 + 1_000));
    expect(lines(after)).toEqual([X86_OOPS[0], 'Kernel panic - not syncing: Fatal exception']);
    expect(after.reports[0]?.lines).toEqual(X86_OOPS);
    // the window is the configured one
    const longer = { ...DEFAULT_LIMITS, epilogueMs: 2_000 };
    expect(lines(assemble(recs(1_500_000), longer))).toEqual([X86_OOPS[0]]);
  });

  it('ends a report at a new report of the same stream', () => {
    const second = [
      'WARNING: CPU: 3 PID: 1 at mm/page_alloc.c:4500 __alloc_pages+0x1/0x2',
      'Modules linked in: xfs',
    ];
    const { reports } = assemble([...X86_OOPS.slice(0, 8), ...second]);
    expect(reports.map((r) => r.lines[0])).toEqual([X86_OOPS[0], second[0]]);
    expect(reports[0]?.lines).toEqual(X86_OOPS.slice(0, 8));
  });

  it('keeps the `INFO:` lines of an old SLUB report in it, and an `INFO:` report after it apart', () => {
    // mm/slub.c of 3.x kernels: slab_bug(), check_bytes_and_report(), print_track(),
    // print_page_info(), print_trailer(), then the stack and slab_fix()
    const slub = [
      '=============================================================================',
      'BUG kmalloc-64 (Not tainted): Poison overwritten',
      '-----------------------------------------------------------------------------',
      'INFO: 0xffff88003d1a3f20-0xffff88003d1a3f27. First byte 0x0 instead of 0x6b',
      'INFO: Allocated in load_elf_binary+0x3c/0x1660 age=2191 cpu=1 pid=1542',
      'INFO: Freed in load_elf_binary+0x8a2/0x1660 age=12 cpu=0 pid=1543',
      'INFO: Slab 0xffffea0000f46800 objects=18 used=18 fp=0x          (null) flags=0x4000000000004080',
      'INFO: Object 0xffff88003d1a3f00 @offset=3840 fp=0xffff88003d1a3e00',
      'Object ffff88003d1a3f00: 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk',
      'Pid: 1543, comm: sh Not tainted 3.2.0 #1',
      'Call Trace:',
      ' [<ffffffff81146bd8>] print_trailer+0x138/0x140',
      ' [<ffffffff81146e3f>] check_bytes_and_report+0xf7/0x140',
      ' [<ffffffff81147a0c>] check_object+0x1dc/0x240',
      'FIX kmalloc-64: Restoring 0xffff88003d1a3f20-0xffff88003d1a3f27=0x6b',
    ];
    const hung = [
      'INFO: task khugepaged:57 blocked for more than 120 seconds.',
      '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
    ];
    const { reports } = assemble([...slub, ...hung]);
    expect(reports.map((r) => r.lines[0])).toEqual([slub[1], hung[0]]);
    expect(reports[0]?.lines).toEqual(slub.slice(1));
  });

  it('keeps an old kernel’s hard-lockup WARN message in the WARNING it belongs to, and a newer hard lockup apart', () => {
    // 3.x warn_slowpath_common(): `WARNING: at file:line func()`, the board, the WARN() message,
    // the modules, the stack; the message here is watchdog_overflow_callback's
    const oldWarn = [
      '------------[ cut here ]------------',
      'WARNING: at kernel/watchdog.c:245 watchdog_overflow_callback+0x9c/0xd0()',
      'Hardware name: Bochs',
      'Watchdog detected hard LOCKUP on cpu 0',
      'Modules linked in: 8139cp mii',
      'Pid: 0, comm: swapper/0 Not tainted 3.8.9-200.fc18.x86_64 #1',
      'Call Trace:',
      ' <NMI>  [<ffffffff8105cd86>] warn_slowpath_common+0x66/0x80',
      ' [<ffffffff8105cdec>] warn_slowpath_fmt+0x4c/0x50',
      ' [<ffffffff810eb83c>] watchdog_overflow_callback+0x9c/0xd0',
      '---[ end trace 8a9f3e4bc4b4ea64 ]---',
    ];
    // 4.x and later: pr_emerg() of the message itself, then the modules and registers
    const newer = [
      'Watchdog detected hard LOCKUP on cpu 2',
      'Modules linked in: xfs',
      'CPU: 2 PID: 0 Comm: swapper/2 Not tainted 5.15.0 #1',
      'RIP: 0010:native_safe_halt+0xb/0x10',
    ];
    const { reports } = assemble([...oldWarn, ...newer]);
    expect(reports.map((r) => r.lines[0])).toEqual([oldWarn[1], newer[0]]);
    expect(reports[0]?.lines).toEqual(oldWarn.slice(1));
  });

  it('starts a new report at an `Oops:` line that follows a finished report', () => {
    const warn = [
      '------------[ cut here ]------------',
      'WARNING: CPU: 3 PID: 1 at mm/page_alloc.c:4500 __alloc_pages+0x1/0x2',
      'Modules linked in: xfs',
      '---[ end trace 0000000000000000 ]---',
    ];
    const oops = [
      'Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP NOPTI',
      'RIP: 0010:list_del+0x1/0x2',
    ];
    const { reports } = assemble([...warn, ...oops]);
    expect(reports.map((r) => r.lines)).toEqual([warn.slice(1), oops]);
  });

  it('keeps the old arm64 `Unhandled fault` line and the `Internal error` die() prints for it in one report', () => {
    const lines = [
      'Unhandled fault: synchronous external abort (0x96000210) at 0xffffff80096c61b0',
      'Internal error: : 96000210 [#1] SMP',
      'Modules linked in: midgard_kbase',
      'PC is at ahci_scr_read+0x70/0x98',
    ];
    expect(assemble(lines).reports.map((r) => r.lines)).toEqual([lines]);
    // a different fault is a different crash
    const other = [lines[0] ?? '', 'Internal error: synchronous external abort: 0000000096000410 [#1] SMP'];
    expect(assemble(other).reports.map((r) => r.lines[0])).toEqual(other);
  });

  it('closes a report after reportIdleMs of event time without a line', () => {
    const recs = [
      { text: 'INFO: task kworker/0:1:12 blocked for more than 120 seconds.', at: 0 },
      { text: '      Not tainted 6.1.0 #1', at: 10 },
      { text: 'usb 1-1: USB disconnect, device number 2', at: 20_000_000 },
    ];
    const { reports } = assemble(recs, DEFAULT_LIMITS, false);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.lines).toEqual(recs.slice(0, 2).map((r) => r.text));
  });

  it('closes an idle report when the watermark passes, and not before', () => {
    const s = newAssemblerState();
    const ev0 = event({ text: 'kernel BUG at mm/slub.c:123!', at: 0 }, 0);
    pushLine(s, { event: ev0, text: ev0.message }, DEFAULT_LIMITS);
    expect(advanceAssembler(s, T0 + 5_000_000, DEFAULT_LIMITS).reports).toHaveLength(0);
    const out = advanceAssembler(s, T0 + 10_000_001, DEFAULT_LIMITS);
    expect(out.reports.map((r) => r.lines)).toEqual([['kernel BUG at mm/slub.c:123!']]);
    expect(s.open).toBeNull();
  });
});

describe('interleaved CPUs', () => {
  it('keeps two CPUs’ reports apart by caller id and leaves a third caller’s chatter out', () => {
    const a = X86_OOPS.map((text) => ({ text, caller: 'T1234' }));
    const b = ARM64_SEA.map((text) => ({ text, caller: 'C5' }));
    const recs: Array<{ text: string; caller: string }> = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i];
      const y = b[i];
      if (x) recs.push(x);
      recs.push({ text: `systemd-journald[402]: message ${i}`, caller: 'T402' });
      if (y) recs.push(y);
    }
    const { reports } = assemble(recs);
    expect(reports).toHaveLength(2);
    const byFirst = new Map(reports.map((r) => [r.lines[0], r.lines]));
    expect(byFirst.get(X86_OOPS[0])).toEqual(X86_OOPS);
    expect(byFirst.get(ARM64_SEA[0])).toEqual(ARM64_SEA);
  });

  it('gives an RCU stall the NMI backtraces other CPUs print for it', () => {
    const recs = [
      { text: 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', caller: 'C0' },
      {
        text: 'rcu: \t3-...0: (1 GPs behind) idle=9ac/1/0x4000000000000000 softirq=12/12 fqs=2100',
        caller: 'C0',
      },
      { text: 'Sending NMI from CPU 0 to CPUs 3:', caller: 'C0' },
      { text: 'NMI backtrace for cpu 3', caller: 'C3' },
      { text: 'RIP: 0010:native_queued_spin_lock_slowpath+0x5e/0x1d0', caller: 'C3' },
    ];
    const { reports } = assemble(recs);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.lines).toEqual(recs.map((r) => r.text));
  });
});

describe('multi-line messages', () => {
  it('splits a pstore message, strips the stamps inside it and closes the report at the message end', () => {
    const body = ARM64_SEA.map((l, i) => `[88757.${String(847126 + i).padStart(6, '0')}] ${l}`).join('\n');
    const { reports } = assemble([{ text: `${body}\n`, source: 'pstore' }], DEFAULT_LIMITS, false);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.lines).toEqual(ARM64_SEA);
  });

  it('reads the hardware lines inside a kdump message as well as the crash', () => {
    const dump = [
      '[88690.498619] Memory failure: 0x40272d: recovery action for get hwpoison page: Ignored',
      ...ARM64_SEA.map((l) => `[88757.847126] ${l}`),
    ].join('\n');
    const { reports, signals } = assemble([
      { text: 'mce: [Hardware Error]: Machine check events logged' },
      { text: dump, source: 'kdump' },
    ]);
    expect(reports.map((r) => r.lines[0])).toEqual([ARM64_SEA[0]]);
    expect(signals.map((s) => (s.type === 'hw' ? [s.recognizer, s.pfn] : [s.marker, s.pfn]))).toEqual([
      ['mce-events-logged', null],
      ['mf-recovery-action', 0x40272d],
      ['sea-internal-error', null],
    ]);
  });

  it('splitMessage removes carriage returns, stamps and caller ids', () => {
    const e = makeEvent({
      host: 'h',
      ts: 1,
      message:
        '[  123.456789] Oops: Oops: 0000 [#1] SMP\r\n<4>[  123.456790][ T3706] RIP: 0010:foo+0x1/0x2\n[drm] not a stamp\n',
    });
    expect(splitMessage(e)).toEqual([
      'Oops: Oops: 0000 [#1] SMP',
      'RIP: 0010:foo+0x1/0x2',
      '[drm] not a stamp',
    ]);
    expect(stripStamp('[88690.478913] [ T593001] {1}[Hardware Error]: x')).toBe('{1}[Hardware Error]: x');
  });
});

describe('boot detection', () => {
  const open = 'kernel BUG at mm/slub.c:123!';

  it('emits BOOT and closes the open report when boot_id changes', () => {
    const { reports, signals } = assemble(
      [
        { text: open, bootId: 'aaaa' },
        { text: 'random: crng init done', bootId: 'bbbb' },
      ],
      DEFAULT_LIMITS,
      false,
    );
    expect(reports.map((r) => r.bootId)).toEqual(['aaaa']);
    expect(signals.filter((s) => s.type === 'marker' && s.marker === 'BOOT')).toHaveLength(1);
  });

  it('emits BOOT at the `Linux version` banner, once even right after a boot_id change', () => {
    const banner =
      'Linux version 6.15.0-sev-snp-amd64 (yeba@snp-server) (gcc (Debian 14.2.0-19) 14.2.0, GNU ld (GNU Binutils for Debian) 2.44) #1 SMP PREEMPT_DYNAMIC Wed Jun  4 15:09:56 UTC 2025';
    const one = assemble([open, banner], DEFAULT_LIMITS, false);
    expect(one.reports).toHaveLength(1);
    expect(one.signals.map((s) => (s.type === 'marker' ? s.marker : s.type))).toEqual(['BOOT']);
    const two = assemble([
      { text: 'x', bootId: 'aaaa' },
      { text: 'Command line: BOOT_IMAGE=/vmlinuz', bootId: 'bbbb', uptimeUs: 0 },
      { text: banner, bootId: 'bbbb', uptimeUs: 0 },
    ]);
    expect(two.signals.filter((s) => s.type === 'marker' && s.marker === 'BOOT')).toHaveLength(1);
  });

  it('emits BOOT when the uptime stamp goes back to near zero', () => {
    const { reports, signals } = assemble(
      [
        { text: open, uptimeUs: 88_757_847_126 },
        { text: 'mce: CPU supports 7 MCE banks', uptimeUs: 43_437 },
      ],
      DEFAULT_LIMITS,
      false,
    );
    expect(reports).toHaveLength(1);
    expect(signals).toEqual([expect.objectContaining({ type: 'marker', marker: 'BOOT', uptimeUs: 43_437 })]);
  });

  it('does not take a small step back in uptime for a boot', () => {
    const { signals } = assemble([
      { text: 'a', uptimeUs: 5_000_000 },
      { text: 'b', uptimeUs: 4_800_000 },
    ]);
    expect(signals).toEqual([]);
  });
});
